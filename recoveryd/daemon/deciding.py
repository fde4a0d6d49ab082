# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Decide a day from the store.

Load the history, run the pure engine, attach the timeline, and store the result as a new
revision only when its inputs changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recoveryd.config.athletes import AthleteConfig, PlannedSessionConfig
from recoveryd.config.model import Config
from recoveryd.daemon.coaching import DECISION_CONTROLS, coached
from recoveryd.domain.columns import NightColumns
from recoveryd.domain.models import DayPlan, Decision
from recoveryd.domain.training import Exercise, Session
from recoveryd.engine import History, TrainingPlan, decide_days
from recoveryd.engine.load import HeartRateZones, Sex
from recoveryd.home.timeline import with_actions
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

EVER = date(1970, 1, 1)
"""Before any stored night or session: a decision reads the whole history up to its day."""

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _session(config: PlannedSessionConfig) -> Session:
    return Session(
        title=config.title,
        sport=config.sport,
        duration_min=config.duration_min,
        intensity=config.intensity,
        zone=config.zone,
        target_rpe=config.target_rpe,
        start=config.start,
        exercises=tuple(
            Exercise(e.name, e.sets, e.reps, e.load_kg, e.progression, e.load_step_pct)
            for e in config.exercises
        ),
    )


def training_plan(athlete: AthleteConfig) -> TrainingPlan:
    """The engine's view of the athlete's plan."""
    plan = athlete.plan
    return TrainingPlan(
        sessions={_WEEKDAYS.index(day): _session(s) for day, s in plan.sessions.items()},
        name=plan.name,
        plan_start=plan.plan_start,
        deload_every_weeks=plan.deload_every_weeks,
        deload_volume=plan.deload_volume,
        deload_load=plan.deload_load,
        active_recovery_min=plan.active_recovery_min,
        mobility=_session(plan.mobility) if plan.mobility is not None else None,
    )


def heart_rate_zones(athlete: AthleteConfig) -> HeartRateZones | None:
    """TRIMP's inputs, when the configuration gives all three."""
    if athlete.sex is None or athlete.hr_rest_bpm is None or athlete.hr_max_bpm is None:
        return None
    return HeartRateZones(athlete.hr_rest_bpm, athlete.hr_max_bpm, Sex(athlete.sex))


def load_history(store: Store, config: Config, athlete_id: str, first: date, last: date) -> History:
    """Everything the store holds that decisions from ``first`` to ``last`` may use."""
    athlete = config.athlete(athlete_id)
    metric_preference = {str(metric): order for metric, order in athlete.source_priority.items()}
    return stored_history(
        store, athlete_id, athlete.sources, first, last, metric_preference=metric_preference
    )


def stored_history(
    store: Store,
    athlete_id: str,
    preference: Sequence[str],
    first: date,
    last: date,
    *,
    metric_preference: Mapping[str, Sequence[str]] | None = None,
) -> History:
    """The athlete's history in the store, read as columns, for decisions ``first``-``last``.

    All of it up to ``last``, from the first night and the first session on: fitness and the
    lines that calibrate one device to another run from there, so a day is decided the same
    in any range.
    """
    return History(
        athlete=athlete_id,
        preference=preference,
        nights=store.night_columns(athlete_id, EVER, last),
        checkins=store.checkin_columns(athlete_id, EVER, last),
        sessions=store.session_columns(athlete_id, EVER, last),
        overrides=store.overrides(athlete_id, first, last),
        metric_preference=metric_preference or {},
    )


def decide_range(
    store: Store,
    config: Config,
    athlete_id: str,
    first: date,
    last: date,
    *,
    actions: bool = True,
    progress: Callable[[int], None] | None = None,
) -> list[DayPlan]:
    """Decide every day from ``first`` to ``last`` from what the store holds (a replay).

    ``actions``: attach each day's household actions (a replay that only reports the
    decisions leaves them out); ``progress`` is told how many days are decided so far.
    """
    athlete = config.athlete(athlete_id)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    history = load_history(store, config, athlete_id, first, last)
    plans = decide_days(
        history,
        days=days,
        plan=training_plan(athlete),
        thresholds=config.engine.thresholds(),
        zones=heart_rate_zones(athlete),
        progress=progress,
        free_days=athlete.sleep.free_weekdays(),
    )
    nights = history.nights
    assert isinstance(nights, NightColumns)  # noqa: S101 - the store hands columns
    plans = coached(
        plans, config, athlete, nights, store.day_controls_between(athlete_id, first, last)
    )
    if not actions:
        return plans
    return [with_actions(p, config.recovery, config.devices, config.zone) for p in plans]


def inputs_digest(store: Store, config: Config, athlete_id: str, day: date) -> str:
    """Digest of every stored observation and configuration value a decision on ``day`` uses."""
    athlete = config.athlete(athlete_id)
    digest = hashlib.sha256()
    digest.update(store.inputs_digest(athlete_id, EVER, day).encode())
    controls = store.day_controls(athlete_id, day)
    for control in DECISION_CONTROLS:
        digest.update(f"{control}={controls.get(control)}".encode())
    digest.update(athlete.model_dump_json().encode())
    digest.update(config.engine.model_dump_json().encode())
    for protocol, home in sorted(config.recovery.items()):
        digest.update(f"{protocol.value}={home.model_dump_json()}".encode())
    for name, device in sorted(config.devices.items()):
        digest.update(f"{name}={device.model_dump_json()}".encode())
    return digest.hexdigest()


def decide_and_store(
    store: Store,
    config: Config,
    athlete_id: str,
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> Decision | None:
    """Decide ``day`` and store it, unless a stored decision was made from the same inputs.

    Returns the new decision, or ``None`` when nothing changed since the last one (and the
    decision was not ``force``-d, as "decide again" asks).
    """
    digest = inputs_digest(store, config, athlete_id, day)
    latest = store.latest_decision(athlete_id, day)
    if latest is not None and latest.inputs_digest == digest and not force:
        return None
    [plan] = decide_range(store, config, athlete_id, day, day)
    return store.save_decision(plan, now, digest)


@dataclass(frozen=True, slots=True)
class Decided:
    """What one round of deciding did: the new decisions, and the athletes not yet due."""

    new: tuple[Decision, ...]
    early: tuple[str, ...]


def decide_household(
    store: Store,
    config: Config,
    trigger: str,
    today: date,
    now: datetime,
    *,
    asked_by: str | None = None,
    force: bool = False,
) -> Decided:
    """Decide today for every athlete whose inputs changed.

    Before the household's decision time only ``asked_by`` is decided (and athletes already
    decided today); the others are returned as ``early``. ``force`` decides ``asked_by``
    even when nothing changed.
    """
    due = now.time() >= config.household.decide_at or trigger == "schedule"
    new: list[Decision] = []
    early: list[str] = []
    for athlete in config.athletes:
        asked = athlete.id == asked_by
        decided = store.latest_decision(athlete.id, today) is not None
        if not due and not decided and not asked:
            log.debug(
                "%s: %s before the daily decision time; not deciding yet", athlete.id, trigger
            )
            early.append(athlete.id)
            continue
        decision = decide_and_store(store, config, athlete.id, today, now, force=force and asked)
        if decision is None:
            log.debug("%s: %s: inputs unchanged, decision stands", athlete.id, trigger)
            continue
        plan = decision.plan
        log.info(
            "%s %s: %s (readiness %s, revision %d, %s)", athlete.id, today, plan.protocol.value,
            plan.readiness.score, decision.revision, trigger,
        )  # fmt: skip
        new.append(decision)
    return Decided(tuple(new), tuple(early))

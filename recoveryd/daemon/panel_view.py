# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the web panel shows: each athlete's day, read from the store, as plain values.

The page (:mod:`recoveryd.present.panel`) only lays these out; every number is written as the
terminal summary writes it (:mod:`recoveryd.present.numbers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recoveryd.config.model import Config
from recoveryd.daemon.timeline_view import TimelineRow, day_timeline
from recoveryd.domain.commands import AUTO, SETTABLE_PROTOCOLS
from recoveryd.domain.models import CHECKIN_ITEMS, Contributor, DayPlan
from recoveryd.present.numbers import (
    SIGNAL_LABEL,
    notable,
    number_text,
    range_text,
    session_line,
    value_text,
)
from recoveryd.store.database import Store

RPE_LOOKBACK_DAYS = 14  # the RPE control rates the newest session of the last two weeks


@dataclass(frozen=True, slots=True)
class ContributorRow:
    """One signal of the readiness: today, the person's own baseline and range, and why."""

    label: str
    value: str
    baseline: str
    normal_range: str
    reason: str
    flag: bool
    notable: bool


@dataclass(frozen=True, slots=True)
class AthleteDay:
    """One athlete's day as the panel shows it, with the controls' current values."""

    id: str
    name: str
    protocol: str
    score: int | None
    confidence: float
    reasons: tuple[str, ...]
    contributors: tuple[ContributorRow, ...]
    session: str
    planned: str | None
    tonight: tuple[str, ...]
    decided: str
    revision: int | None
    override: str
    checkin: tuple[tuple[str, int | None], ...]
    last_session: str | None
    last_rpe: float | None
    timeline: tuple[TimelineRow, ...]


@dataclass(frozen=True, slots=True)
class PanelPage:
    """The household's day: every athlete, and what people changed."""

    day: date
    athletes: tuple[AthleteDay, ...]
    changed: tuple[str, ...]
    protocols: tuple[str, ...] = (AUTO, *SETTABLE_PROTOCOLS)


def panel_page(store: Store, config: Config, day: date) -> PanelPage:
    """The panel's page for ``day`` (the household's today), from the store; writes nothing."""
    seen = day_timeline(store, config, day)
    athletes = []
    for athlete, plan in zip(config.athletes, seen.plans, strict=True):
        stored = store.latest_decision(athlete.id, day)
        decided = (
            "not decided yet: shown as the rules decide it now"
            if stored is None
            else f"decided {stored.decided_at.astimezone(config.zone):%H:%M} "
            f"(revision {stored.revision})"
        )
        override = store.overrides(athlete.id, day, day).get(day)
        checkins = store.checkins(athlete.id, day, day)
        checkin = checkins[0] if checkins else None
        sessions = store.sessions(athlete.id, day - timedelta(days=RPE_LOOKBACK_DAYS), day)
        last = sessions[-1] if sessions else None
        athletes.append(AthleteDay(
            id=athlete.id, name=athlete.name, protocol=plan.protocol.value,
            score=plan.readiness.score, confidence=plan.readiness.confidence,
            reasons=plan.reasons, contributors=_contributors(plan),
            session=_session(plan), planned=_planned(plan), tonight=_tonight(plan),
            decided=decided, revision=None if stored is None else stored.revision,
            override=AUTO if override is None else override.value,
            checkin=tuple(
                (item, None if checkin is None else getattr(checkin, item))
                for item in CHECKIN_ITEMS
            ),
            last_session=None if last is None else _session_name(last.title, last.sport,
                                                                 last.date, last.start),
            last_rpe=None if last is None else last.rpe,
            timeline=tuple(row for row in seen.rows if row.athlete == athlete.id),
        ))  # fmt: skip
    return PanelPage(day, tuple(athletes), seen.changed)


def _contributors(plan: DayPlan) -> tuple[ContributorRow, ...]:
    return tuple(_contributor(c) for c in plan.readiness.contributors)


def _contributor(c: Contributor) -> ContributorRow:
    return ContributorRow(
        label=SIGNAL_LABEL.get(c.signal, c.signal), value=value_text(c),
        baseline=number_text(c.baseline, c.unit), normal_range=range_text(c),
        reason=c.reason, flag=c.flag, notable=notable(c),
    )  # fmt: skip


def _session(plan: DayPlan) -> str:
    s = plan.session
    if s is None:
        return "none today"
    return session_line(s) + (f" ({s.note})" if s.note else "")


def _planned(plan: DayPlan) -> str | None:
    planned = plan.planned_session
    if planned is None or planned == plan.session:
        return None
    return f"{planned.title} · {planned.duration_min} min · {planned.intensity}"


def _tonight(plan: DayPlan) -> tuple[str, ...]:
    lines = []
    if plan.sleep is not None:
        lines.append(plan.sleep.describe())
    if plan.bedtime is not None:
        lines.append(plan.bedtime.describe())
    if plan.fuel is not None:
        lines.extend(plan.fuel.describe())
    return tuple(lines)


def _session_name(title: str | None, sport: str, day: date, start: str) -> str:
    when = datetime.combine(day, datetime.min.time()).strftime("%a %d %b")
    at = f" {start}" if start else ""
    return f"{title or sport} ({when}{at})"

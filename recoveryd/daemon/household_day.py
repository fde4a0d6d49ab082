# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The household's day from the store.

The day plans, what people changed about them, and the action log, put through
:func:`recoveryd.home.day_timeline.what_happens`.

The daemon runs what this returns and ``recoveryd timeline`` prints it: one answer to "what
happens today".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import skipped, starts
from recoveryd.domain.models import SWITCH_ONS, DayPlan
from recoveryd.home.day_timeline import DayTimeline, what_happens
from recoveryd.home.device_ledger import ON_STATUSES, budgets, sessions
from recoveryd.home.timeline import SESSION_MODALITIES, household_timeline
from recoveryd.store.database import Store


def started_now(
    store: Store, config: Config, plans: Sequence[DayPlan], day: date
) -> dict[str, datetime]:
    """Start-now presses that still hold: pressed for the protocol the athlete has now."""
    protocols = {p.athlete: p.protocol.value for p in plans}
    return {
        athlete: at
        for athlete, (at, protocol) in starts(store, [a.id for a in config.athletes], day).items()
        if protocol in {"", protocols.get(athlete)}
    }


def household_day(
    store: Store,
    config: Config,
    day: date,
    plans: Sequence[DayPlan],
    starts_at: Mapping[str, datetime] | None = None,
) -> DayTimeline:
    """What the household's ``day`` will be, given its ``plans`` (in athlete order).

    ``starts_at`` replaces the stored start-now presses (to ask "what if the session started
    now?" before accepting the press).
    """
    log = store.action_log(day - timedelta(days=1), day)
    latest = {row.key: row.status for row in log if row.command in SWITCH_ONS}
    # A switch-on that failed is switched off at once (its state is unknown); like one
    # refused, missed or paused, nothing more of its session runs.
    not_started = frozenset(
        key for key, status in latest.items() if status not in ON_STATUSES or status == "failed"
    )
    # A start-now asked about undoes the athlete's skip, as pressing it does.
    skips = frozenset(
        a.id for a in config.athletes
        if skipped(store, a.id, day) and (starts_at is None or a.id not in starts_at)
    )  # fmt: skip
    planned = household_timeline(
        plans, config.recovery, config.devices, config.zone,
        starts=started_now(store, config, plans, day) if starts_at is None else starts_at,
        skips=skips, not_started=not_started,
    )  # fmt: skip
    return what_happens(planned, sessions(log), budgets(config.devices), store.settled_actions(day))


def stored_plans(store: Store, config: Config, day: date) -> list[DayPlan]:
    """The newest stored decision of each athlete for ``day``, in athlete order."""
    plans = []
    for athlete in config.athletes:
        decision = store.latest_decision(athlete.id, day)
        if decision is not None:
            plans.append(decision.plan)
    return plans


def start_refusal(store: Store, config: Config, athlete: str, now: datetime) -> str | None:
    """Why ``athlete``'s recovery session cannot start at ``now``, or ``None``."""
    day = now.date()
    plans = stored_plans(store, config, day)
    starts_at = {**started_now(store, config, plans, day), athlete: now}
    timeline = household_day(store, config, day, plans, starts_at)
    mine = [
        a for a in timeline.actions
        if a.athlete == athlete and a.modality in SESSION_MODALITIES
        and a.at >= now
    ]  # fmt: skip
    if not mine:
        protocol = next((p.protocol.value for p in plans if p.athlete == athlete), None)
        return (
            "today has no decision yet" if protocol is None
            else f"today's protocol ({protocol}) has no recovery session to start"
        )  # fmt: skip
    for action in mine:
        reason = timeline.refused.get(action.key)
        if reason is not None:
            return reason.removeprefix("refused: ")
    return None

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The pure decision engine: history in, explained day plans out. No clock, no I/O.

``decide_days`` is the one entry point used live, by ``recoveryd replay`` and by the tests: it
computes every signal's rolling statistics once over the whole range (numpy) and then applies
the decision table day by day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from recoveryd.engine.plan import adjust_session
from recoveryd.engine.protocol import choose_protocol
from recoveryd.engine.readiness import assess_days, cap_score
from recoveryd.engine.thresholds import Thresholds
from recoveryd.models import DayPlan, Night, Session

__all__ = ["Thresholds", "decide_days", "history_start"]

# Extra days in front of the first decided day, beyond the baseline window: the overload rule
# looks 14 days back at readiness that itself needs a full baseline.
_LOOKBACK_MARGIN = 14


def history_start(first: date, thresholds: Thresholds) -> date:
    """The earliest night that can influence a decision on ``first``."""
    return first - timedelta(days=thresholds.baseline_days + _LOOKBACK_MARGIN)


def decide_days(
    athlete: str,
    nights: Iterable[Night],
    *,
    preference: Sequence[str],
    days: Sequence[date],
    weekly_plan: Mapping[int, Session],
    thresholds: Thresholds | None = None,
) -> list[DayPlan]:
    """Decide each of ``days`` for ``athlete`` from ``nights`` (any order, any sources).

    Only nights dated on or before a day influence that day. ``preference`` orders the
    athlete's sources; ``weekly_plan`` maps ``date.weekday()`` to the planned session.
    """
    if not days:
        return []
    t = thresholds or Thresholds()
    first, last = min(days), max(days)
    start = history_start(first, t)
    span = (last - start).days + 1
    own = [n for n in nights if n.athlete == athlete]
    readiness = assess_days(own, preference, start, span, t)
    plans: list[DayPlan] = []
    for day in days:
        i = (day - start).days
        previous = readiness[max(0, i - _LOOKBACK_MARGIN) : i]
        protocol, reasons = choose_protocol(readiness[i], previous, t)
        planned = weekly_plan.get(day.weekday())
        plans.append(
            DayPlan(
                athlete=athlete,
                date=day,
                protocol=protocol,
                readiness=cap_score(readiness[i], protocol),
                reasons=reasons,
                planned_session=planned,
                session=adjust_session(planned, protocol),
            )
        )
    return plans

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From a day plan to the day's timed actions (first version: fixed local times per protocol).

Later versions add lead times (sauna "ready by"), household conflicts, APScheduler jobs per
action and catch-up after a restart; callers already receive plain :class:`Action` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from recoveryd.config import ScheduledActionConfig
from recoveryd.models import Action, DayPlan, Protocol

# Heat is never applied on a day that shows the illness pattern, whatever the schedule says.
_HEAT_MODALITIES = frozenset({"sauna"})


def plan_actions(
    plan: DayPlan,
    schedule: Mapping[Protocol, Sequence[ScheduledActionConfig]],
    zone: ZoneInfo,
) -> DayPlan:
    """``plan`` with the actions its protocol schedules for its day, in time order."""
    actions = [
        Action(
            at=datetime.combine(plan.date, item.at, tzinfo=zone),
            athlete=plan.athlete,
            modality=item.modality,
            command=item.command,
            target=item.target,
        )
        for item in schedule.get(plan.protocol, ())
        if not (plan.readiness.illness and item.modality in _HEAT_MODALITIES)
    ]
    actions.sort(key=lambda a: (a.at, a.modality))
    return replace(plan, actions=tuple(actions))

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Tonight's target bedtime: tomorrow's wake time less the sleep need. Pure: no clock, no I/O.

Tomorrow's wake time is the first of: the phone's next alarm (when it falls between noon
of the day and 14:00 the next day, so that it is tomorrow morning's), the configured wake
time of tomorrow's weekday, the configured ``wake_at``, the athlete's usual wake time on that
kind of morning (free or not) from their own nights. Lights out is that wake time less the
sleep need and the minutes it takes them to fall asleep.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recoveryd.config.coach import WEEKDAYS, SleepConfig
from recoveryd.domain.clock import later, local
from recoveryd.domain.coach import Bedtime, SleepNeed
from recoveryd.domain.models import DayPlan

ALARM_CONTROL = "alarm"
"""The day control that holds the phone's next alarm as it was last read (ISO 8601)."""

_ALARM_FROM = time(12, 0)
_ALARM_UNTIL = time(14, 0)


def alarm_counts(alarm: datetime, day: date, zone: ZoneInfo) -> bool:
    """Whether ``alarm`` is the morning after ``day``'s (noon of ``day`` to 14:00 next day)."""
    return (
        local(day, _ALARM_FROM, zone) < alarm <= local(day + timedelta(days=1), _ALARM_UNTIL, zone)
    )


def wake_time(
    day: date,
    config: SleepConfig,
    zone: ZoneInfo,
    *,
    alarm: datetime | None = None,
    usual_min: float | None = None,
) -> tuple[datetime, str] | None:
    """Tomorrow's wake time after ``day`` and where it came from, or ``None`` when unknown."""
    tomorrow = day + timedelta(days=1)
    if (
        alarm is not None
        and config.next_alarm_entity is not None
        and alarm_counts(alarm, day, zone)
    ):
        return alarm.astimezone(zone), f"next alarm ({config.next_alarm_entity})"
    weekday = WEEKDAYS[tomorrow.weekday()]
    if weekday in config.wake_times:
        return local(tomorrow, config.wake_times[weekday], zone), f"wake time for {weekday}"
    if config.wake_at is not None:
        return local(tomorrow, config.wake_at, zone), "configured wake time"
    if usual_min is not None:
        midnight = local(tomorrow, time(0, 0), zone)
        return later(midnight, timedelta(minutes=round(usual_min))), "usual wake time"
    return None


def bedtime(
    day: date,
    need: SleepNeed,
    config: SleepConfig,
    zone: ZoneInfo,
    *,
    alarm: datetime | None = None,
) -> Bedtime | None:
    """Tonight's lights out for ``need``, or ``None`` when no wake time is known."""
    wake = wake_time(day, config, zone, alarm=alarm, usual_min=need.usual_wake_min)
    if wake is None:
        return None
    wake_at, source = wake
    before = timedelta(minutes=need.need_min + config.fall_asleep_min)
    return Bedtime(later(wake_at, -before), wake_at, source, need.need_min)


def with_bedtime(
    plan: DayPlan, config: SleepConfig, zone: ZoneInfo, *, alarm: datetime | None = None
) -> DayPlan:
    """``plan`` with tonight's bedtime, when its sleep need and a wake time are known."""
    if plan.sleep is None:
        return plan
    return replace(plan, bedtime=bedtime(plan.date, plan.sleep, config, zone, alarm=alarm))

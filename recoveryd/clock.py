# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Local times of day across daylight-saving changes, and durations that stay durations.

Python adds a timedelta to an aware datetime on the wall clock and subtracts two datetimes
of the same zone on the wall clock too: on the night the clocks go back, 02:50 plus 20
minutes is 03:10, 80 minutes later. A 20-minute compression session must stay 20 minutes,
and a daily job must run once per local day, so every such sum and difference goes through
UTC here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def later(moment: datetime, delta: timedelta) -> datetime:
    """``moment`` plus ``delta`` of real time, in ``moment``'s zone."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """The real time from ``start`` to ``end``."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone``, a real moment.

    A time the clocks skip is read with the offset before the change (02:30 on the
    spring-forward night is 03:30 after it); a time they repeat is the first of the two.
    """
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def next_daily(at: time, zone: ZoneInfo, after: datetime) -> datetime:
    """The first local ``at`` strictly after ``after``: exactly one per local day."""
    day = after.astimezone(zone).date()
    for offset in range(3):
        candidate = local(day + timedelta(days=offset), at, zone)
        if elapsed(after, candidate) > timedelta(0):
            return candidate
    raise AssertionError("unreachable: a local time of day recurs within two days")

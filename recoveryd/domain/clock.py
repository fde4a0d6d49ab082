# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Local times of day across daylight-saving changes, and durations that stay durations.

Python adds a timedelta to an aware datetime on the wall clock and subtracts two datetimes
of the same zone on the wall clock too: on the night the clocks go back, 02:50 plus 20
minutes is 03:10, 80 minutes later. A 20-minute compression session must stay 20 minutes,
and a daily job must run once per local day, so every such sum and difference goes through
UTC here.

The system clock can also jump (NTP setting a Raspberry Pi's clock after boot, someone
setting it by hand) and a machine can sleep: :func:`jump` compares the wall clock with the
monotonic one, so that the daemon can plan its day again.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass
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


def latest_daily(at: time, zone: ZoneInfo, now: datetime) -> date:
    """The local day of the last local ``at`` at or before ``now``."""
    day = now.astimezone(zone).date()
    return day if elapsed(local(day, at, zone), now) >= timedelta(0) else day - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Reading:
    """The wall clock (seconds since the epoch) and the monotonic clock, read together."""

    wall: float
    mono: float


def read_system() -> Reading:
    """The system's clocks now."""
    return Reading(_time.time(), _time.monotonic())


def jump(before: Reading, after: Reading) -> float:
    """How far the wall clock moved beyond the real time that passed, in seconds.

    Positive when it jumped forward (or the machine slept: Linux's monotonic clock stops
    during suspend), negative when it was set back.
    """
    return (after.wall - before.wall) - (after.mono - before.mono)


def span(seconds: float) -> str:
    """A length of time for a log line: ``6 s``, ``12 min``, ``26 h 05 min``."""
    seconds = abs(seconds)
    if seconds < 60:  # noqa: PLR2004 - a minute
        return f"{seconds:.0f} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

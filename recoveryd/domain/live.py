# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What changes during an athlete's day, as the live topic and its entities show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class LiveState:
    """What changes during an athlete's day, for the live topic and its entities.

    ``next_action`` is the time and one-line description of the next pending action.
    """

    date: str
    next_action: tuple[datetime, str] | None
    session_running: bool
    data_fresh: bool
    override: str
    skipped: bool
    started_now: bool
    checkin: dict[str, int | None]
    last_rpe: float | None
    strap_battery_pct: int | None = None
    sources: tuple[SourceFreshness, ...] = ()
    # Today's weigh-ins (weight_before, weight_after) in kg, where given.
    weigh_ins: dict[str, float | None] | None = None


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    """One listed source of an athlete: its last night, and whether it has gone quiet.

    ``stale`` once no night came for ``quiet_days`` (the engine's ``source_quiet_days``),
    or when the source never sent one.
    """

    source: str
    last_night: date | None
    nights: int
    days_silent: int | None
    stale: bool

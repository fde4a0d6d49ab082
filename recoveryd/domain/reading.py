# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A morning HRV reading (a chest strap's, a watch's): its values and its quality verdict.

Made by :func:`recoveryd.engine.morning_reading.morning_reading`; stored, published and, when
good, a night's value of its source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recoveryd.domain.models import Night


@dataclass(frozen=True, slots=True)
class MorningReading:
    """One stored reading and its verdict."""

    athlete: str
    date: dt.date
    source: str
    recorded_at: dt.datetime
    duration_s: float
    beats: int
    rmssd_ms: float
    ln_rmssd: float
    sdnn_ms: float
    mean_hr_bpm: float
    corrected_pct: float
    good: bool
    quality: tuple[str, ...]
    complete: bool
    battery_pct: int | None


def as_night(reading: MorningReading) -> Night | None:
    """The night values a good reading gives its source; ``None`` for a low-quality one."""
    if not reading.good:
        return None
    return Night(
        reading.athlete, reading.date, reading.source,
        hrv_rmssd_ms=reading.rmssd_ms, rhr_bpm=reading.mean_hr_bpm,
    )  # fmt: skip

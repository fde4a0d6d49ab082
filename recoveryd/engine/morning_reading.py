# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A morning HRV reading from a chest strap: cleaned, measured, judged. Pure.

The RR intervals go through the engine's cleaning and Task Force metrics
(:func:`recoveryd.engine.hrv.analyse`). A reading is kept whatever its quality, with the
reasons; only a good one (enough clean data, not cut short) becomes a night value of its
source, so that a bad reading never moves a baseline. Its mean heart rate stands as that
source's resting heart rate: a seated or supine morning reading is what resting HR means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from recoveryd.domain.reading import MorningReading
from recoveryd.engine.hrv import analyse


def morning_reading(
    athlete: str,
    source: str,
    recorded_at: dt.datetime,
    rr_ms: Sequence[float],
    *,
    complete: bool,
    problems: Sequence[str] = (),
    battery_pct: int | None = None,
    min_duration_s: float = 60.0,
) -> MorningReading:
    """Clean and judge a recording.

    Raises:
        HrvError: fewer than three usable intervals: there is nothing to keep.
    """
    reading = analyse(rr_ms, min_duration_s=min_duration_s)
    metrics = reading.metrics
    return MorningReading(
        athlete=athlete,
        date=recorded_at.date(),
        source=source,
        recorded_at=recorded_at,
        duration_s=round(metrics.duration_s, 1),
        beats=reading.recorded_beats,
        rmssd_ms=round(metrics.rmssd_ms, 2),
        ln_rmssd=round(metrics.ln_rmssd, 4),
        sdnn_ms=round(metrics.sdnn_ms, 2),
        mean_hr_bpm=round(metrics.mean_hr_bpm, 1),
        corrected_pct=round(reading.corrected_pct, 2),
        good=reading.good and complete,
        quality=(*reading.quality_reasons, *problems),
        complete=complete,
        battery_pct=battery_pct,
    )

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What a night's measurement can physiologically be: values outside are not measurements.

Importers refuse values outside these ranges (one line each) and the engine treats any that
reach it anyway as not measured.
"""

from __future__ import annotations

PLAUSIBLE: dict[str, tuple[float, float]] = {
    "hrv_rmssd_ms": (3.0, 300.0),
    "rhr_bpm": (25.0, 130.0),
    "sleep_total_min": (0.0, 1440.0),
    "sleep_deep_min": (0.0, 1440.0),
    "sleep_rem_min": (0.0, 1440.0),
    "sleep_light_min": (0.0, 1440.0),
    "sleep_awake_min": (0.0, 1440.0),
    "resp_rate": (4.0, 40.0),
    "skin_temp_dev_c": (-5.0, 5.0),
    "spo2_pct": (50.0, 100.0),
    "hrv_sdnn_ms": (3.0, 400.0),
    # From noon the day before to 18:00 of the morning: naps and night shifts are not a
    # night's main sleep.
    "sleep_onset_min": (-720.0, 1080.0),
    "sleep_offset_min": (-720.0, 1080.0),
    "body_weight_kg": (20.0, 350.0),
}


def implausible(metric: str, value: float) -> str | None:
    """Why ``value`` cannot be a night's ``metric`` (``"rhr_bpm 400 is outside 25-130"``)."""
    low, high = PLAUSIBLE[metric]
    return None if low <= value <= high else f"{metric} {value:g} is outside {low:g}-{high:g}"


def keep_plausible(values: dict[str, float | None]) -> tuple[dict[str, float], list[str]]:
    """The measured values within their plausible range, and why each other one is not."""
    kept, problems = {}, []
    for metric, value in values.items():
        if value is None:
            continue
        problem = implausible(metric, value)
        if problem is None:
            kept[metric] = value
        else:
            problems.append(problem)
    return kept, problems

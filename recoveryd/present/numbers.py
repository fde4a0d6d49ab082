# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""How a contributor's numbers and a session are written, in the terminal and on the panel."""

from __future__ import annotations

from typing import Final

from recoveryd.domain.models import Contributor
from recoveryd.domain.training import Session

SIGNAL_LABEL: Final = {
    "hrv_trend": "HRV 7-day",
    "hrv_today": "HRV today",
    "hrv_cv": "HRV 7-day CV",
    "rhr": "Resting HR",
    "resp_rate": "Breathing",
    "skin_temp": "Skin temp.",
    "sleep": "Sleep",
    "sleep_debt": "Sleep 14-day",
    "sleep_regularity": "Sleep regularity",
    "checkin_soreness": "Soreness",
    "checkin_stress": "Stress",
    "checkin_mood": "Mood",
    "checkin_sleep_quality": "Sleep quality",
    "checkin_energy": "Energy",
    "checkin_wellness": "Wellness",
}
GOOD_SCORE: Final = 65
FAIR_SCORE: Final = 45


def number_text(value: float | None, unit: str) -> str:
    """``value`` as its unit is usually written (minutes as hours, ln ms to two places)."""
    if value is None:
        return "–"
    if unit == "min":
        whole = round(value)
        return f"{whole // 60} h {whole % 60:02d}"
    if unit in {"ln ms", "°C"}:
        return f"{value:.2f}"
    if unit in {"/5", "br/min"}:
        return f"{value:.1f}"
    return f"{value:.0f}"


def value_text(c: Contributor) -> str:
    """Today's value with its unit (none for minutes and ln ms, which say it themselves)."""
    unit = "" if c.unit in {"min", "ln ms"} else f" {c.unit}"
    return f"{number_text(c.value, c.unit)}{unit}"


def range_text(c: Contributor) -> str:
    """The normal range, or its one side."""
    if c.band_low is None and c.band_high is None:
        return "–"
    if c.band_high is None:
        return f"≥ {number_text(c.band_low, c.unit)}"
    if c.band_low is None:
        return f"≤ {number_text(c.band_high, c.unit)}"
    return f"{number_text(c.band_low, c.unit)} – {number_text(c.band_high, c.unit)}"


def notable(c: Contributor) -> bool:
    """Worth a line of its own: the HRV trend, a flag, or a signal 1 SD or more worse.

    Better-than-usual signals stay in the table; listing them would bury the reasons.
    """
    single_item = c.signal.startswith("checkin_") and c.signal != "checkin_wellness"
    far = c.z is not None and c.z <= -1.0
    return c.signal == "hrv_trend" or c.flag or (far and not single_item)


def session_line(s: Session) -> str:
    """A session in one line: title, sport, minutes and intensity."""
    return f"{s.title} · {s.sport} · {s.duration_min} min · {s.intensity}"

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Readiness: each signal against the athlete's own baseline, explained in one line.

HRV (Plews et al. 2012; Kiviniemi et al. 2007): the 7-day mean of ln rMSSD is compared with the
normal range, 60-day mean +- 0.5 SD (the smallest worthwhile change); today's ln rMSSD below
the 60-day mean - 1 SD is an acute drop and counts as a flag.

Secondary signals (RHR, respiratory rate, skin-temperature deviation, sleep) are z-scores
against the same person's 60-day baseline, signed so negative is worse, and raise a flag at
z <= -1.5. A night under 6 h raises the sleep flag regardless; a 14-night mean at least 45 min
under the baseline is sleep debt. Skin temperature >= +0.5 C together with RHR or respiratory
rate at z <= -2 is the illness pattern. Missing inputs are left out, never scored as zero.

The morning check-in (soreness, stress, mood, sleep quality, energy; 1 = worst, 5 = best) is
shown item by item against the person's own baseline, and its mean forms one "wellness"
signal that flags at z <= -1.5 or a mean of 2 or less: subjective measures respond to load
more consistently than objective ones (Saw, Main & Gastin 2016, Br J Sports Med 50:281-291),
but five items of one questionnaire count as one flag, not five.

Display score (0-100): ``75 + 12.5 * mean(z) - 8 * flags``, clipped to 0-100, where ``mean(z)``
is the weighted mean of the available z-scores clipped to [-3, +1] (the HRV trend weighs 2,
every other signal 1; a better-than-usual signal counts at most +1 SD, so it cannot hide a
shortfall elsewhere), and an illness day is capped at 20. A day at the baseline in every signal
reads 75; each SD of shortfall across the board costs 12.5 points. The score is for people to
read: the protocol comes from the decision table, and :func:`cap_score` keeps the score from
contradicting it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from recoveryd.domain.models import CHECKIN_ITEMS, Contributor, Protocol, Readiness
from recoveryd.engine.baseline import FloatArray
from recoveryd.engine.signals import (
    SECONDARY,
    STATUS_CODES,
    Compared,
    SecondarySpec,
    Signals,
)
from recoveryd.engine.thresholds import Thresholds
from recoveryd.engine.trends import cv_contributor, pattern_on

_CHECKIN_LABELS = {
    "soreness": "Soreness",
    "stress": "Stress",
    "mood": "Mood",
    "sleep_quality": "Sleep quality",
    "energy": "Energy",
    "wellness": "Wellness (check-in mean)",
}


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _opt(value: float) -> float | None:
    return value if math.isfinite(value) else None


def readiness_on(signals: Signals, i: int, t: Thresholds) -> Readiness:
    """Day ``i`` of ``signals`` as an explained :class:`Readiness`."""
    contributors: list[Contributor] = []
    trend = _hrv_trend(signals, i)
    if trend is not None:
        contributors.append(trend)
    swings = None if signals.trends is None else cv_contributor(signals.trends, i)
    if swings is not None:
        contributors.append(swings)
    today = _hrv_today(signals, i, t)
    if today is not None:
        contributors.append(today)
    for spec in SECONDARY:
        found = _secondary(spec, signals.secondary[spec.signal], i, t)
        if found is not None:
            contributors.append(found)
    debt = _sleep_debt(signals, i, t)
    if debt is not None:
        contributors.append(debt)
    contributors.extend(_checkin(signals.checkin, i, t))
    measured = []
    ln_today = float(signals.hrv.values[i])
    if _finite(ln_today):
        measured.append(("hrv_rmssd_ms", round(math.exp(ln_today), 1)))
    for spec in SECONDARY:
        value = float(signals.secondary[spec.signal].values[i])
        if _finite(value):
            measured.append((spec.metric, value))
    score = float(signals.score[i])
    return Readiness(
        score=int(score) if _finite(score) else None,
        confidence=float(signals.confidence[i]),
        hrv_status=STATUS_CODES[int(signals.hrv_status[i])],
        acute_hrv_drop=bool(signals.acute[i]),
        illness=bool(signals.illness[i]),
        flags=tuple(c.signal for c in contributors if c.flag),
        contributors=tuple(contributors),
        hrv_valid_days=int(signals.hrv_days[i]),
        hrv_source=signals.hrv.source[i] or None,
        measured=tuple(measured),
        no_input=bool(signals.no_input[i]) if signals.no_input.size else False,
        last_nights=tuple(
            (source, None if seen[i] < 0 else signals.start + timedelta(days=int(seen[i])))
            for source, seen in signals.last_seen.items()
        ),
        notes=signals.notes.get(i, ()),
        hrv_pattern=pattern_on(signals.trends, i),
    )


def _hrv_trend(s: Signals, i: int) -> Contributor | None:
    """The 7-day mean of ln rMSSD against the normal range (Plews et al. 2012)."""
    trend = float(s.trend[i])
    if not _finite(trend):
        return None
    low, high = float(s.band_low[i]), float(s.band_high[i])
    band = f"{low:.2f}–{high:.2f}"
    status = STATUS_CODES[int(s.hrv_status[i])]
    if status.value == "below":
        reason = f"7-day ln rMSSD {trend:.2f} is below your normal range {band}"
    elif status.value == "above":
        reason = (
            f"7-day ln rMSSD {trend:.2f} is above your normal range {band}; not a licence to push"
        )
    else:
        reason = f"7-day ln rMSSD {trend:.2f} is within your normal range {band}"
    mean = float(s.hrv.stats.mean[i])
    days = int(s.hrv_days[i])
    z = float(s.trend_z[i])
    return Contributor(
        "hrv_trend", trend, "ln ms", mean, low, high, z, days, flag=False, reason=reason
    )


def _hrv_today(s: Signals, i: int, t: Thresholds) -> Contributor | None:
    """Today's ln rMSSD; below the mean - 1 SD it is an acute drop (Kiviniemi et al. 2007).

    So is a drop of half an SD or more that the person's load response does not explain.
    """
    z = float(s.today_z[i])
    if not _finite(z):
        return None
    today = float(s.hrv.values[i])
    mean, sd = float(s.hrv.stats.mean[i]), float(s.hrv.stats.sd[i])
    acute = bool(s.acute[i])
    shown = f"ln rMSSD {today:.2f} ({math.exp(today):.0f} ms)"
    if acute and bool(s.unexplained.size) and bool(s.unexplained[i]):
        reason = (
            f"{shown} is {abs(z):.1f} SD below your baseline {mean:.2f}, further than your "
            "training explains: an acute drop"
        )
    elif acute:
        reason = f"{shown} is {abs(z):.1f} SD below your baseline {mean:.2f}: an acute drop"
    else:
        reason = f"{shown} against your baseline {mean:.2f}"
    threshold = mean - t.acute_drop_sd * sd
    days = int(s.hrv_days[i])
    return Contributor(
        "hrv_today", today, "ln ms", mean, threshold, None, z, days, flag=acute, reason=reason
    )


def _secondary(spec: SecondarySpec, c: Compared, i: int, t: Thresholds) -> Contributor | None:
    value = float(c.values[i])
    if not _finite(value):
        return None
    days = int(c.stats.count[i])
    z = float(c.z[i])
    flag = bool(c.flag[i])
    short_night = spec.signal == "sleep" and value < t.short_sleep_min
    fmt = f".{spec.decimals}f"
    shown = _hours(value) if spec.signal == "sleep" else f"{value:{fmt}} {spec.unit}"
    if not _finite(z):
        reason = f"{spec.label} {shown}; baseline still building ({days} days)"
        if short_night:
            reason = f"{spec.label} {shown} is under {_hours(t.short_sleep_min)}"
        return Contributor(
            spec.signal, value, spec.unit, None, None, None, None, days, flag, reason
        )
    mean, sd = float(c.stats.mean[i]), float(c.stats.sd[i])
    width = abs(t.flag_z) * sd
    base = _hours(mean) if spec.signal == "sleep" else f"{mean:{fmt}}"
    if short_night:
        reason = f"{spec.label} {shown} is under {_hours(t.short_sleep_min)} (baseline {base})"
    elif flag:
        direction = "above" if spec.higher_is_worse else "below"
        reason = f"{spec.label} {shown} is {abs(z):.1f} SD {direction} your baseline {base}"
    else:
        reason = f"{spec.label} {shown}, in line with your baseline {base}"
    return Contributor(
        spec.signal, value, spec.unit, mean, mean - width, mean + width, z, days, flag, reason
    )


def _sleep_debt(s: Signals, i: int, t: Thresholds) -> Contributor | None:
    if not s.debt_available[i]:
        return None
    stats = s.sleep14.stats
    recent, mean = float(stats.recent_mean[i]), float(stats.mean[i])
    days = int(stats.count[i])
    flag = bool(s.debt_flag[i])
    if flag:
        reason = (
            f"Sleep debt: the last {t.sleep_debt_days} nights average {_hours(recent)}, "
            f"{mean - recent:.0f} min under your baseline {_hours(mean)}"
        )
    else:
        reason = f"No sleep debt: the last {t.sleep_debt_days} nights average {_hours(recent)}"
    return Contributor(
        "sleep_debt", recent, "min", mean, mean - t.sleep_debt_min, None, None, days, flag, reason
    )


def _checkin(checkin: dict[str, Compared], i: int, t: Thresholds) -> list[Contributor]:
    out = []
    for name in (*CHECKIN_ITEMS, "wellness"):
        c = checkin[name]
        value = float(c.values[i])
        if not _finite(value):
            continue
        days = int(c.stats.count[i])
        z = _opt(float(c.z[i]))
        mean = float(c.stats.mean[i])
        label = _CHECKIN_LABELS[name]
        flag = bool(c.flag[i])
        if z is None:
            reason = (
                f"{label} {value:.1f}/5 is poor"
                if flag
                else (f"{label} {value:.1f}/5; baseline still building ({days} days)")
            )
            out.append(
                Contributor(
                    f"checkin_{name}", value, "/5", None, None, None, None, days, flag, reason
                )
            )
            continue
        if flag:
            reason = f"{label} {value:.1f}/5 is well below your usual {mean:.1f}"
        else:
            reason = f"{label} {value:.1f}/5 (usual {mean:.1f})"
        width = abs(t.flag_z) * float(c.stats.sd[i])
        out.append(
            Contributor(
                f"checkin_{name}",
                value,
                "/5",
                mean,
                mean - width,
                mean + width,
                z,
                days,
                flag,
                reason,
            )
        )
    return out


def _hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d} min"


# The highest score shown on a day with each cut-back protocol.
SCORE_CAPS: dict[Protocol, int] = {
    Protocol.REST: 40,
    Protocol.ACTIVE_RECOVERY: 55,
    Protocol.MOBILITY: 65,
}


def cap_score(readiness: Readiness, protocol: Protocol) -> Readiness:
    """``readiness`` with its score capped so that it never reads above what the decision allows.

    A 72 beside "rest" would contradict the advice it accompanies.
    """
    cap = SCORE_CAPS.get(protocol)
    if cap is None or readiness.score is None or readiness.score <= cap:
        return readiness
    return replace(readiness, score=cap)


# The cap of each protocol by its number (its index in the enum); 100 caps nothing.
_CAPS = np.array([SCORE_CAPS.get(p, 100) for p in Protocol], dtype=np.float64)


def capped_scores(scores: FloatArray, codes: npt.NDArray[np.int8]) -> FloatArray:
    """:func:`cap_score` for a whole series of scores; ``codes`` number the protocols."""
    capped: FloatArray = np.minimum(scores, _CAPS[codes])
    return capped

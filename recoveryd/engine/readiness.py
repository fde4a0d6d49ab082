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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from recoveryd.engine.baseline import FloatArray, RollingStats, rolling_stats, z_scores
from recoveryd.engine.series import MetricSeries, metric_series
from recoveryd.engine.thresholds import Thresholds
from recoveryd.models import (
    CHECKIN_ITEMS,
    CheckIn,
    Contributor,
    HrvStatus,
    Night,
    Protocol,
    Readiness,
)

_SCORE_AT_BASELINE = 75.0
_POINTS_PER_SD = 12.5
_POINTS_PER_FLAG = 8.0
_ILLNESS_SCORE_CAP = 20
_Z_FLOOR, _Z_CEILING = -3.0, 1.0
_MIN_DEBT_NIGHTS = 7


@dataclass(frozen=True, slots=True)
class _Secondary:
    signal: str
    metric: str
    unit: str
    label: str
    higher_is_worse: bool
    decimals: int


_SECONDARY = (
    _Secondary("rhr", "rhr_bpm", "bpm", "Resting HR", higher_is_worse=True, decimals=0),
    _Secondary(
        "resp_rate", "resp_rate", "br/min", "Respiratory rate", higher_is_worse=True, decimals=1
    ),
    _Secondary(
        "skin_temp", "skin_temp_dev_c", "°C", "Skin temperature", higher_is_worse=True, decimals=2
    ),
    _Secondary("sleep", "sleep_total_min", "min", "Sleep", higher_is_worse=False, decimals=0),
)
_SECONDARY_NAMES = frozenset(spec.signal for spec in _SECONDARY)
# Weight of each signal's z in the display score; the HRV trend carries the most evidence.
_WEIGHTS = {"hrv_trend": 2.0}


@dataclass(frozen=True, slots=True)
class _Signals:
    hrv: MetricSeries
    secondary: dict[str, tuple[MetricSeries, FloatArray]]
    sleep14: MetricSeries
    checkin: dict[str, tuple[FloatArray, RollingStats]]


_CHECKIN_LABELS = {
    "soreness": "Soreness",
    "stress": "Stress",
    "mood": "Mood",
    "sleep_quality": "Sleep quality",
    "energy": "Energy",
}
_POOR_WELLNESS = 2.0


def assess_days(
    nights: Iterable[Night],
    preference: Sequence[str],
    start: date,
    days: int,
    thresholds: Thresholds,
    *,
    checkins: Iterable[CheckIn] = (),
) -> list[Readiness]:
    """The readiness of every day from ``start`` for ``days`` days, computed in one pass."""
    night_list = list(nights)
    window = thresholds.baseline_days
    hrv = metric_series(
        night_list,
        "hrv_rmssd_ms",
        preference,
        start,
        days,
        window=window,
        recent=thresholds.rolling_days,
        transform="log",
    )
    secondary: dict[str, tuple[MetricSeries, FloatArray]] = {}
    for spec in _SECONDARY:
        series = metric_series(
            night_list,
            spec.metric,
            preference,
            start,
            days,
            window=window,
            recent=thresholds.rolling_days,
        )
        secondary[spec.signal] = (
            series,
            z_scores(series.values, series.stats, higher_is_worse=spec.higher_is_worse),
        )
    sleep14 = metric_series(
        night_list,
        "sleep_total_min",
        preference,
        start,
        days,
        window=window,
        recent=thresholds.sleep_debt_days,
    )
    signals = _Signals(hrv, secondary, sleep14, _checkin_series(checkins, start, days, thresholds))
    return [_assess_day(signals, i, thresholds) for i in range(days)]


def _checkin_series(
    checkins: Iterable[CheckIn], start: date, days: int, t: Thresholds
) -> dict[str, tuple[FloatArray, RollingStats]]:
    items = {name: np.full(days, np.nan) for name in (*CHECKIN_ITEMS, "wellness")}
    for checkin in checkins:
        offset = (checkin.date - start).days
        if not 0 <= offset < days:
            continue
        answers = [getattr(checkin, name) for name in CHECKIN_ITEMS]
        for name, answer in zip(CHECKIN_ITEMS, answers, strict=True):
            if answer is not None:
                items[name][offset] = answer
        given = [a for a in answers if a is not None]
        if given:
            items["wellness"][offset] = sum(given) / len(given)
    return {
        name: (values, rolling_stats(values, t.baseline_days, t.rolling_days))
        for name, values in items.items()
    }


def _checkin_contributors(
    series: dict[str, tuple[FloatArray, RollingStats]], i: int, t: Thresholds
) -> list[Contributor]:
    out = []
    for name in (*CHECKIN_ITEMS, "wellness"):
        values, stats = series[name]
        value = float(values[i])
        if not _finite(value):
            continue
        days = int(stats.count[i])
        mean, sd = float(stats.mean[i]), float(stats.sd[i])
        has_z = days >= t.min_secondary_days and _finite(sd) and sd > 0
        z = (value - mean) / sd if has_z else None
        label = _CHECKIN_LABELS.get(name, "Wellness (check-in mean)")
        flag = name == "wellness" and (value <= _POOR_WELLNESS or (z is not None and z <= t.flag_z))
        if z is None:
            reason = f"{label} {value:.1f}/5; baseline still building ({days} days)"
        elif flag:
            reason = f"{label} {value:.1f}/5 is well below your usual {mean:.1f}"
        else:
            reason = f"{label} {value:.1f}/5 (usual {mean:.1f})"
        if flag and z is None:
            reason = f"{label} {value:.1f}/5 is poor"
        width = abs(t.flag_z) * sd if has_z else None
        out.append(
            Contributor(
                f"checkin_{name}",
                value,
                "/5",
                mean if has_z else None,
                mean - width if width is not None else None,
                mean + width if width is not None else None,
                z,
                days,
                flag=flag,
                reason=reason,
            )
        )
    return out


def _finite(value: float) -> bool:
    return not math.isnan(value)


def _assess_day(signals: _Signals, i: int, t: Thresholds) -> Readiness:
    contributors: list[Contributor] = []
    hrv = signals.hrv
    hrv_days = int(hrv.stats.count[i])
    hrv_status = HrvStatus.UNKNOWN
    trend = _hrv_trend(hrv, i, t)
    if trend is not None:
        contributor, hrv_status = trend
        contributors.append(contributor)
    today = _hrv_today(hrv, i, t)
    if today is not None:
        contributors.append(today)
    for spec in _SECONDARY:
        found = _secondary_contributor(spec, signals.secondary[spec.signal], i, t)
        if found is not None:
            contributors.append(found)
    debt = _sleep_debt(signals.sleep14, i, t)
    if debt is not None:
        contributors.append(debt)
    checkin = _checkin_contributors(signals.checkin, i, t)
    contributors.extend(checkin)
    z_by_signal = {c.signal: c.z for c in contributors if c.z is not None}
    # Check-in items enter the score once, through their mean.
    weighted = [
        (z, _WEIGHTS.get(signal, 1.0))
        for signal, z in z_by_signal.items()
        if not signal.startswith("checkin_") or signal == "checkin_wellness"
    ]
    acute = today is not None and today.flag

    skin = signals.secondary["skin_temp"][0].values[i]
    illness = bool(
        _finite(skin)
        and skin >= t.illness_temp_c
        and (
            z_by_signal.get("rhr", 0.0) <= t.illness_z
            or z_by_signal.get("resp_rate", 0.0) <= t.illness_z
        )
    )
    flags = tuple(c.signal for c in contributors if c.flag)
    ln_today = float(hrv.values[i])
    measured = [("hrv_rmssd_ms", round(math.exp(ln_today), 1))] if _finite(ln_today) else []
    for spec in _SECONDARY:
        value = float(signals.secondary[spec.signal][0].values[i])
        if _finite(value):
            measured.append((spec.metric, value))
    return Readiness(
        score=_score(weighted, len(flags), illness),
        confidence=_confidence(hrv_days, sum(1 for k in z_by_signal if k in _SECONDARY_NAMES), t),
        hrv_status=hrv_status,
        acute_hrv_drop=acute,
        illness=illness,
        flags=flags,
        contributors=tuple(contributors),
        hrv_valid_days=hrv_days,
        hrv_source=hrv.source[i] or None,
        measured=tuple(measured),
    )


def _hrv_ready(hrv: MetricSeries, i: int, t: Thresholds) -> bool:
    sd = float(hrv.stats.sd[i])
    return int(hrv.stats.count[i]) >= t.min_hrv_days and _finite(sd) and sd > 0


def _hrv_trend(hrv: MetricSeries, i: int, t: Thresholds) -> tuple[Contributor, HrvStatus] | None:
    """The 7-day mean of ln rMSSD against the normal range (Plews et al. 2012)."""
    if not _hrv_ready(hrv, i, t) or hrv.stats.recent_count[i] < t.min_rolling_days:
        return None
    mean, sd = float(hrv.stats.mean[i]), float(hrv.stats.sd[i])
    trend = float(hrv.stats.recent_mean[i])
    low, high = mean - t.swc_k * sd, mean + t.swc_k * sd
    band = f"{low:.2f}–{high:.2f}"
    if trend < low:
        status = HrvStatus.BELOW
        reason = f"7-day ln rMSSD {trend:.2f} is below your normal range {band}"
    elif trend > high:
        status = HrvStatus.ABOVE
        reason = (
            f"7-day ln rMSSD {trend:.2f} is above your normal range {band}; not a licence to push"
        )
    else:
        status = HrvStatus.WITHIN
        reason = f"7-day ln rMSSD {trend:.2f} is within your normal range {band}"
    days = int(hrv.stats.count[i])
    z = (trend - mean) / sd
    return Contributor(
        "hrv_trend", trend, "ln ms", mean, low, high, z, days, flag=False, reason=reason
    ), status


def _hrv_today(hrv: MetricSeries, i: int, t: Thresholds) -> Contributor | None:
    """Today's ln rMSSD; below the mean - 1 SD it is an acute drop (Kiviniemi et al. 2007)."""
    today = float(hrv.values[i])
    if not _hrv_ready(hrv, i, t) or not _finite(today):
        return None
    mean, sd = float(hrv.stats.mean[i]), float(hrv.stats.sd[i])
    z = (today - mean) / sd
    threshold = mean - t.acute_drop_sd * sd
    acute = today < threshold
    shown = f"ln rMSSD {today:.2f} ({math.exp(today):.0f} ms)"
    if acute:
        reason = f"{shown} is {abs(z):.1f} SD below your baseline {mean:.2f}: an acute drop"
    else:
        reason = f"{shown} against your baseline {mean:.2f}"
    days = int(hrv.stats.count[i])
    return Contributor(
        "hrv_today", today, "ln ms", mean, threshold, None, z, days, flag=acute, reason=reason
    )


def _secondary_contributor(
    spec: _Secondary, data: tuple[MetricSeries, FloatArray], i: int, t: Thresholds
) -> Contributor | None:
    series, zs = data
    value = float(series.values[i])
    if not _finite(value):
        return None
    days = int(series.stats.count[i])
    mean, sd, z = float(series.stats.mean[i]), float(series.stats.sd[i]), float(zs[i])
    short_night = spec.signal == "sleep" and value < t.short_sleep_min
    fmt = f".{spec.decimals}f"
    shown = _hours(value) if spec.signal == "sleep" else f"{value:{fmt}} {spec.unit}"
    if days < t.min_secondary_days or not _finite(z):
        reason = f"{spec.label} {shown}; baseline still building ({days} days)"
        if short_night:
            reason = f"{spec.label} {shown} is under {_hours(t.short_sleep_min)}"
        return Contributor(
            spec.signal, value, spec.unit, None, None, None, None, days, short_night, reason
        )
    width = abs(t.flag_z) * sd
    flag = z <= t.flag_z or short_night
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


def _sleep_debt(series: MetricSeries, i: int, t: Thresholds) -> Contributor | None:
    recent_nights = int(series.stats.recent_count[i])
    days = int(series.stats.count[i])
    if recent_nights < _MIN_DEBT_NIGHTS or days < t.min_secondary_days:
        return None
    recent, mean = float(series.stats.recent_mean[i]), float(series.stats.mean[i])
    shortfall = mean - recent
    flag = shortfall >= t.sleep_debt_min
    if flag:
        reason = (
            f"Sleep debt: the last {t.sleep_debt_days} nights average {_hours(recent)}, "
            f"{shortfall:.0f} min under your baseline {_hours(mean)}"
        )
    else:
        reason = f"No sleep debt: the last {t.sleep_debt_days} nights average {_hours(recent)}"
    return Contributor(
        "sleep_debt", recent, "min", mean, mean - t.sleep_debt_min, None, None, days, flag, reason
    )


def _hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d} min"


def _score(weighted: list[tuple[float, float]], flags: int, illness: bool) -> int | None:
    if not weighted:
        return None
    zs = np.clip(np.array([z for z, _ in weighted]), _Z_FLOOR, _Z_CEILING)
    weights = np.array([w for _, w in weighted])
    mean_z = float(np.average(zs, weights=weights))
    score = _SCORE_AT_BASELINE + _POINTS_PER_SD * mean_z - _POINTS_PER_FLAG * flags
    score = min(max(score, 0.0), 100.0)
    if illness:
        score = min(score, _ILLNESS_SCORE_CAP)
    return round(score)


def _confidence(hrv_days: int, secondary_with_z: int, t: Thresholds) -> float:
    """Confidence from 0 to 1.

    70 % from the depth of the HRV baseline (full at 28 days), 30 % from how many of the four
    secondary signals had a usable baseline today.
    """
    hrv_part = min(hrv_days / t.full_hrv_days, 1.0)
    secondary_part = secondary_with_z / len(_SECONDARY)
    return round(0.7 * hrv_part + 0.3 * secondary_part, 2)


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

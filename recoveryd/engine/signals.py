# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Every signal of every day at once, as arrays: values, baselines, z-scores and flags.

This is where the numbers are decided; :mod:`recoveryd.engine.readiness` only turns one day
of these arrays into explained contributors, and :mod:`recoveryd.engine.protocol` applies
the decision table to the arrays. The rules themselves are documented in ``readiness.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import numpy.typing as npt

from recoveryd.domain.columns import CheckInColumns, NightColumns
from recoveryd.domain.models import CHECKIN_ITEMS, HrvStatus
from recoveryd.engine.baseline import FloatArray, IntArray, RollingStats, rolling_stats, z_scores
from recoveryd.engine.calibration import describe_carried
from recoveryd.engine.score import mean_z, scored
from recoveryd.engine.series import (
    MetricSeries,
    NightTable,
    Switching,
    last_seen,
    metric_series,
    metric_table,
)
from recoveryd.engine.thresholds import Thresholds
from recoveryd.engine.trends import Trends, hrv_trends

BoolArray = npt.NDArray[np.bool_]

# HRV status codes in the arrays, in the order of this tuple.
STATUS_CODES: tuple[HrvStatus, ...] = (
    HrvStatus.UNKNOWN,
    HrvStatus.BELOW,
    HrvStatus.WITHIN,
    HrvStatus.ABOVE,
)
UNKNOWN, BELOW, WITHIN, ABOVE = range(4)

_MIN_DEBT_NIGHTS = 7
_POOR_WELLNESS = 2.0
_TREND_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class SecondarySpec:
    """A signal compared as a z-score against the person's baseline."""

    signal: str
    metric: str
    unit: str
    label: str
    higher_is_worse: bool
    decimals: int


SECONDARY: tuple[SecondarySpec, ...] = (
    SecondarySpec("rhr", "rhr_bpm", "bpm", "Resting HR", higher_is_worse=True, decimals=0),
    SecondarySpec(
        "resp_rate", "resp_rate", "br/min", "Respiratory rate", higher_is_worse=True, decimals=1
    ),
    SecondarySpec(
        "skin_temp", "skin_temp_dev_c", "°C", "Skin temperature", higher_is_worse=True, decimals=2
    ),
    SecondarySpec("sleep", "sleep_total_min", "min", "Sleep", higher_is_worse=False, decimals=0),
)


@dataclass(frozen=True, slots=True)
class Compared:
    """One signal over all days: value, baseline, z and flag.

    ``z`` is NaN where the baseline has fewer valid days than required.
    """

    values: FloatArray
    stats: RollingStats
    z: FloatArray
    flag: BoolArray


@dataclass(frozen=True, slots=True)
class Signals:
    """All signals of ``days`` days from ``start``; index i is day ``start + i``."""

    start: date
    hrv: MetricSeries
    hrv_days: IntArray
    hrv_status: IntArray
    trend: FloatArray
    trend_z: FloatArray
    band_low: FloatArray
    band_high: FloatArray
    today_z: FloatArray
    acute: BoolArray
    secondary: dict[str, Compared]
    sleep14: MetricSeries
    debt_available: BoolArray
    debt_flag: BoolArray
    checkin: dict[str, Compared]
    flag_count: IntArray
    illness: BoolArray
    score: FloatArray
    confidence: FloatArray
    no_input: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    last_seen: Mapping[str, IntArray] = field(default_factory=dict)
    notes: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    trends: Trends | None = None
    mean_z: FloatArray = field(default_factory=lambda: np.zeros(0))
    # Drops the load response does not explain, counted as acute (recoveryd.engine.explained)
    unexplained: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def days(self) -> int:
        """How many days the arrays cover."""
        return int(self.hrv_days.size)


def _hrv(hrv: MetricSeries, t: Thresholds) -> dict[str, FloatArray | IntArray | BoolArray]:
    stats = hrv.stats
    ready = (stats.count >= t.min_hrv_days) & np.isfinite(stats.sd) & (stats.sd > 0)
    has_trend = ready & (stats.recent_count >= t.min_rolling_days)
    low = stats.mean - t.swc_k * stats.sd
    high = stats.mean + t.swc_k * stats.sd
    trend = np.where(has_trend, stats.recent_mean, np.nan)
    status = np.full(stats.count.shape, UNKNOWN, dtype=np.int64)
    status[has_trend & (trend < low)] = BELOW
    status[has_trend & (trend > high)] = ABOVE
    status[has_trend & (trend >= low) & (trend <= high)] = WITHIN
    sd = np.where(ready, stats.sd, np.nan)
    has_today = ready & np.isfinite(hrv.values)
    today_z = np.where(has_today, (hrv.values - stats.mean) / sd, np.nan)
    acute = has_today & (hrv.values < stats.mean - t.acute_drop_sd * stats.sd)
    return {
        "status": status,
        "trend": trend,
        "trend_z": np.where(has_trend, (trend - stats.mean) / sd, np.nan),
        "band_low": low,
        "band_high": high,
        "today_z": today_z,
        "acute": acute,
    }


def _compared(
    values: FloatArray, stats: RollingStats, z: FloatArray, t: Thresholds, extra_flag: BoolArray
) -> Compared:
    has_z = (stats.count >= t.min_secondary_days) & np.isfinite(z)
    masked = np.where(has_z, z, np.nan)
    flag = np.isfinite(values) & ((has_z & (masked <= t.flag_z)) | extra_flag)
    return Compared(values, stats, masked, flag)


def _checkin_arrays(
    checkins: CheckInColumns, start: date, days: int, t: Thresholds
) -> dict[str, Compared]:
    offsets = checkins.days - start.toordinal()
    inside = (offsets >= 0) & (offsets < days)
    # The five items and their mean (wellness), one column each.
    answers = np.full((days, len(CHECKIN_ITEMS) + 1), np.nan)
    answers[offsets[inside], :-1] = checkins.items[inside]
    given = np.isfinite(answers[:, :-1])
    count = given.sum(axis=1)
    total = np.where(given, answers[:, :-1], 0.0).sum(axis=1)
    np.divide(total, count, out=answers[:, -1], where=count > 0)
    all_stats = rolling_stats(answers, t.baseline_days, t.rolling_days)
    out = {}
    no_flag = np.zeros(days, dtype=bool)
    for k, name in enumerate((*CHECKIN_ITEMS, "wellness")):
        values, stats = answers[:, k], all_stats.column(k)
        z = z_scores(values, stats, higher_is_worse=False)
        if name == "wellness":
            out[name] = _compared(values, stats, z, t, values <= _POOR_WELLNESS)
        else:  # single items are shown, never flagged
            out[name] = replace(_compared(values, stats, z, t, no_flag), flag=no_flag)
    return out


def compute_signals(
    nights: NightColumns,
    preference: Sequence[str],
    start: date,
    days: int,
    thresholds: Thresholds,
    *,
    checkins: CheckInColumns | None = None,
    metric_preference: Mapping[str, Sequence[str]] | None = None,
) -> Signals:
    """Every signal, flag, status, score and confidence from ``start`` for ``days`` days.

    ``metric_preference`` orders the sources of single metrics differently from
    ``preference`` (e.g. HRV from the chest strap, sleep from the ring).
    """
    t = thresholds
    orders = metric_preference or {}

    def order(metric: str) -> Sequence[str]:
        return orders.get(metric, preference)

    table = NightTable.build(nights, preference, start, days)
    window = t.baseline_days
    switching = Switching(t.source_quiet_days, t.calibration_nights)
    hrv = metric_series(
        table, "hrv_rmssd_ms", order("hrv_rmssd_ms"), window=window, recent=t.rolling_days,
        transform="log", switching=switching,
    )  # fmt: skip
    h = _hrv(hrv, t)
    secondary: dict[str, Compared] = {}
    all_series = metric_table(
        table, {spec.metric: order(spec.metric) for spec in SECONDARY}, window=window,
        recent=t.rolling_days, switching=switching,
    )  # fmt: skip
    for spec in SECONDARY:
        series = all_series[spec.metric]
        z = z_scores(series.values, series.stats, higher_is_worse=spec.higher_is_worse)
        short = (
            series.values < t.short_sleep_min if spec.signal == "sleep" else np.zeros(days, bool)
        )
        secondary[spec.signal] = _compared(series.values, series.stats, z, t, short)
    sleep14 = metric_series(
        table, "sleep_total_min", order("sleep_total_min"), window=window,
        recent=t.sleep_debt_days, switching=switching,
    )  # fmt: skip
    debt_available = (sleep14.stats.recent_count >= _MIN_DEBT_NIGHTS) & (
        sleep14.stats.count >= t.min_secondary_days
    )
    debt_flag = debt_available & (
        sleep14.stats.mean - sleep14.stats.recent_mean >= t.sleep_debt_min
    )
    checkin = _checkin_arrays(
        CheckInColumns.of(()) if checkins is None else checkins, start, days, t
    )

    acute = np.asarray(h["acute"], dtype=bool)
    flag_count = (
        acute.astype(np.int64)
        + sum(c.flag.astype(np.int64) for c in secondary.values())
        + debt_flag.astype(np.int64)
        + checkin["wellness"].flag.astype(np.int64)
    )
    skin = secondary["skin_temp"].values
    illness = (
        np.isfinite(skin)
        & (skin >= t.illness_temp_c)
        & ((secondary["rhr"].z <= t.illness_z) | (secondary["resp_rate"].z <= t.illness_z))
    )
    zs = [np.asarray(h["trend_z"]), np.asarray(h["today_z"])]
    weights = [_TREND_WEIGHT, 1.0]
    zs += [c.z for c in secondary.values()] + [checkin["wellness"].z]
    weights += [1.0] * (len(secondary) + 1)
    means = mean_z(np.vstack(zs), np.array(weights))
    score = scored(means, flag_count, illness)
    with_z = sum(np.isfinite(c.z).astype(np.int64) for c in secondary.values())
    confidence = 0.7 * np.minimum(hrv.stats.count / t.full_hrv_days, 1.0) + 0.3 * with_z / len(
        SECONDARY
    )
    used = [hrv, *all_series.values()]
    no_input = ~np.isfinite(checkin["wellness"].values)
    for series in used:
        no_input &= ~np.isfinite(series.values)
    status = np.asarray(h["status"], dtype=np.int64)
    return Signals(
        trends=hrv_trends(
            hrv.values,
            status,
            secondary["rhr"].stats,
            t,
            below=BELOW,
            within=WITHIN,
            above=ABOVE,
        ),
        no_input=no_input,
        last_seen=last_seen(table, preference),
        notes=describe_carried(s.notes for s in used),
        start=start,
        hrv=hrv,
        hrv_days=hrv.stats.count,
        hrv_status=status,
        trend=np.asarray(h["trend"]),
        trend_z=np.asarray(h["trend_z"]),
        band_low=np.asarray(h["band_low"]),
        band_high=np.asarray(h["band_high"]),
        today_z=np.asarray(h["today_z"]),
        acute=acute,
        secondary=secondary,
        sleep14=sleep14,
        debt_available=debt_available,
        debt_flag=debt_flag,
        checkin=checkin,
        flag_count=flag_count,
        illness=illness,
        score=score,
        confidence=np.round(confidence, 2),
        mean_z=means,
    )

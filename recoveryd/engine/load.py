# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Training load: context for the decision, never an injury predictor (Impellizzeri 2020).

* Session load: session-RPE = CR-10 RPE x minutes (Foster et al. 2001, J Strength Cond Res
  15:109-115); Banister's TRIMP = minutes x dHR x a x e^(b x dHR) with dHR the heart-rate
  reserve fraction, a = 0.64, b = 1.92 for men and a = 0.86, b = 1.67 for women (Banister
  1991; Morton et al. 1990). A day reads TRIMP when the zones are known and every session of
  the 126 days before it had a heart rate, else session-RPE: one unit per day, from the past
  only (:func:`load_days`).
* Fitness, fatigue, form: CTL and ATL are exponentially weighted daily loads with time
  constants of 42 and 7 days, each day k = 1 - e^(-1/tau), as GoldenCheetah and intervals.icu
  compute them; TSB (form) for a day is yesterday's CTL - ATL. Because session-RPE and TRIMP
  live on different scales, the overload gate reads form as a share of fitness, TSB / CTL,
  the unit-free "form %" of intervals.icu, where below -30 % is its high-risk zone.
* EWMA acute:chronic ratio (Williams et al. 2017, Br J Sports Med 51:209-210):
  lambda = 2 / (N + 1) with N = 7 (acute) and 28 (chronic) days.
* Monotony and strain (Foster 1998): over the last 7 days, mean daily load / SD, and weekly
  load x monotony.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from recoveryd.domain.columns import SessionColumns
from recoveryd.domain.models import LoadContext
from recoveryd.engine.baseline import FloatArray, IntArray, window_sums

CTL_DAYS = 42
ATL_DAYS = 7
ACWR_ACUTE_DAYS = 7
ACWR_CHRONIC_DAYS = 28
_WEEK = 7


class Sex(StrEnum):
    """For Banister's TRIMP constants."""

    MALE = "male"
    FEMALE = "female"


_TRIMP_CONSTANTS = {Sex.MALE: (0.64, 1.92), Sex.FEMALE: (0.86, 1.67)}


@dataclass(frozen=True, slots=True)
class HeartRateZones:
    """What TRIMP needs to know about the athlete."""

    rest_bpm: float
    max_bpm: float
    sex: Sex


def session_rpe(duration_min: float, rpe: float) -> float:
    """Foster's session load in arbitrary units."""
    return duration_min * rpe


def trimp(duration_min: float, avg_hr: float, zones: HeartRateZones) -> float:
    """Banister's TRIMP with the sex-specific weighting."""
    reserve = zones.max_bpm - zones.rest_bpm
    if reserve <= 0:
        raise ValueError("maximal heart rate must be above resting heart rate")
    fraction = min(max((avg_hr - zones.rest_bpm) / reserve, 0.0), 1.0)
    a, b = _TRIMP_CONSTANTS[zones.sex]
    return duration_min * fraction * a * math.exp(b * fraction)


def session_loads(
    sessions: SessionColumns, start: date, days: int, zones: HeartRateZones | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per day from ``start``: session-RPE load, TRIMP load, sessions without HR, sessions.

    A session adds its session-RPE where it has an RPE, and its TRIMP where the zones are
    known and it has an average heart rate; the third array counts the sessions TRIMP cannot
    see (no heart rate), the fourth all of them, so a caller can tell where a TRIMP series
    is complete. Each day's loads are summed in the sessions' order.
    """
    k = sessions.days - start.toordinal()
    inside = (k >= 0) & (k < days)
    k, minutes = k[inside], sessions.duration_min[inside]
    rpe, avg_hr = sessions.rpe[inside], sessions.avg_hr[inside]

    def per_day(where: npt.NDArray[np.bool_], weights: FloatArray | None = None) -> FloatArray:
        summed: FloatArray = np.bincount(
            k[where], weights=None if weights is None else weights[where], minlength=days
        ).astype(np.float64)
        return summed

    rated = ~np.isnan(rpe)
    srpe = per_day(rated, minutes * np.where(rated, rpe, 0.0))
    held = per_day(np.ones(k.size, dtype=bool))
    if zones is None:
        return srpe, np.zeros(days), held, held
    measured = ~np.isnan(avg_hr)
    trimps = per_day(measured, trimps_of(minutes, np.where(measured, avg_hr, 0.0), zones))
    return srpe, trimps, per_day(~measured), held


def trimps_of(minutes: FloatArray, avg_hr: FloatArray, zones: HeartRateZones) -> FloatArray:
    """:func:`trimp` of every session at once."""
    reserve = zones.max_bpm - zones.rest_bpm
    if reserve <= 0:
        raise ValueError("maximal heart rate must be above resting heart rate")
    fraction = np.clip((avg_hr - zones.rest_bpm) / reserve, 0.0, 1.0)
    a, b = _TRIMP_CONSTANTS[zones.sex]
    out: FloatArray = minutes * fraction * a * np.exp(b * fraction)
    return out


def daily_loads(
    sessions: SessionColumns, start: date, days: int, zones: HeartRateZones | None
) -> tuple[FloatArray, str]:
    """The load of each day from ``start`` (0 without a session) and its unit.

    The unit is ``"trimp"`` when heart-rate zones are known and every session has an average
    heart rate, otherwise ``"srpe"``; a session with neither RPE nor heart rate adds nothing.
    """
    srpe, trimps, unseen, held = session_loads(sessions, start, days, zones)
    if zones is not None and held.any() and not unseen.any():
        return trimps, "trimp"
    return srpe, "srpe"


def ewma(values: FloatArray, weight: float) -> FloatArray:
    """y[t] = y[t-1] + weight * (x[t] - y[t-1]), from y[-1] = 0, in blocks of closed form.

    Within a block, y[t] = d^(t+1) * y0 + weight * d^t * sum(x[k] * d^-k) with d = 1 - weight:
    a cumulative sum instead of a loop over days. A block is as long as d^-k stays below
    1e250 (about 2,000 days for the 7-day EWMA's d = 0.75, so a typical history is one
    block); loads are never negative, so the sums do not cancel. The result equals SciPy's
    ``lfilter([w], [1, w - 1], x)`` to 1e-15 (tested), without importing SciPy into the
    daemon (76 MB and over a second).
    """
    decay = 1.0 - weight
    if not 0.0 < decay < 1.0:
        raise ValueError(f"EWMA weight {weight} must be between 0 and 1")
    block = int(min(4096, max(1, 250 / -math.log10(decay))))
    grow = np.exp(np.arange(min(block, len(values))) * -math.log(decay))  # d^-k
    shrink = 1.0 / grow  # d^k
    out = np.empty(len(values))
    level = 0.0
    for start in range(0, len(values), block):
        chunk = np.asarray(values[start : start + block], dtype=float)
        n = len(chunk)
        summed = weight * shrink[:n] * np.cumsum(chunk * grow[:n])
        out[start : start + n] = summed + level * decay * shrink[:n] if level else summed
        level = float(out[start + n - 1])
    return out


@dataclass(frozen=True, slots=True)
class LoadSeries:
    """Per-day load context; index i belongs to day i of the input."""

    unit: str
    load: FloatArray
    ctl: FloatArray
    atl: FloatArray
    tsb: FloatArray
    form_pct: FloatArray
    acwr: FloatArray
    monotony: FloatArray
    strain: FloatArray


def load_series(loads: FloatArray, unit: str) -> LoadSeries:
    """CTL, ATL, TSB, form %, EWMA ACWR, monotony and strain for every day at once."""
    if not loads.size:
        empty = np.zeros(0)
        return LoadSeries(unit, loads, empty, empty, empty, empty, empty, empty, empty)
    ctl = ewma(loads, 1.0 - math.exp(-1.0 / CTL_DAYS))
    atl = ewma(loads, 1.0 - math.exp(-1.0 / ATL_DAYS))
    tsb = np.concatenate([[0.0], (ctl - atl)[:-1]])
    previous_ctl = np.concatenate([[0.0], ctl[:-1]])
    form = np.divide(
        100.0 * tsb, previous_ctl, out=np.full(loads.shape, np.nan), where=previous_ctl > 0
    )
    acute = ewma(loads, 2.0 / (ACWR_ACUTE_DAYS + 1))
    chronic = ewma(loads, 2.0 / (ACWR_CHRONIC_DAYS + 1))
    acwr = np.divide(acute, chronic, out=np.full(loads.shape, np.nan), where=chronic > 0)
    padded = np.concatenate([np.zeros(_WEEK - 1), loads])
    weeks = np.lib.stride_tricks.sliding_window_view(padded, _WEEK)
    mean, sd = weeks.mean(axis=1), weeks.std(axis=1, ddof=1)
    monotony = np.divide(mean, sd, out=np.full(loads.shape, np.nan), where=sd > 0)
    strain = weeks.sum(axis=1) * monotony
    return LoadSeries(unit, loads, ctl, atl, tsb, form, acwr, monotony, strain)


@dataclass(frozen=True, slots=True)
class LoadDays:
    """The load context of consecutive days from ``first``; index k is day ``first + k``.

    Each day reads TRIMP where the zones are known and the ``window`` days before it held
    sessions, every one with a heart rate (``use_trimp``), else session-RPE: one unit per
    day, decided from the past only. ``logged`` counts the days of that window whose load in
    the day's unit is above zero.
    """

    first: date
    srpe: LoadSeries
    trimp: LoadSeries | None
    use_trimp: npt.NDArray[np.bool_]
    logged: IntArray

    def on(self, k: int) -> LoadSeries:
        """The series day ``k`` reads."""
        return self.trimp if self.trimp is not None and self.use_trimp[k] else self.srpe

    @property
    def form_pct(self) -> FloatArray:
        """Form % of every day, each in its own unit."""
        if self.trimp is None:
            return self.srpe.form_pct
        chosen: FloatArray = np.where(self.use_trimp, self.trimp.form_pct, self.srpe.form_pct)
        return chosen


def load_days(
    sessions: SessionColumns,
    first: date,
    days: int,
    zones: HeartRateZones | None,
    *,
    window: int,
) -> LoadDays:
    """The load context of ``days`` days from ``first``, the same whatever range is asked.

    The EWMAs run from the athlete's first session (a series started later would not have
    settled, and one started at another day would round differently): a day's fitness and
    fatigue do not depend on where a range begins.
    """
    anchor = date.fromordinal(int(sessions.days.min())) if len(sessions) else first
    length = max((first + timedelta(days=days) - anchor).days, 0)
    srpe, trimps, unseen, held = session_loads(sessions, anchor, length, zones)

    def aligned(values: FloatArray) -> FloatArray:
        """``values`` (from the anchor) on the days asked; zero before the first session."""
        out = np.zeros(days)
        offset = (anchor - first).days
        src, dst = max(-offset, 0), max(offset, 0)
        n = max(min(length - src, days - dst), 0)
        out[dst : dst + n] = values[src : src + n]
        return out

    def series(values: FloatArray, unit: str) -> LoadSeries:
        """The load series from the anchor, on the days asked (zero load before it)."""
        anchored = load_series(values, unit)
        ahead = load_series(np.zeros(max((anchor - first).days, 0)), unit)
        skip = max((first - anchor).days, 0)

        def cut(name: str) -> FloatArray:
            whole = np.concatenate([getattr(ahead, name), getattr(anchored, name)])
            part: FloatArray = whole[skip : skip + days]
            return part

        return LoadSeries(unit, *(cut(f.name) for f in fields(LoadSeries) if f.name != "unit"))

    def before(values: FloatArray) -> FloatArray:
        """Sums of ``values`` (from the anchor) over the ``window`` days before each day."""
        running = np.concatenate([[0.0], np.cumsum(values)])
        sums = window_sums(running, window) if length else np.zeros(0)
        return aligned(np.concatenate([[0.0], sums[:-1]]))

    use_trimp = np.zeros(days, dtype=bool)
    if zones is not None:
        # Sessions in the window, none of them without a heart rate (a session below the
        # resting rate adds no TRIMP, yet it was measured).
        use_trimp = (before(held) > 0) & (before(unseen) == 0)
    srpe_days = before((srpe > 0).astype(np.float64))
    trimp_days = before((trimps > 0).astype(np.float64))
    logged = np.rint(np.where(use_trimp, trimp_days, srpe_days)).astype(np.int64)
    srpe_series = series(srpe, "srpe")
    trimp_series = series(trimps, "trimp") if zones is not None else None
    return LoadDays(first, srpe_series, trimp_series, use_trimp, logged)


def load_context(load: LoadDays, j: int, days_with_load: int) -> LoadContext:
    """The load context of day ``j``: today's form from yesterday's fitness and fatigue."""
    series = load.on(j)

    def finite(value: float) -> float | None:
        return None if np.isnan(value) else round(float(value), 3)

    before = j - 1
    return LoadContext(
        unit=series.unit,
        ctl=round(float(series.ctl[before]), 3),
        atl=round(float(series.atl[before]), 3),
        tsb=round(float(series.tsb[j]), 3),
        form_pct=finite(series.form_pct[j]),
        acwr=finite(series.acwr[before]),
        monotony=finite(series.monotony[before]),
        strain=finite(series.strain[before]),
        days_with_load=days_with_load,
    )

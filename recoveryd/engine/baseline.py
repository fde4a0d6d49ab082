# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Rolling per-day statistics over a dense daily series, for every day at once.

A series is a float array with one slot per calendar day and ``NaN`` where nothing was
measured. For day *i* the baseline covers the ``window`` days *before* it (the day being
decided never sits in its own baseline), while the recent mean covers the ``recent`` days
*ending on* it, as in the rolling 7-day ln rMSSD of Plews et al. (2012).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_Days = TypeVar("_Days", FloatArray, IntArray)
_MIN_WINDOW = 2  # an SD needs two values
_NO_SPREAD = 1e-10


@dataclass(frozen=True, slots=True)
class RollingStats:
    """Per-day statistics; index *i* belongs to day *i* of the input series.

    Attributes:
        mean: Mean of the valid days in the baseline window before the day.
        sd: Sample SD (ddof=1) of the same days; NaN with fewer than two.
        count: Valid days in the baseline window.
        recent_mean: Mean of the valid days in the recent window ending on the day.
        recent_count: Valid days in the recent window.
    """

    mean: FloatArray
    sd: FloatArray
    count: IntArray
    recent_mean: FloatArray
    recent_count: IntArray

    def column(self, k: int) -> RollingStats:
        """The statistics of column ``k`` of a two-dimensional :func:`rolling_stats`."""
        return RollingStats(
            self.mean[:, k], self.sd[:, k], self.count[:, k], self.recent_mean[:, k],
            self.recent_count[:, k],
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _RunningSums:
    """Cumulative count, sum and sum of squares of a series centred on its first value.

    Centring keeps the sums small, so the variance (S2 - S1^2/n) keeps its precision. On the
    first value, not the mean: a day's sums then do not depend on the days after it, so a
    day has the same statistics in any range. A window's sums are two lookups, whatever its
    length: O(days) for every window at once.
    """

    centre: FloatArray  # one per column
    count: FloatArray
    total: FloatArray
    squares: FloatArray

    @classmethod
    def of(cls, series: FloatArray) -> _RunningSums:
        valid = ~np.isnan(series)
        centre = first_valid(series)
        centred = np.where(valid, series - centre, 0.0)

        def running(values: FloatArray) -> FloatArray:
            result: FloatArray = np.zeros((values.shape[0] + 1, *values.shape[1:]))
            np.cumsum(values, axis=0, out=result[1:])
            return result

        count = running(valid.astype(np.float64))
        return cls(centre, count, running(centred), running(centred**2))

    def trailing(self, window: int) -> tuple[FloatArray, FloatArray, IntArray]:
        """Mean, sample SD and count of the valid values in the ``window`` slots ending at i."""
        count = np.rint(window_sums(self.count, window)).astype(np.int64)
        total = window_sums(self.total, window)
        squares = window_sums(self.squares, window)
        centred_mean = np.divide(total, count, out=np.zeros(count.shape), where=count > 0)
        spread = squares - total * centred_mean
        # Equal values leave only rounding behind; that is no spread (and no z-score), as the
        # two-pass formula would say. 1e-10 of the second moment is far below any real spread.
        spread[spread <= _NO_SPREAD * squares] = 0.0
        sd = np.sqrt(
            np.divide(spread, count - 1, out=np.full(count.shape, np.nan), where=count > 1)
        )
        mean = np.where(count > 0, centred_mean + self.centre, np.nan)
        return mean, sd, count


def first_valid(series: FloatArray) -> FloatArray:
    """The first non-NaN value of a series (or of each column); 0 where there is none."""
    valid = ~np.isnan(series)
    at = np.expand_dims(valid.argmax(axis=0), 0)
    found = np.take_along_axis(series, at, axis=0)[0]
    centre: FloatArray = np.where(valid.any(axis=0), found, 0.0)
    return centre


def window_sums(running: FloatArray, window: int) -> FloatArray:
    """Sums of the ``window`` slots ending at each slot, from running sums (row 0 is zero).

    Slot i's sum is running[i + 1] - running[max(i + 1 - window, 0)]; slices, not an index
    array, because this runs for every series of every athlete in a replay.
    """
    sums: FloatArray = running[1:].copy()
    reach = min(window, sums.shape[0])
    sums[reach:] -= running[1 : sums.shape[0] - reach + 1]
    return sums


def rolling_stats(values: FloatArray, window: int, recent: int) -> RollingStats:
    """Baseline and recent statistics for every day of ``values`` (NaN = missing).

    ``values`` is one series, or several as the columns of a (days, series) array: each
    column gets its own statistics, in one pass (see :meth:`RollingStats.column`).
    Vectorised with running sums: no Python loop over days.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim not in {1, 2}:
        raise ValueError("daily series must be one column or a (days, series) array")
    if window < _MIN_WINDOW or recent < 1:
        raise ValueError("window must be at least 2 days and recent at least 1")
    if series.shape[0] == 0:
        empty = np.empty(series.shape)
        none = np.empty(series.shape, dtype=np.int64)
        return RollingStats(empty, empty, none, empty, none)
    sums = _RunningSums.of(series)
    # The baseline of day i ends the day before it: the trailing window of day i - 1.
    mean, sd, count = sums.trailing(window)
    recent_mean, _, recent_count = sums.trailing(recent)
    return RollingStats(
        _day_before(mean, np.nan), _day_before(sd, np.nan), _day_before(count, 0),
        recent_mean, recent_count,
    )  # fmt: skip


def trailing_stats(values: FloatArray, window: int) -> tuple[FloatArray, FloatArray, IntArray]:
    """Mean, sample SD and count of the valid values in the ``window`` days ending on each day."""
    if values.size == 0:
        empty = np.empty(0)
        return empty, empty, np.empty(0, dtype=np.int64)
    mean, sd, count = _RunningSums.of(np.asarray(values, dtype=np.float64)).trailing(window)
    return mean, sd, count


def _day_before(values: _Days, first: float) -> _Days:
    """``values`` moved one day later; day 0 gets ``first``."""
    shifted = np.empty_like(values)
    shifted[0] = first
    shifted[1:] = values[:-1]
    return shifted


def z_scores(values: FloatArray, stats: RollingStats, *, higher_is_worse: bool) -> FloatArray:
    """Z of each day against its own baseline, signed so that negative is worse.

    NaN where the value is missing or the baseline has no spread.
    """
    usable = ~np.isnan(values) & (stats.sd > 0)
    z = np.divide(values - stats.mean, stats.sd, out=np.full(values.shape, np.nan), where=usable)
    signed: FloatArray = -z if higher_is_worse else z
    return signed

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

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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


@dataclass(frozen=True, slots=True)
class _RunningSums:
    """Cumulative count, sum and sum of squares of a series centred on its own mean.

    Centring keeps the sums small, so the variance (S2 - S1^2/n) keeps its precision. A
    window's sums are two lookups, whatever its length: O(days) for every window at once.
    """

    centre: float
    count: FloatArray
    total: FloatArray
    squares: FloatArray

    @classmethod
    def of(cls, series: FloatArray) -> _RunningSums:
        valid = ~np.isnan(series)
        centre = float(series[valid].mean()) if valid.any() else 0.0
        centred = np.where(valid, series - centre, 0.0)

        def running(values: FloatArray) -> FloatArray:
            result: FloatArray = np.concatenate([[0.0], np.cumsum(values)])
            return result

        count = running(valid.astype(np.float64))
        return cls(centre, count, running(centred), running(centred**2))

    def trailing(self, window: int) -> tuple[FloatArray, FloatArray, IntArray]:
        """Mean, sample SD and count of the valid values in the ``window`` slots ending at i."""
        ends = np.arange(1, self.count.shape[0])
        starts = np.maximum(ends - window, 0)
        count = np.rint(self.count[ends] - self.count[starts]).astype(np.int64)
        total = self.total[ends] - self.total[starts]
        squares = self.squares[ends] - self.squares[starts]
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


def rolling_stats(values: FloatArray, window: int, recent: int) -> RollingStats:
    """Baseline and recent statistics for every day of ``values`` (NaN = missing).

    Vectorised with running sums: no Python loop over days.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError("a daily series must be one-dimensional")
    if window < _MIN_WINDOW or recent < 1:
        raise ValueError("window must be at least 2 days and recent at least 1")
    if series.shape[0] == 0:
        empty = np.empty(0)
        none = np.empty(0, dtype=np.int64)
        return RollingStats(empty, empty, none, empty, none)
    sums = _RunningSums.of(series)
    # The baseline of day i ends the day before it: the trailing window of day i - 1.
    mean, sd, count = sums.trailing(window)
    recent_mean, _, recent_count = sums.trailing(recent)
    return RollingStats(
        np.concatenate([[np.nan], mean[:-1]]),
        np.concatenate([[np.nan], sd[:-1]]),
        np.concatenate([[0], count[:-1]]).astype(np.int64),
        recent_mean,
        recent_count,
    )


def z_scores(values: FloatArray, stats: RollingStats, *, higher_is_worse: bool) -> FloatArray:
    """Z of each day against its own baseline, signed so that negative is worse.

    NaN where the value is missing or the baseline has no spread.
    """
    usable = ~np.isnan(values) & (stats.sd > 0)
    z = np.divide(values - stats.mean, stats.sd, out=np.full(values.shape, np.nan), where=usable)
    signed: FloatArray = -z if higher_is_worse else z
    return signed

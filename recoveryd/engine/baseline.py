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
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MIN_WINDOW = 2  # an SD needs two values


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


def _window_mean_sd(windows: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
    valid = ~np.isnan(windows)
    count = valid.sum(axis=1)
    filled = np.where(valid, windows, 0.0)
    mean = np.divide(filled.sum(axis=1), count, out=np.full(count.shape, np.nan), where=count > 0)
    deviations = np.where(valid, windows - mean[:, None], 0.0)
    sd = np.sqrt(
        np.divide(
            (deviations**2).sum(axis=1),
            count - 1,
            out=np.full(count.shape, np.nan),
            where=count > 1,
        )
    )
    return mean, sd, count.astype(np.int64)


def rolling_stats(values: FloatArray, window: int, recent: int) -> RollingStats:
    """Baseline and recent statistics for every day of ``values`` (NaN = missing).

    Vectorised with strided windows: no Python loop over days.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError("a daily series must be one-dimensional")
    if window < _MIN_WINDOW or recent < 1:
        raise ValueError("window must be at least 2 days and recent at least 1")
    days = series.shape[0]
    padded = np.concatenate([np.full(window, np.nan), series])
    baseline_windows = sliding_window_view(padded, window)[:days]
    mean, sd, count = _window_mean_sd(baseline_windows)
    padded_recent = np.concatenate([np.full(recent - 1, np.nan), series])
    recent_windows = sliding_window_view(padded_recent, recent)
    recent_mean, _, recent_count = _window_mean_sd(recent_windows)
    return RollingStats(mean, sd, count, recent_mean, recent_count)


def z_scores(values: FloatArray, stats: RollingStats, *, higher_is_worse: bool) -> FloatArray:
    """Z of each day against its own baseline, signed so that negative is worse.

    NaN where the value is missing or the baseline has no spread.
    """
    usable = ~np.isnan(values) & (stats.sd > 0)
    z = np.divide(values - stats.mean, stats.sd, out=np.full(values.shape, np.nan), where=usable)
    signed: FloatArray = -z if higher_is_worse else z
    return signed

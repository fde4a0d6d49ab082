# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Centred rolling quantiles of a series, for every element at once (what pandas computes)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]


def rolling_quantiles(
    values: FloatArray, window: int, quantiles: tuple[float, ...]
) -> list[FloatArray]:
    """Centred rolling quantiles with partial windows at the ends, for every beat at once.

    The same numbers as pandas' ``rolling(window, center=True, min_periods=1).quantile(q)``
    (linear interpolation), which NeuroKit2 uses; only the partial windows at the two ends
    are sorted here.
    """
    from scipy.ndimage import rank_filter  # noqa: PLC0415 - SciPy is imported on first use only

    half = window // 2
    n = values.size
    out = [np.empty(n) for _ in quantiles]
    if n > 2 * half:
        # Full windows: the two order statistics around each quantile, by SciPy's C filter.
        ranks: dict[int, FloatArray] = {}
        for result, q in zip(out, quantiles, strict=True):
            position = q * (window - 1)
            low, high = int(np.floor(position)), int(np.ceil(position))
            for rank in (low, high):
                if rank not in ranks:
                    ranks[rank] = rank_filter(values, rank, size=window, mode="nearest")
            interior = slice(half, n - half)
            result[interior] = ranks[low][interior] + (
                ranks[high][interior] - ranks[low][interior]
            ) * (position - low)
        edges = np.r_[0 : min(half, n), max(n - half, half) : n]
    else:
        edges = np.arange(n)
    for result, at_edges in zip(out, quantiles_at(values, window, quantiles, edges), strict=True):
        result[edges] = at_edges
    return out


def quantiles_at(
    values: FloatArray, window: int, quantiles: tuple[float, ...], at: npt.NDArray[np.intp]
) -> list[FloatArray]:
    """The same centred rolling quantiles as :func:`rolling_quantiles`, at the positions ``at``.

    Each window is sorted on its own: cheaper than a filter over the whole series when only
    a few positions are asked for.
    """
    half = window // 2
    padded = np.pad(values, half, constant_values=np.nan)
    windows = sliding_window_view(padded, window)[at]  # a copy: sorted in place
    windows.sort(axis=1)  # NaN sort last
    count = window - np.isnan(windows).sum(axis=1)
    rows = np.arange(at.size)
    out = []
    for q in quantiles:
        position = q * (count - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, count - 1)
        below, above = windows[rows, low], windows[rows, high]
        out.append(below + (above - below) * (position - low))
    return out

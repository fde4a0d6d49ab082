# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Carrying a baseline across a change of device: one source calibrated to another.

When a person wears a new device beside the old one for a while, the nights both measured
say how the two relate. The relation is fitted per person and metric, on the values the
engine compares (ln rMSSD for HRV), as a **standardised major axis** line: the slope is
the ratio of the two SDs and the line passes through both means (Warton et al. 2006,
"Bivariate line-fitting methods for allometry", Biol Rev 81:259-291). Unlike an ordinary
regression, it does not shrink the slope when both devices carry measurement error, and it
maps one device's mean and spread onto the other's, which is what a z-score against a
baseline needs. Where the two agree poorly night to night (r < 0.5), only the offset is
fitted (slope 1), as in Bland & Altman's (1986) bias between methods; the slope is kept
within 0.5-2 so that a short overlap cannot invent a wild scale.

The line of day *i* is fitted on the shared nights up to and including day *i*: nothing
later than the day decides it. Its uncertainty is the residual SD of the shared nights
divided by the square root of their number (the standard error of a mapped level).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recoveryd.engine.baseline import FloatArray, IntArray

BoolArray = npt.NDArray[np.bool_]

_MIN_CORRELATION = 0.5
_SLOPE_RANGE = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Per day, the line that maps ``other``'s values onto ``target``'s scale.

    Attributes:
        shared: Nights both sources measured, up to and including the day.
        slope: The line's slope (NaN where not valid).
        intercept: The line's intercept (NaN where not valid).
        error: Standard error of a mapped level: residual SD / sqrt(shared).
        valid: Enough shared nights (and spread in both) to use the line.
    """

    shared: IntArray
    slope: FloatArray
    intercept: FloatArray
    error: FloatArray
    valid: BoolArray


def calibrate(target: FloatArray, other: FloatArray, min_shared: int) -> Calibration:
    """Fit ``other`` → ``target`` on their shared days, cumulatively, for every day at once."""
    both = ~np.isnan(target) & ~np.isnan(other)
    shared = np.cumsum(both).astype(np.int64)
    # Centred on the shared nights' overall means: the sums keep their precision.
    centre_y = float(target[both].mean()) if both.any() else 0.0
    centre_x = float(other[both].mean()) if both.any() else 0.0
    y = np.where(both, target - centre_y, 0.0)
    x = np.where(both, other - centre_x, 0.0)
    n = shared.astype(np.float64)
    sx, sy = np.cumsum(x), np.cumsum(y)
    sxx, syy, sxy = np.cumsum(x * x), np.cumsum(y * y), np.cumsum(x * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_x, mean_y = sx / n, sy / n
        var_x = (sxx - sx * mean_x) / (n - 1)
        var_y = (syy - sy * mean_y) / (n - 1)
        cov = (sxy - sx * mean_y) / (n - 1)
        r = cov / np.sqrt(var_x * var_y)
        slope = np.where(r >= _MIN_CORRELATION, np.sqrt(var_y / var_x), 1.0)
        slope = np.clip(slope, *_SLOPE_RANGE)
        intercept = (mean_y + centre_y) - slope * (mean_x + centre_x)
        # Residuals of y - (a + b x) on the shared nights, from the same sums.
        residual = (syy - 2 * slope * sxy + slope**2 * sxx) - n * (mean_y - slope * mean_x) ** 2
        error = np.sqrt(np.maximum(residual, 0.0) / np.maximum(n - 2, 1.0)) / np.sqrt(n)
    valid = (shared >= min_shared) & (var_x > 0) & (var_y > 0)
    return Calibration(
        shared,
        np.where(valid, slope, np.nan),
        np.where(valid, intercept, np.nan),
        np.where(valid, error, np.nan),
        valid,
    )

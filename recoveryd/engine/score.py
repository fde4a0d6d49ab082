# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The readiness score people see: a weighted mean of z-scores, less points per flag.

For display only: the protocol is decided by the decision table on the flags and the HRV
status (:mod:`recoveryd.engine.protocol`), never on this number. How it is made and why is
documented in :mod:`recoveryd.engine.readiness`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recoveryd.engine.baseline import FloatArray, IntArray

_SCORE_AT_BASELINE = 75.0
_POINTS_PER_SD = 12.5
_POINTS_PER_FLAG = 8.0
_ILLNESS_SCORE_CAP = 20.0
_Z_FLOOR, _Z_CEILING = -3.0, 1.0


def mean_z(zs: FloatArray, weights: FloatArray) -> FloatArray:
    """Each day's weighted mean of its clipped z-scores (NaN where no signal had a z)."""
    present = np.isfinite(zs)
    clipped = np.clip(np.where(present, zs, 0.0), _Z_FLOOR, _Z_CEILING)
    w = np.where(present, weights[:, None], 0.0)
    total = w.sum(axis=0)
    found: FloatArray = np.divide(
        (clipped * w).sum(axis=0), total, out=np.full(total.shape, np.nan), where=total > 0
    )
    return found


def scored(means: FloatArray, flags: IntArray, illness: npt.NDArray[np.bool_]) -> FloatArray:
    """The display score of every day from its mean z, its flags and the illness pattern."""
    score = np.clip(
        _SCORE_AT_BASELINE + _POINTS_PER_SD * means - _POINTS_PER_FLAG * flags, 0.0, 100.0
    )
    score = np.where(illness, np.minimum(score, _ILLNESS_SCORE_CAP), score)
    rounded: FloatArray = np.round(score)
    return rounded


def display_score(
    zs: FloatArray, weights: FloatArray, flags: IntArray, illness: npt.NDArray[np.bool_]
) -> FloatArray:
    """The display score of every day (NaN where no signal had a z); see readiness.py."""
    return scored(mean_z(zs, weights), flags, illness)

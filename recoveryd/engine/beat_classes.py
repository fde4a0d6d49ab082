# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Every beat classified at once: Lipponen & Tarvainen's (2019) decision flow as array masks.

"A robust algorithm for heart rate variability time series artefact correction using novel
beat classification", J Med Eng Technol 43(3):173-181, Figure 1: each beat's dRR and mRR,
normalised by rolling quartile thresholds, say whether it is ectopic, missed, extra or
long/short. The constants (c1 = 0.13, c2 = 0.17, alpha = 5.2, a 91-beat threshold window, an
11-beat median filter) are those of NeuroKit2's ``signal_fixpeaks(method="Kubios")``. The
corrections act in :mod:`recoveryd.engine.artefacts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recoveryd.engine.quantiles import quantiles_at, rolling_quantiles

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_C1, _C2, _ALPHA = 0.13, 0.17, 5.2
_THRESHOLD_WINDOW = 91
MEDIAN_WINDOW = 11
_EXTREME_MRR = 3.0  # |mRR| above 3 thresholds is a long or short beat (paper, Figure 1)
# Intervals computed from summed beat times carry ~1e-13 ms of round-off; on a steady rhythm
# the detector would normalise that noise by a near-zero threshold. A nanosecond is far
# below anything physiological and far above the round-off.
DECIMALS = 6


def _threshold(values: FloatArray) -> FloatArray:
    q1, q3 = rolling_quantiles(np.abs(values), _THRESHOLD_WINDOW, (0.25, 0.75))
    threshold: FloatArray = _ALPHA * (q3 - q1) / 2.0
    return threshold


def _normalised(values: FloatArray, threshold: FloatArray) -> FloatArray:
    out: FloatArray = np.full(values.shape, np.nan)
    np.divide(values, threshold, out=out, where=threshold != 0)
    return out


@dataclass(frozen=True, slots=True)
class BeatClasses:
    """The beats of a series flagged as each kind of artefact (one mask per kind)."""

    ectopic: BoolArray
    missed: BoolArray
    extra: BoolArray
    long_short: BoolArray

    def count(self) -> int:
        """How many flags the masks hold."""
        return int(
            self.ectopic.sum() + self.missed.sum() + self.extra.sum() + self.long_short.sum()
        )


def classify(beats: FloatArray) -> BeatClasses:
    """Lipponen & Tarvainen (2019), Figure 1, for every beat time in ``beats`` at once."""
    n = beats.size
    rr = intervals(beats, prepend=True)
    rr[0] = rr[1:].mean()
    drrs = np.diff(rr, prepend=rr[0])
    drrs[0] = drrs[1:].mean()
    d = _normalised(drrs, _threshold(drrs))

    padded = np.pad(d, 2, mode="reflect")
    before, after, after2 = padded[1 : n + 1], padded[3 : n + 3], padded[4 : n + 4]
    s12 = np.where(
        d > 0, np.maximum(before, after), np.where(d < 0, np.minimum(before, after), 0.0)
    )
    s22 = np.where(
        d >= 0, np.minimum(after, after2), np.where(d < 0, np.maximum(after, after2), 0.0)
    )

    examined = np.arange(n) < n - 2  # the paper's loop stops two beats before the end
    abnormal = examined & (np.abs(d) > 1)
    ectopic = abnormal & (((d > 1) & (s12 < -_C1 * d - _C2)) | ((d < -1) & (s12 > -_C1 * d + _C2)))
    first = abnormal & ~ectopic
    drawn = _drawn_in(first, d)
    ectopic &= ~drawn
    candidate = first | drawn

    # The second threshold (of each beat's distance from its 11-beat median) decides only
    # among the candidates, a few in a hundred beats: their windows alone are sorted.
    [median_rr] = rolling_quantiles(rr, MEDIAN_WINDOW, (0.5,))
    mrrs = rr - median_rr
    mrrs[mrrs < 0] *= 2.0
    at = np.flatnonzero(candidate)
    q1, q3 = quantiles_at(np.abs(mrrs), _THRESHOLD_WINDOW, (0.25, 0.75), at)
    th2 = _ALPHA * (q3 - q1) / 2.0
    m = _normalised(mrrs[at], th2)
    d_at, s22_at, rr_at, median_at = d[at], s22[at], rr[at], median_rr[at]
    long_beat = (d_at > 1) & (s22_at < -1)
    short_beat = (d_at < -1) & (s22_at > 1)
    flagged = long_beat | short_beat | (np.abs(m) > _EXTREME_MRR)
    next_rr = np.append(rr[1:], np.inf)[at]
    extra_at = flagged & short_beat & (np.abs(rr_at + next_rr - median_at) < th2)
    missed_at = flagged & ~extra_at & long_beat & (np.abs(rr_at / 2.0 - median_at) < th2)
    extra, missed, long_short = (np.zeros(n, dtype=bool) for _ in range(3))
    extra[at], missed[at] = extra_at, missed_at
    long_short[at] = flagged & ~extra_at & ~missed_at
    return BeatClasses(ectopic, missed, extra, long_short)


def _drawn_in(first: BoolArray, d: FloatArray) -> BoolArray:
    """The beats a long/short candidate draws in: the next one, when its dRR is the smaller.

    The paper's loop then skips the beat drawn in: it is judged only as long or short (not
    as ectopic) and draws no beat in itself. In a run of candidates that each would draw the
    next in, every second beat is drawn in (the first, third, ... of the run draw).
    """
    n = first.size
    draws = np.zeros(n, dtype=bool)
    draws[:-2] = first[:-2] & (np.abs(d[1:-1]) < np.abs(d[2:]))
    starts = draws & ~np.r_[False, draws[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    drawn = np.zeros(n, dtype=bool)
    drawn[1:] = (draws & ((np.arange(n) - run_start) % 2 == 0))[:-1]
    return drawn


def intervals(beats: FloatArray, *, prepend: bool = False) -> FloatArray:
    """Intervals between beat times, free of summation round-off."""
    diffs = np.diff(beats, prepend=beats[0]) if prepend else np.diff(beats)
    rounded: FloatArray = np.round(diffs, DECIMALS)
    return rounded

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""HRV trend patterns: the 7-day CV of ln rMSSD beside the 7-day mean, each against its own range.

* The 7-day coefficient of variation, CV = SD / mean x 100 of the daily ln rMSSD over the
  last 7 days, from at least 5 of them (Flatt & Esco 2015, IJSPP 10:994, ask for at least 5
  measurements a week). Its normal range is its own baseline (the days before, over the
  baseline window, as HRV4Training's normal range takes the last 60 days) +/- 1 SD of the
  7-day CVs in it. No source gives that width; HRV4Training lets a coach choose "half a SD,
  1 SD, etc.". One SD of the CV's own history keeps a steady athlete's CV in range on about
  two days in three, near the 7-day mean's +/- 0.5 SD of the daily values (about four in
  five: a 7-day mean varies by SD / sqrt(7)).
* The patterns, where the sources define them:

  - **maladaptation**: the 7-day mean below its normal range and the CV below its own.
    Plews et al. 2012 (Eur J Appl Physiol 112:3729): before non-functional overreaching
    the triathlete's 7-day mean fell and so did its CV, both "indicative of the progression
    towards mal-adaptation", while the athlete who coped stayed stable.
  - **saturation**: the 7-day mean below its normal range while resting HR's 7-day mean is
    below its own. Plews et al. 2013 (Sports Med 43:773) define parasympathetic saturation
    as reductions in HRV despite decreases in resting HR in fit athletes: not fatigue.
  - **accumulated fatigue**: the 7-day mean below its normal range while resting HR's 7-day
    mean is above its own: HRV down with heart rate up, what Stanley, D'Auria & Buchheit
    2015 (IJSPP 10:528) read as not coping with the load.
  - **coping well**: the 7-day mean within or above its normal range and the CV within or
    below its own: a stable baseline with small day-to-day swings (HRV4Training: a low CV is
    "often associated with coping well"; Flatt & Esco 2015: the CV was lower in the week of
    lower load).
  - **variable**: the 7-day mean within or above its normal range but the CV above its own
    (HRV4Training: a high CV signals poor adaptation and "can flag issues before a baseline
    reduction").

  A 7-day mean below its range that fits none of the first three is ``none``: the HRV status
  (below) says it already.

How far the decision uses them: not at all. The studies behind the patterns are case
comparisons and observational (two triathletes, nine soccer players, a review); none tested
a training rule on them, while the HRV-guided training studies the decision table follows
(Kiviniemi 2007, Vesterinen 2016, Javaloyes 2019) used the 7-day mean against its normal
range, which the decision keeps reading. The pattern is shown beside it, explained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recoveryd.domain.models import Contributor, HrvPattern
from recoveryd.engine.baseline import (
    FloatArray,
    IntArray,
    RollingStats,
    rolling_stats,
    trailing_stats,
)
from recoveryd.engine.thresholds import Thresholds

MIN_CV_DAYS = 5  # of the last 7 (Flatt & Esco 2015)
CV_RANGE_SD = 1.0  # the CV's normal range, in SDs of its own history
BoolArray = npt.NDArray[np.bool_]

# Pattern codes in the arrays, in the order of this tuple.
PATTERN_CODES: tuple[HrvPattern, ...] = tuple(HrvPattern)
_CODE = {pattern: k for k, pattern in enumerate(PATTERN_CODES)}


@dataclass(frozen=True, slots=True)
class Trends:
    """Every day's 7-day CV of ln rMSSD, its normal range, and the pattern it forms."""

    cv: FloatArray  # %, NaN with fewer than MIN_CV_DAYS of the last 7
    cv_stats: RollingStats  # the CV's own baseline
    cv_low: FloatArray
    cv_high: FloatArray
    rhr_below: BoolArray  # resting HR's 7-day mean below its normal range
    rhr_above: BoolArray
    pattern: IntArray  # an index of PATTERN_CODES


def hrv_trends(
    ln_rmssd: FloatArray,
    status: IntArray,
    rhr_stats: RollingStats,
    t: Thresholds,
    *,
    below: int,
    within: int,
    above: int,
) -> Trends:
    """The CV, its range and the pattern of every day (``status`` codes the 7-day mean's)."""
    mean, sd, count = trailing_stats(ln_rmssd, t.rolling_days)
    has_cv = (count >= MIN_CV_DAYS) & (mean > 0)
    cv = np.where(
        has_cv, 100.0 * np.divide(sd, mean, out=np.zeros_like(sd), where=mean > 0), np.nan
    )
    stats = rolling_stats(cv, t.baseline_days, t.rolling_days)
    ranged = has_cv & (stats.count >= t.min_hrv_days) & np.isfinite(stats.sd)
    cv_low = np.where(ranged, stats.mean - CV_RANGE_SD * stats.sd, np.nan)
    cv_high = np.where(ranged, stats.mean + CV_RANGE_SD * stats.sd, np.nan)
    cv_below, cv_above = ranged & (cv < cv_low), ranged & (cv > cv_high)

    rhr_ready = (
        (rhr_stats.count >= t.min_secondary_days)
        & (rhr_stats.recent_count >= t.min_rolling_days)
        & np.isfinite(rhr_stats.sd)
    )
    rhr_low = rhr_stats.mean - t.swc_k * rhr_stats.sd
    rhr_high = rhr_stats.mean + t.swc_k * rhr_stats.sd
    rhr_below = rhr_ready & (rhr_stats.recent_mean < rhr_low)
    rhr_above = rhr_ready & (rhr_stats.recent_mean > rhr_high)

    pattern = np.full(ln_rmssd.shape, _CODE[HrvPattern.UNKNOWN], dtype=np.int64)
    mean_low = status == below
    mean_ok = (status == within) | (status == above)
    pattern[ranged & mean_low] = _CODE[HrvPattern.NONE]
    pattern[ranged & mean_low & cv_below] = _CODE[HrvPattern.MALADAPTATION]
    # Heart rate tells saturation from fatigue, and says more than the CV where it is known.
    pattern[ranged & mean_low & rhr_above] = _CODE[HrvPattern.ACCUMULATED_FATIGUE]
    pattern[ranged & mean_low & rhr_below] = _CODE[HrvPattern.SATURATION]
    pattern[ranged & mean_ok & ~cv_above] = _CODE[HrvPattern.COPING_WELL]
    pattern[ranged & mean_ok & cv_above] = _CODE[HrvPattern.VARIABLE]
    return Trends(cv, stats, cv_low, cv_high, rhr_below, rhr_above, pattern)


_READING = {
    HrvPattern.COPING_WELL: "coping well: a steady 7-day HRV with small day-to-day swings "
    "(HRV4Training; Flatt & Esco 2015)",
    HrvPattern.ACCUMULATED_FATIGUE: "accumulated fatigue: 7-day HRV below your normal range "
    "with resting HR above yours (Stanley, D'Auria & Buchheit 2015)",
    HrvPattern.MALADAPTATION: "maladaptation: 7-day HRV below your normal range and its "
    "day-to-day swings shrinking, the pattern that preceded non-functional overreaching in "
    "Plews et al. 2012",
    HrvPattern.SATURATION: "saturation: 7-day HRV below your normal range while resting HR "
    "is low too; in fit athletes this is parasympathetic saturation, not fatigue (Plews et "
    "al. 2013)",
    HrvPattern.VARIABLE: "variable: 7-day HRV in range but swinging more than usual, which "
    "can come before a drop (HRV4Training)",
    HrvPattern.NONE: "no named pattern: 7-day HRV below your normal range with resting HR "
    "and the swings in their ranges",
}


def describe(pattern: HrvPattern) -> str:
    """The pattern in words, with its source ("" for unknown)."""
    return _READING.get(pattern, "")


def pattern_on(trends: Trends | None, i: int) -> HrvPattern:
    """Day ``i``'s pattern (unknown without trends)."""
    return HrvPattern.UNKNOWN if trends is None else PATTERN_CODES[int(trends.pattern[i])]


def cv_contributor(trends: Trends, i: int) -> Contributor | None:
    """Day ``i``'s 7-day CV against its own normal range, and the pattern it forms.

    Shown, never scored (no z): the decision does not read it.
    """
    cv = float(trends.cv[i])
    if not math.isfinite(cv):
        return None
    low, high = float(trends.cv_low[i]), float(trends.cv_high[i])
    mean, days = float(trends.cv_stats.mean[i]), int(trends.cv_stats.count[i])
    ranged = math.isfinite(low) and math.isfinite(high)
    if ranged:
        reason = f"7-day CV of ln rMSSD {cv:.1f} % against your normal range {low:.1f}–{high:.1f} %"
    else:
        reason = f"7-day CV of ln rMSSD {cv:.1f} % (its normal range needs more days)"
    described = describe(pattern_on(trends, i))
    if described:
        reason = f"{reason}; {described}"
    return Contributor(
        "hrv_cv", cv, "%", mean if math.isfinite(mean) else None,
        low if ranged else None, high if ranged else None,
        None, days, flag=False, reason=reason,
    )  # fmt: skip

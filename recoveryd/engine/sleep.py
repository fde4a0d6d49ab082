# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Tonight's sleep need, the recent sleep debt and the regularity of sleep. Pure.

The need has the three parts WHOOP describes for its own ("Sleep Need = baseline + strain +
debt"; whoop.com, *How does WHOOP calculate my Sleep Need*), each computed from the person's
own nights:

* **Baseline**: the median sleep of the nights that end on the person's free days (not cut
  short by an alarm) in the last 60 nights, from at least 4 of them; with fewer, the upper
  quartile of all nights (at least 14); with fewer still, 8 h, the middle of the 7-9 h that
  the consensus statements give adults and athletes (Watson et al. 2015, Sleep 38:843; Walsh
  et al. 2021, Br J Sports Med 55:356). Kitamura et al. (2016, Sci Rep 6:35812) estimated
  each person's optimal sleep from sleep that was not restricted, which is what the free-day
  median approximates. The baseline is kept within 6-11 h.
* **Training**: 20 min per typical session's load that the day's (adjusted) session exceeds
  the person's typical session by, at most 40 min, where load is session-RPE (minutes x
  RPE; the target RPE, or 3/5/7 for easy/moderate/hard) and "typical" the median of the
  sessions with an RPE in the last 28 days (at least 4). WHOOP adds need for the day's strain
  without publishing how much: the 20 min and the 40 min are recoveryd's own, stated here
  and in every reason, not a validated figure.
* **Debt**: the shortfall of the last 7 nights against the baseline (nights above it pay it
  back; never below zero). A quarter of it is added tonight, at most 60 min: after sleep
  restriction, Kitamura et al. (2016) found that repaying 1 h of debt took about four days of
  unrestricted sleep.

**Regularity** is the Sleep Regularity Index (Phillips et al. 2017, Sci Rep 7:3216): the
probability, scaled to -100..100, that the person is in the same state (asleep or awake) at
any two moments 24 h apart, over the last 14 days, 1-min epochs. Only the main sleep window
(onset to offset) is known per night, so wake within the night and naps are not counted, which
makes the index a little higher than actigraphy's; at least 5 pairs of consecutive nights with
sleep times are needed. It is shown as a contributor, never used by the decision.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from recoveryd.domain.coach import SleepNeed
from recoveryd.domain.columns import NightColumns, SessionColumns
from recoveryd.domain.models import Contributor
from recoveryd.domain.training import Session
from recoveryd.engine.baseline import FloatArray
from recoveryd.engine.series import NightTable

DEFAULT_NEED_MIN = 480.0
NEED_RANGE_MIN = (360.0, 660.0)
BASELINE_NIGHTS = 60
MIN_FREE_NIGHTS = 4
MIN_NIGHTS = 14
DEBT_NIGHTS = 7
REPAY_SHARE = 0.25
REPAY_MAX_MIN = 60.0
LOAD_MIN_PER_SESSION = 20.0
LOAD_MAX_MIN = 40.0
TYPICAL_DAYS = 28
MIN_RATED_SESSIONS = 4
REGULARITY_DAYS = 14
MIN_REGULARITY_PAIRS = 5
USUAL_WAKE_NIGHTS = 28
_DAY_MIN = 1440.0
INTENSITY_RPE = {"easy": 3.0, "moderate": 5.0, "hard": 7.0}


@dataclass(frozen=True, slots=True)
class SleepNights:
    """Per day from ``start``: the main sleep of the first listed source that measured it.

    ``total`` in minutes; ``onset`` and ``offset`` in minutes from the midnight that starts
    the day (NaN where unknown); ``free`` marks the days that are free days.
    """

    start: date
    total: FloatArray
    onset: FloatArray
    offset: FloatArray
    free: np.ndarray

    @classmethod
    def of(
        cls,
        nights: NightColumns,
        preference: Sequence[str],
        start: date,
        days: int,
        free_weekdays: frozenset[int],
    ) -> SleepNights:
        """Tabulate ``nights`` from ``start`` for ``days`` days."""
        table = NightTable.build(nights, preference, start, days)
        total, onset, offset = (np.full(days, np.nan) for _ in range(3))
        # The least preferred first, so that a preferred source's night overwrites.
        for source in reversed(preference):
            measured = np.isfinite(table.column(source, "sleep_total_min"))
            total[measured] = table.column(source, "sleep_total_min")[measured]
            onset[measured] = table.column(source, "sleep_onset_min")[measured]
            offset[measured] = table.column(source, "sleep_offset_min")[measured]
        weekdays = (start.weekday() + np.arange(days)) % 7
        free = np.isin(weekdays, sorted(free_weekdays))
        return cls(start, total, onset, offset, free)

    def baseline(self, i: int) -> tuple[float, int]:
        """Day ``i``'s baseline need in minutes, and how many nights it rests on."""
        lo = max(0, i - BASELINE_NIGHTS + 1)
        window, free = self.total[lo : i + 1], self.free[lo : i + 1]
        known = np.isfinite(window)
        # statistics on a few dozen floats: numpy's median costs tens of microseconds a call.
        free_nights = window[known & free].tolist()
        if len(free_nights) >= MIN_FREE_NIGHTS:
            value, count = statistics.median(free_nights), len(free_nights)
        elif known.sum() >= MIN_NIGHTS:
            nights = window[known].tolist()
            # The upper quartile as numpy's default (linear) percentile computes it.
            value = statistics.quantiles(nights, n=4, method="inclusive")[2]
            count = len(nights)
        else:
            return DEFAULT_NEED_MIN, 0
        return float(np.clip(value, *NEED_RANGE_MIN)), count

    def debt(self, i: int, baseline: float) -> float:
        """The shortfall of the last 7 nights up to day ``i`` against ``baseline``."""
        window = self.total[max(0, i - DEBT_NIGHTS + 1) : i + 1]
        known = window[np.isfinite(window)]
        return max(0.0, float(np.sum(baseline - known)))

    def regularity(self, i: int) -> tuple[float | None, int]:
        """The Sleep Regularity Index of the 14 days up to ``i``, and the days it covers."""
        lo = max(0, i - REGULARITY_DAYS + 1)
        onset = np.clip(self.onset[lo : i + 1], -720.0, 720.0)
        offset = np.clip(self.offset[lo : i + 1], -720.0, 720.0)
        a0, a1, b0, b1 = onset[:-1], offset[:-1], onset[1:], offset[1:]
        pairs = np.isfinite(a0) & np.isfinite(a1) & np.isfinite(b0) & np.isfinite(b1)
        if pairs.sum() < MIN_REGULARITY_PAIRS:
            return None, 0
        a0, a1, b0, b1 = a0[pairs], a1[pairs], b0[pairs], b1[pairs]
        overlap = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0.0, None)
        differ = np.clip(a1 - a0, 0.0, None) + np.clip(b1 - b0, 0.0, None) - 2.0 * overlap
        same = 1.0 - differ / _DAY_MIN
        days = int(pairs.sum()) + 1
        return round(float(200.0 * np.mean(same) - 100.0), 1), days

    def usual_wake(self, i: int, *, free: bool) -> float | None:
        """The median sleep offset of recent nights ending on the same kind of day as ``free``."""
        lo = max(0, i - USUAL_WAKE_NIGHTS + 1)
        offsets = self.offset[lo : i + 1][self.free[lo : i + 1] == free]
        known = offsets[np.isfinite(offsets)].tolist()
        return statistics.median(known) if len(known) >= MIN_FREE_NIGHTS else None


def session_load(session: Session | None) -> float:
    """The session-RPE a planned session asks for (Foster et al. 2001), 0 for none."""
    if session is None:
        return 0.0
    rpe = session.target_rpe or INTENSITY_RPE.get(session.intensity, 5.0)
    return session.duration_min * rpe


def typical_load(sessions: SessionColumns, day: date) -> float | None:
    """The median session-RPE of the rated sessions of the 28 days before ``day``.

    ``sessions`` ordered by day (:meth:`SessionColumns.by_day`).
    """
    inside = sessions.span(day - timedelta(days=TYPICAL_DAYS), day)
    loads = sessions.duration_min[inside] * sessions.rpe[inside]
    rated = loads[np.isfinite(loads)].tolist()
    return statistics.median(rated) if len(rated) >= MIN_RATED_SESSIONS else None


def sleep_need(
    nights: SleepNights,
    i: int,
    session: Session | None,
    typical: float | None,
    *,
    free_tomorrow: bool = False,
) -> SleepNeed:
    """Tonight's need after day ``i``, with ``session`` the day's (adjusted) session.

    ``free_tomorrow``: tomorrow is a free day (for the usual wake time of such mornings).
    """
    baseline, count = nights.baseline(i)
    extra = 0.0
    if typical is not None and typical > 0:
        over = session_load(session) / typical - 1.0
        extra = float(np.clip(LOAD_MIN_PER_SESSION * over, 0.0, LOAD_MAX_MIN))
    debt = nights.debt(i, baseline)
    repay = min(REPAY_SHARE * debt, REPAY_MAX_MIN)
    regularity, days = nights.regularity(i)
    return SleepNeed(
        need_min=round(baseline + extra + repay),
        baseline_min=round(baseline),
        baseline_nights=count,
        load_min=round(extra),
        debt_min=round(debt),
        repay_min=round(repay),
        regularity=regularity,
        regularity_days=days,
        usual_wake_min=nights.usual_wake(i, free=free_tomorrow),
    )


def regularity_contributor(need: SleepNeed) -> Contributor | None:
    """The Sleep Regularity Index as a contributor (shown, never scored), when known."""
    if need.regularity is None:
        return None
    return Contributor(
        signal="sleep_regularity",
        value=need.regularity,
        unit="SRI",
        baseline=None,
        band_low=None,
        band_high=None,
        z=None,
        days=need.regularity_days,
        flag=False,
        reason=(
            f"Sleep Regularity Index {need.regularity:.0f} over {need.regularity_days} days "
            "(100: asleep and awake at the same times every day; Phillips et al. 2017)"
        ),
    )

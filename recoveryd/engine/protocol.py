# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The decision table: readiness in, one protocol and its reasons out. First match wins.

1. illness pattern → rest;
2. fewer valid HRV days than ``min_hrv_days`` → insufficient_data (never a guess);
3. 7-day HRV below the range and an acute drop two days running → rest;
4. 7-day HRV below the range, or three or more flags → active_recovery;
5. two flags → mobility;
6. otherwise → as_planned (one flag is a caution in the reasons, not acted on);
7. as_planned becomes progressive_overload when the 7-day HRV has stayed within the range for
   14 days, no flag today and at most one flagged day in the previous 6, and (when at least
   four weeks of training are logged) form, TSB as a share of CTL, is not below -30 %.

Rules 3-4 follow HRV-guided training (Kiviniemi et al. 2007; Vesterinen et al. 2016;
Javaloyes et al. 2019). HRV above the range never upgrades a day: a high value can be
parasympathetic saturation rather than freshness (Plews et al. 2012).

The table runs over every day at once (:func:`decide_rules`); :func:`explain` writes the
reasons of one day from the rule that matched.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from recoveryd.domain.models import Protocol, Readiness
from recoveryd.engine.baseline import FloatArray, IntArray
from recoveryd.engine.signals import ABOVE, BELOW, UNKNOWN, WITHIN, BoolArray, Signals
from recoveryd.engine.thresholds import Thresholds

_MANY_FLAGS = 3
_SOME_FLAGS = 2


class Rule(IntEnum):
    """Which row of the decision table decided a day."""

    ILLNESS = 1
    INSUFFICIENT_DATA = 2
    SUPPRESSED_AND_DROPPING = 3
    SUPPRESSED = 4
    MANY_FLAGS = 5
    TWO_FLAGS = 6
    PROGRESSIVE_OVERLOAD = 7
    AS_PLANNED = 8


RULE_PROTOCOL: dict[Rule, Protocol] = {
    Rule.ILLNESS: Protocol.REST,
    Rule.INSUFFICIENT_DATA: Protocol.INSUFFICIENT_DATA,
    Rule.SUPPRESSED_AND_DROPPING: Protocol.REST,
    Rule.SUPPRESSED: Protocol.ACTIVE_RECOVERY,
    Rule.MANY_FLAGS: Protocol.ACTIVE_RECOVERY,
    Rule.TWO_FLAGS: Protocol.MOBILITY,
    Rule.PROGRESSIVE_OVERLOAD: Protocol.PROGRESSIVE_OVERLOAD,
    Rule.AS_PLANNED: Protocol.AS_PLANNED,
}


def _window_sum(values: BoolArray, window: int, *, include_today: bool) -> IntArray:
    """For each day, how many of the ``window`` days ending today (or yesterday) are True."""
    counts = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    end = np.arange(values.size) + (1 if include_today else 0)
    begin = np.maximum(end - window, 0)
    summed: IntArray = counts[end] - counts[begin]
    return summed


def decide_rules(
    signals: Signals, thresholds: Thresholds, form_pct: FloatArray
) -> tuple[IntArray, BoolArray]:
    """The rule of every day, and whether form held back a day that was ready to progress.

    ``form_pct`` is NaN where form is not known (too little logged training).
    """
    t = thresholds
    status, flags = signals.hrv_status, signals.flag_count
    below = status == BELOW
    within = status == WITHIN
    yesterday_acute = np.concatenate([[False], signals.acute[:-1]])
    stable = _window_sum(within, t.overload_stable_days, include_today=True)
    flagged_before = _window_sum(flags > 0, t.overload_lookback_days, include_today=False)
    ready = (
        (flags == 0)
        & within
        & (stable >= t.overload_stable_days)
        & (flagged_before <= t.overload_max_flags)
    )
    deep_fatigue = np.isfinite(form_pct) & (form_pct < t.overload_min_form_pct)
    conditions = [
        signals.illness,
        (signals.hrv_days < t.min_hrv_days) | signals.no_input,
        below & signals.acute & yesterday_acute,
        below,
        flags >= _MANY_FLAGS,
        flags == _SOME_FLAGS,
        ready & ~deep_fatigue,
    ]
    choices = [
        Rule.ILLNESS,
        Rule.INSUFFICIENT_DATA,
        Rule.SUPPRESSED_AND_DROPPING,
        Rule.SUPPRESSED,
        Rule.MANY_FLAGS,
        Rule.TWO_FLAGS,
        Rule.PROGRESSIVE_OVERLOAD,
    ]
    rules: IntArray = np.select(conditions, choices, default=Rule.AS_PLANNED).astype(np.int64)
    held: BoolArray = (rules == Rule.AS_PLANNED) & ready & deep_fatigue
    return rules, held


_FIXED_REASONS = {
    Rule.ILLNESS: (
        "Illness pattern: raised skin temperature with a raised resting HR or breathing rate. "
        "Rest, no heat."
    ),
    Rule.SUPPRESSED_AND_DROPPING: (
        "7-day HRV is below your normal range and HRV dropped sharply two mornings running."
    ),
}


def explain(
    rule: Rule,
    today: Readiness,
    thresholds: Thresholds,
    *,
    form_pct: float | None = None,
    held_by_form: bool = False,
) -> tuple[str, ...]:
    """The reasons of a day that ``rule`` decided."""
    t = thresholds
    names = ", ".join(today.flags)
    flags = len(today.flags)
    if rule in _FIXED_REASONS:
        return (_FIXED_REASONS[rule],)
    if rule is Rule.INSUFFICIENT_DATA and today.no_input:
        reason = f"No data for today: {_silence(today)}. Train as planned, by feel."
    elif rule is Rule.INSUFFICIENT_DATA:
        source = f" from {today.hrv_source}" if today.hrv_source else ""
        reason = (
            f"Only {today.hrv_valid_days} valid HRV days{source}; HRV-guided decisions start "
            f"at {t.min_hrv_days}. Train as planned, by feel."
        )
    elif rule is Rule.SUPPRESSED:
        extra = f" Also flagged: {names}." if flags else ""
        reason = f"7-day HRV is below your normal range: easy aerobic work only.{extra}"
    elif rule is Rule.MANY_FLAGS:
        reason = f"{flags} signals flagged ({names})."
    elif rule is Rule.TWO_FLAGS:
        reason = f"Two signals flagged ({names}): keep moving, drop the intensity."
    elif rule is Rule.PROGRESSIVE_OVERLOAD:
        reason = (
            f"HRV has stayed within your normal range for {t.overload_stable_days} days with "
            "no warning signs: progress the load."
        )
    else:
        return _as_planned(today, t, form_pct, held_by_form=held_by_form)
    return (reason,)


def _silence(today: Readiness) -> str:
    """Which sources have been silent since when, e.g. "oura silent since 2026-11-20"."""
    parts = [
        f"{source} has no recent nights" if last is None
        else f"{source} silent since {last.isoformat()}"
        for source, last in today.last_nights
    ]  # fmt: skip
    return "; ".join(parts) if parts else "no source is listed"


def _as_planned(
    today: Readiness, t: Thresholds, form_pct: float | None, *, held_by_form: bool
) -> tuple[str, ...]:
    cautions = []
    status = today.hrv_status.value
    if status == "unknown":
        cautions.append(
            "No HRV in the last days to judge the trend; decided from the other signals."
        )
    if len(today.flags) == 1:
        cautions.append(
            f"Caution: {today.flags[0]} flagged; one signal alone does not change the plan."
        )
    if held_by_form and form_pct is not None:
        cautions.append(
            f"Ready to progress, but form is {form_pct:.0f} % of fitness (below "
            f"{t.overload_min_form_pct:.0f} %): hold the load this week."
        )
    if status == "above":
        cautions.append("HRV above the range is not a licence to push; the plan stands.")
    return ("Signals are in line with your baseline: train as planned.", *cautions)


# Codes re-exported for callers that work on the arrays.
__all__ = [
    "ABOVE",
    "BELOW",
    "RULE_PROTOCOL",
    "UNKNOWN",
    "WITHIN",
    "Rule",
    "decide_rules",
    "explain",
]

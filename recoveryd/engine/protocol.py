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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recoveryd.engine.thresholds import Thresholds
from recoveryd.models import HrvStatus, Protocol, Readiness

_MANY_FLAGS = 3
_SOME_FLAGS = 2

Outcome = tuple[Protocol, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Day:
    today: Readiness
    previous: Sequence[Readiness]
    thresholds: Thresholds
    form_pct: float | None

    @property
    def flag_names(self) -> str:
        return ", ".join(self.today.flags)


def _illness(day: _Day) -> Outcome | None:
    if not day.today.illness:
        return None
    return Protocol.REST, (
        (
            "Illness pattern: raised skin temperature with a raised resting HR or breathing "
            "rate. Rest, no heat."
        ),
    )


def _insufficient(day: _Day) -> Outcome | None:
    today, t = day.today, day.thresholds
    if today.hrv_valid_days >= t.min_hrv_days:
        return None
    source = f" from {today.hrv_source}" if today.hrv_source else ""
    return Protocol.INSUFFICIENT_DATA, (
        (
            f"Only {today.hrv_valid_days} valid HRV days{source}; HRV-guided decisions start "
            f"at {t.min_hrv_days}. Train as planned, by feel."
        ),
    )


def _suppressed_and_dropping(day: _Day) -> Outcome | None:
    yesterday = day.previous[-1] if day.previous else None
    if (
        day.today.hrv_status is HrvStatus.BELOW
        and day.today.acute_hrv_drop
        and yesterday is not None
        and yesterday.acute_hrv_drop
    ):
        return Protocol.REST, (
            "7-day HRV is below your normal range and HRV dropped sharply two mornings running.",
        )
    return None


def _suppressed_or_many_flags(day: _Day) -> Outcome | None:
    flags = len(day.today.flags)
    if day.today.hrv_status is HrvStatus.BELOW:
        extra = f" Also flagged: {day.flag_names}." if flags else ""
        return Protocol.ACTIVE_RECOVERY, (
            f"7-day HRV is below your normal range: easy aerobic work only.{extra}",
        )
    if flags >= _MANY_FLAGS:
        return Protocol.ACTIVE_RECOVERY, (f"{flags} signals flagged ({day.flag_names}).",)
    return None


def _two_flags(day: _Day) -> Outcome | None:
    if len(day.today.flags) != _SOME_FLAGS:
        return None
    return Protocol.MOBILITY, (
        f"Two signals flagged ({day.flag_names}): keep moving, drop the intensity.",
    )


_RULES = (_illness, _insufficient, _suppressed_and_dropping, _suppressed_or_many_flags, _two_flags)


def choose_protocol(
    today: Readiness,
    previous: Sequence[Readiness],
    thresholds: Thresholds,
    form_pct: float | None = None,
) -> Outcome:
    """The protocol for ``today`` and the reasons, given the days before it (oldest first)."""
    day = _Day(today, previous, thresholds, form_pct)
    for rule in _RULES:
        outcome = rule(day)
        if outcome is not None:
            return outcome
    return _as_planned(day)


def _as_planned(day: _Day) -> Outcome:
    """Rules 6 and 7: the plan stands, and may progress."""
    today = day.today
    cautions: list[str] = []
    if today.hrv_status is HrvStatus.UNKNOWN:
        cautions.append(
            "No HRV in the last days to judge the trend; decided from the other signals."
        )
    if len(today.flags) == 1:
        cautions.append(
            f"Caution: {day.flag_names} flagged; one signal alone does not change the plan."
        )
    if _overload_ready(day) and not _deep_fatigue(day):
        stable = day.thresholds.overload_stable_days
        reason = (
            f"HRV has stayed within your normal range for {stable} days with no warning signs: "
            "progress the load."
        )
        return Protocol.PROGRESSIVE_OVERLOAD, (reason,)
    if _overload_ready(day) and _deep_fatigue(day):
        cautions.append(
            f"Ready to progress, but form is {day.form_pct:.0f} % of fitness (below "
            f"{day.thresholds.overload_min_form_pct:.0f} %): hold the load this week."
        )
    if today.hrv_status is HrvStatus.ABOVE:
        cautions.append("HRV above the range is not a licence to push; the plan stands.")
    return Protocol.AS_PLANNED, (
        "Signals are in line with your baseline: train as planned.",
        *cautions,
    )


def _overload_ready(day: _Day) -> bool:
    today, previous, t = day.today, day.previous, day.thresholds
    if today.flags or today.hrv_status is not HrvStatus.WITHIN:
        return False
    stable = [*previous[len(previous) - (t.overload_stable_days - 1) :], today]
    if len(stable) < t.overload_stable_days:
        return False
    if any(r.hrv_status is not HrvStatus.WITHIN for r in stable):
        return False
    lookback = previous[max(0, len(previous) - t.overload_lookback_days) :]
    return sum(1 for r in lookback if r.flags) <= t.overload_max_flags


def _deep_fatigue(day: _Day) -> bool:
    """Form below the gate; unknown form (too little logged training) never blocks."""
    return day.form_pct is not None and day.form_pct < day.thresholds.overload_min_form_pct

"""The decision table: readiness in, one protocol and its reasons out. First match wins.

1. illness pattern → rest;
2. fewer valid HRV days than ``min_hrv_days`` → insufficient_data (never a guess);
3. 7-day HRV below the range and an acute drop two days running → rest;
4. 7-day HRV below the range, or three or more flags → active_recovery;
5. two flags → mobility;
6. otherwise → as_planned (one flag is a caution in the reasons, not acted on);
7. as_planned becomes progressive_overload when the 7-day HRV has stayed within the range for
   14 days, no flag today and at most one flagged day in the previous 6, and (when training
   load is known) TSB is not below -30.

Rules 3-4 follow HRV-guided training (Kiviniemi et al. 2007; Vesterinen et al. 2016;
Javaloyes et al. 2019). HRV above the range never upgrades a day: a high value can be
parasympathetic saturation rather than freshness (Plews et al. 2012).
"""

from __future__ import annotations

from collections.abc import Sequence

from recoveryd.engine.thresholds import Thresholds
from recoveryd.models import HrvStatus, Protocol, Readiness

_MANY_FLAGS = 3
_SOME_FLAGS = 2


def choose_protocol(
    today: Readiness,
    previous: Sequence[Readiness],
    thresholds: Thresholds,
    tsb: float | None = None,
) -> tuple[Protocol, tuple[str, ...]]:
    """The protocol for ``today`` and the reasons, given the days before it (oldest first)."""
    flag_names = ", ".join(today.flags)
    flags = len(today.flags)
    if today.illness:
        return Protocol.REST, (
            "Illness pattern: raised skin temperature with a raised resting HR or breathing "
            "rate. Rest, no heat.",
        )
    if today.hrv_valid_days < thresholds.min_hrv_days:
        return Protocol.INSUFFICIENT_DATA, (
            f"Only {today.hrv_valid_days} valid HRV days"
            + (f" from {today.hrv_source}" if today.hrv_source else "")
            + f"; HRV-guided decisions start at {thresholds.min_hrv_days}. Train as planned, by feel.",
        )
    yesterday = previous[-1] if previous else None
    below = today.hrv_status is HrvStatus.BELOW
    if below and today.acute_hrv_drop and yesterday is not None and yesterday.acute_hrv_drop:
        return Protocol.REST, (
            "7-day HRV is below your normal range and HRV dropped sharply two mornings running.",
        )
    if below:
        extra = f" Also flagged: {flag_names}." if flags else ""
        return Protocol.ACTIVE_RECOVERY, (
            f"7-day HRV is below your normal range: easy aerobic work only.{extra}",
        )
    if flags >= _MANY_FLAGS:
        return Protocol.ACTIVE_RECOVERY, (f"{flags} signals flagged ({flag_names}).",)
    if flags == _SOME_FLAGS:
        return Protocol.MOBILITY, (
            f"Two signals flagged ({flag_names}): keep moving, drop the intensity.",
        )
    reasons: list[str] = []
    if today.hrv_status is HrvStatus.UNKNOWN:
        reasons.append("No HRV in the last days to judge the trend; decided from the other signals.")
    if flags == 1:
        reasons.append(f"Caution: {flag_names} flagged; one signal alone does not change the plan.")
    if _overload_ready(today, previous, thresholds, tsb):
        return Protocol.PROGRESSIVE_OVERLOAD, (
            f"HRV has stayed within your normal range for {thresholds.overload_stable_days} days "
            "with no warning signs: progress the load.",
        )
    if today.hrv_status is HrvStatus.ABOVE:
        reasons.append("HRV above the range is not a licence to push; the plan stands.")
    return Protocol.AS_PLANNED, ("Signals are in line with your baseline: train as planned.", *reasons)


def _overload_ready(
    today: Readiness, previous: Sequence[Readiness], t: Thresholds, tsb: float | None
) -> bool:
    if today.flags or today.hrv_status is not HrvStatus.WITHIN:
        return False
    stable = [*previous[-(t.overload_stable_days - 1):], today]
    if len(stable) < t.overload_stable_days:
        return False
    if any(r.hrv_status is not HrvStatus.WITHIN for r in stable):
        return False
    lookback = previous[-t.overload_lookback_days:]
    if sum(1 for r in lookback if r.flags) > t.overload_max_flags:
        return False
    return tsb is None or tsb >= t.overload_min_tsb

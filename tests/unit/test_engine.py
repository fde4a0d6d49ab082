# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The pure engine against histories whose statistics are computed here by hand."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from recoveryd.domain.models import DayPlan, HrvStatus, Night, Protocol
from recoveryd.domain.training import Session
from recoveryd.engine import History, Thresholds, TrainingPlan, decide_days
from recoveryd.engine.baseline import rolling_stats, z_scores

START = date(2026, 1, 1)
DAY = START + timedelta(days=60)  # the decided day: 60 baseline days before it


def steady_ln(days: int) -> list[float]:
    """ln rMSSD alternating 4.0 / 4.2: mean 4.1, SD 0.1 * sqrt(n / (n - 1))."""
    return [4.0 if i % 2 == 0 else 4.2 for i in range(days)]


def nights(
    ln_rmssd: Sequence[float | None],
    series: Mapping[str, Sequence[float | None]] | None = None,
    *,
    source: str = "oura",
    start: date = START,
) -> list[Night]:
    out = []
    for i, ln in enumerate(ln_rmssd):
        values = {name: column[i] for name, column in (series or {}).items()}
        out.append(
            Night(
                "alex",
                start + timedelta(days=i),
                source,
                hrv_rmssd_ms=None if ln is None else math.exp(ln),
                **values,
            )
        )
    return out


def secondary(days: int) -> dict[str, list[float]]:
    """RHR 50/52, breathing 14.0/14.4, skin -0.1/+0.1, sleep 450/470 min, alternating."""
    return {
        "rhr_bpm": [50.0 if i % 2 == 0 else 52.0 for i in range(days)],
        "resp_rate": [14.0 if i % 2 == 0 else 14.4 for i in range(days)],
        "skin_temp_dev_c": [-0.1 if i % 2 == 0 else 0.1 for i in range(days)],
        "sleep_total_min": [450.0 if i % 2 == 0 else 470.0 for i in range(days)],
    }


def decide(
    history: list[Night],
    *,
    preference: Sequence[str] = ("oura",),
    thresholds: Thresholds | None = None,
) -> DayPlan:
    [plan] = decide_days(History("alex", preference, history), days=[DAY], thresholds=thresholds)
    return plan


def with_today(history: list[Night], **changes: float) -> list[Night]:
    """Replace the decided day's night values."""
    return [replace(n, **changes) if n.date == DAY else n for n in history]  # type: ignore[arg-type]


def full_history(days: int = 61) -> list[Night]:
    return nights(steady_ln(days), secondary(days))


# Rolling statistics -----------------------------------------------------------------------


def test_rolling_stats_exclude_the_day_and_skip_missing_days() -> None:
    values = np.array([1.0, 2.0, 3.0, np.nan, 5.0])
    stats = rolling_stats(values, window=3, recent=2)
    assert stats.count.tolist() == [0, 1, 2, 3, 2]
    assert math.isnan(stats.mean[0])
    assert stats.mean[3] == pytest.approx(statistics.mean([1, 2, 3]))
    assert stats.sd[3] == pytest.approx(statistics.stdev([1, 2, 3]))
    assert stats.mean[4] == pytest.approx(statistics.mean([2, 3]))
    assert stats.sd[4] == pytest.approx(statistics.stdev([2, 3]))
    assert math.isnan(stats.sd[1])  # one value has no SD
    assert stats.recent_mean[3] == pytest.approx(3.0)  # the missing day is left out
    assert stats.recent_count.tolist() == [1, 2, 2, 1, 1]
    assert stats.recent_mean[4] == pytest.approx(5.0)


def test_z_scores_are_signed_so_negative_is_worse() -> None:
    values = np.array([50.0, 52.0, 50.0, 52.0, 60.0])
    stats = rolling_stats(values, window=4, recent=1)
    rhr = z_scores(values, stats, higher_is_worse=True)
    expected = -(60 - statistics.mean([50, 52, 50, 52])) / statistics.stdev([50, 52, 50, 52])
    assert rhr[4] == pytest.approx(expected)
    assert rhr[4] < 0
    assert z_scores(values, stats, higher_is_worse=False)[4] == pytest.approx(-expected)


# HRV against the normal range ---------------------------------------------------------------


def test_hrv_trend_contributor_carries_hand_computed_baseline_and_range() -> None:
    ln = steady_ln(61)
    ln[-7:] = [4.0] * 7  # below the range, but no single day is an acute drop
    plan = decide(nights(ln))
    baseline = ln[:60]
    mean, sd = statistics.mean(baseline), statistics.stdev(baseline)
    trend = plan.readiness.contributor("hrv_trend")
    assert trend is not None
    assert trend.value == pytest.approx(4.0)
    assert trend.baseline == pytest.approx(mean)
    assert trend.band_low == pytest.approx(mean - 0.5 * sd)
    assert trend.band_high == pytest.approx(mean + 0.5 * sd)
    assert trend.z == pytest.approx((4.0 - mean) / sd)
    assert not plan.readiness.acute_hrv_drop
    assert trend.days == 60
    assert plan.readiness.hrv_status is HrvStatus.BELOW
    assert plan.protocol is Protocol.ACTIVE_RECOVERY
    assert "below your normal range" in plan.reasons[0]


def test_suppressed_hrv_with_acute_drops_two_days_running_gives_rest() -> None:
    ln = steady_ln(61)
    ln[-7:] = [3.95, 3.95, 3.95, 3.95, 3.95, 3.6, 3.6]
    plan = decide(nights(ln))
    today = plan.readiness.contributor("hrv_today")
    assert today is not None
    assert today.flag
    assert today.value < statistics.mean(ln[:60]) - statistics.stdev(ln[:60])
    assert plan.protocol is Protocol.REST
    assert "two mornings running" in plan.reasons[0]


def test_a_single_acute_drop_within_the_range_is_only_a_caution() -> None:
    ln = steady_ln(61)
    ln[-1] = 3.9  # below mean - 1 SD, yet the 7-day mean stays within the range
    plan = decide(nights(ln))
    assert plan.readiness.hrv_status is HrvStatus.WITHIN
    assert plan.readiness.flags == ("hrv_today",)
    assert plan.protocol is Protocol.AS_PLANNED
    assert any("Caution" in reason for reason in plan.reasons)


def test_hrv_above_the_range_is_not_a_licence_to_push() -> None:
    ln = steady_ln(61)
    ln[-7:] = [4.4] * 7
    plan = decide(nights(ln))
    assert plan.readiness.hrv_status is HrvStatus.ABOVE
    assert plan.protocol is Protocol.AS_PLANNED
    assert any("not a licence" in reason for reason in plan.reasons)


def test_a_steady_history_earns_progressive_overload() -> None:
    plan = decide(full_history())
    assert plan.readiness.flags == ()
    assert plan.protocol is Protocol.PROGRESSIVE_OVERLOAD


def test_overload_needs_fourteen_stable_days() -> None:
    ln = steady_ln(61)
    ln[-10:-7] = [4.5, 4.5, 4.5]  # pushes the 7-day mean above the range 8-10 days ago
    plan = decide(nights(ln))
    assert plan.readiness.hrv_status is HrvStatus.WITHIN
    assert plan.protocol is Protocol.AS_PLANNED


def test_fewer_than_fourteen_valid_hrv_days_gives_insufficient_data() -> None:
    ln: list[float | None] = [None] * 47 + [4.0, 4.2] * 6 + [4.1, 4.1]
    plan = decide(nights(ln))
    assert plan.readiness.hrv_valid_days == 13
    assert plan.protocol is Protocol.INSUFFICIENT_DATA
    assert plan.reasons[0].startswith("Only 13 valid HRV days from oura")


def test_threshold_for_insufficient_data_is_configurable() -> None:
    ln: list[float | None] = [None] * 47 + [4.0, 4.2] * 6 + [4.1, 4.1]
    plan = decide(nights(ln), thresholds=Thresholds(min_hrv_days=10))
    assert plan.protocol is not Protocol.INSUFFICIENT_DATA


# Secondary signals and the decision table ---------------------------------------------------


def test_rhr_flag_uses_the_hand_computed_z() -> None:
    history = with_today(full_history(), rhr_bpm=55.0)
    plan = decide(history)
    rhr = plan.readiness.contributor("rhr")
    baseline = secondary(60)["rhr_bpm"]
    mean, sd = statistics.mean(baseline), statistics.stdev(baseline)
    assert rhr is not None
    assert rhr.baseline == pytest.approx(mean)
    assert rhr.z == pytest.approx(-(55.0 - mean) / sd)
    assert rhr.flag
    assert plan.readiness.flags == ("rhr",)
    assert plan.protocol is Protocol.AS_PLANNED


def test_two_flags_give_mobility() -> None:
    history = with_today(full_history(), rhr_bpm=55.0, sleep_total_min=330.0)
    plan = decide(history)
    assert set(plan.readiness.flags) == {"rhr", "sleep"}
    assert plan.protocol is Protocol.MOBILITY


def test_three_flags_give_active_recovery() -> None:
    history = with_today(full_history(), rhr_bpm=55.0, sleep_total_min=330.0, resp_rate=15.5)
    plan = decide(history)
    assert len(plan.readiness.flags) == 3
    assert plan.protocol is Protocol.ACTIVE_RECOVERY


def test_short_night_flags_even_within_baseline_variation() -> None:
    days = 61
    series = secondary(days)
    series["sleep_total_min"] = [350.0 if i % 2 == 0 else 370.0 for i in range(days)]
    plan = decide(nights(steady_ln(days), series))
    sleep = plan.readiness.contributor("sleep")
    assert sleep is not None
    assert sleep.z is not None
    assert sleep.z > -1.5
    assert sleep.flag
    assert "under 6 h" in sleep.reason


def test_sleep_debt_flags_fourteen_short_nights() -> None:
    days = 61
    series = secondary(days)
    sleep = series["sleep_total_min"]
    sleep[-14:] = [400.0] * 14
    plan = decide(nights(steady_ln(days), series))
    debt = plan.readiness.contributor("sleep_debt")
    baseline = statistics.mean(sleep[:60])
    assert debt is not None
    assert debt.value == pytest.approx(400.0)
    assert debt.baseline == pytest.approx(baseline)
    assert debt.flag == (baseline - 400.0 >= 45)
    assert debt.flag


def test_illness_pattern_gives_rest() -> None:
    history = with_today(full_history(), skin_temp_dev_c=0.8, rhr_bpm=58.0)
    plan = decide(history)
    assert plan.readiness.illness
    assert plan.protocol is Protocol.REST
    assert plan.readiness.score is not None
    assert plan.readiness.score <= 20


def test_raised_temperature_alone_is_not_illness() -> None:
    plan = decide(with_today(full_history(), skin_temp_dev_c=0.8))
    assert not plan.readiness.illness
    assert plan.protocol is not Protocol.REST


def test_a_missing_signal_is_left_out_not_scored_as_zero() -> None:
    days = 61
    series = secondary(days)
    del series["rhr_bpm"]
    plan = decide(nights(steady_ln(days), series))
    assert plan.readiness.contributor("rhr") is None
    assert plan.readiness.measurement("rhr_bpm") is None
    assert plan.protocol is Protocol.PROGRESSIVE_OVERLOAD
    zs = {c.signal: c.z for c in plan.readiness.contributors if c.z is not None}
    weights = {signal: 2.0 if signal == "hrv_trend" else 1.0 for signal in zs}
    mean_z = sum(min(max(z, -3.0), 1.0) * weights[s] for s, z in zs.items()) / sum(weights.values())
    assert set(zs) == {"hrv_trend", "hrv_today", "resp_rate", "skin_temp", "sleep"}
    assert plan.readiness.score == round(75 + 12.5 * mean_z)  # the documented mapping
    assert plan.readiness.confidence == round(0.7 + 0.3 * 3 / 4, 2)


def test_score_never_contradicts_the_protocol() -> None:
    ln = steady_ln(61)
    ln[-7:] = [4.0] * 7
    plan = decide(nights(ln))
    assert plan.protocol is Protocol.ACTIVE_RECOVERY
    assert plan.readiness.score is not None
    assert plan.readiness.score <= 55


# Sources, order and time ---------------------------------------------------------------------


def test_baselines_never_mix_sources() -> None:
    ring = nights(steady_ln(61), source="oura")
    strap = nights([3.5 if i % 2 == 0 else 3.7 for i in range(61)], source="polar_h10")
    from_ring = decide(ring + strap, preference=["oura", "polar_h10"])
    from_strap = decide(ring + strap, preference=["polar_h10", "oura"])
    ring_trend = from_ring.readiness.contributor("hrv_trend")
    strap_trend = from_strap.readiness.contributor("hrv_trend")
    assert ring_trend is not None
    assert strap_trend is not None
    assert ring_trend.baseline == pytest.approx(statistics.mean(steady_ln(60)))
    assert strap_trend.baseline == pytest.approx(3.6)
    assert from_ring.readiness.hrv_source == "oura"
    assert from_strap.readiness.hrv_source == "polar_h10"


def test_a_source_not_in_the_preference_is_ignored() -> None:
    plan = decide(nights(steady_ln(61), source="whoop"))
    assert plan.readiness.contributors == ()
    assert plan.protocol is Protocol.INSUFFICIENT_DATA


def test_nights_after_the_day_and_storage_order_change_nothing() -> None:
    history = full_history()
    future = nights([2.0] * 10, {"rhr_bpm": [90.0] * 10}, start=DAY + timedelta(days=1))
    shuffled = history + future
    random.Random(7).shuffle(shuffled)
    assert decide(shuffled) == decide(history)


def test_planned_session_is_adjusted_to_the_protocol() -> None:
    ln = steady_ln(61)
    ln[-7:] = [4.0] * 7
    hard = Session("Intervals", "run", 60, "hard")
    [plan] = decide_days(
        History("alex", ["oura"], nights(ln)),
        days=[DAY],
        plan=TrainingPlan({DAY.weekday(): hard}),
    )
    assert plan.planned_session == hard
    assert plan.session == Session(
        "Easy aerobic", "run", 40, "easy", "instead of: Intervals", zone="1-2", target_rpe=3
    )


def test_rolling_stats_equal_the_two_pass_formulas_and_see_no_spread_in_equal_values() -> None:
    import numpy as np  # noqa: PLC0415
    from recoveryd.engine.baseline import rolling_stats  # noqa: PLC0415

    rng = np.random.default_rng(3)
    values = 4.0 + rng.normal(0, 0.2, 400)
    values[rng.random(400) < 0.2] = np.nan
    values[300:370] = 4.0  # a stretch of equal values inside a varying series
    stats = rolling_stats(values, 60, 7)
    for day in (0, 1, 2, 59, 61, 200, 369, 399):
        before = values[max(0, day - 60) : day]
        before = before[~np.isnan(before)]
        recent = values[max(0, day - 6) : day + 1]
        recent = recent[~np.isnan(recent)]
        assert stats.count[day] == before.size
        assert stats.recent_count[day] == recent.size
        if before.size:
            assert stats.mean[day] == pytest.approx(before.mean(), rel=1e-12)
        if before.size > 1:
            assert stats.sd[day] == pytest.approx(before.std(ddof=1), rel=1e-9, abs=1e-12)
        if recent.size:
            assert stats.recent_mean[day] == pytest.approx(recent.mean(), rel=1e-12)
    assert stats.sd[369] == 0.0  # 60 days of exactly 4.0: no spread, hence no z-score


def test_rolling_stats_of_several_columns_are_each_columns_own() -> None:
    import numpy as np  # noqa: PLC0415
    from recoveryd.engine.baseline import rolling_stats  # noqa: PLC0415

    rng = np.random.default_rng(5)
    columns = np.column_stack([
        4.0 + rng.normal(0, 0.2, 300), 50 + rng.normal(0, 3, 300), np.full(300, np.nan),
    ])  # fmt: skip
    columns[rng.random((300, 3)) < 0.3] = np.nan
    together = rolling_stats(columns, 60, 7)
    for k in range(3):
        alone, picked = rolling_stats(columns[:, k], 60, 7), together.column(k)
        for field in ("count", "recent_count"):
            np.testing.assert_array_equal(getattr(picked, field), getattr(alone, field))
        for field in ("mean", "sd", "recent_mean"):  # summed in another order: to rounding
            np.testing.assert_allclose(getattr(picked, field), getattr(alone, field), rtol=1e-12)

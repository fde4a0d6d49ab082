# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The personal load response: Banister's model fitted to ln rMSSD from the person's past."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pytest
from recoveryd.domain.models import DayPlan, Night
from recoveryd.domain.training import CompletedSession
from recoveryd.engine import History, decide_days
from recoveryd.engine.response import _impulse, fit_response

FloatArray = npt.NDArray[np.float64]
DAYS = 420
START = date(2025, 1, 1)


def athlete(
    k1: float, k2: float, *, seed: int, tau1: float = 42.0, tau2: float = 4.0
) -> tuple[FloatArray, FloatArray]:
    """Daily loads and the ln rMSSD a known response gives them, with measurement noise."""
    rng = np.random.default_rng(seed)
    loads = np.where(rng.random(DAYS) < 0.7, rng.uniform(200, 600, DAYS), 0.0)
    truth = 4.0 + k1 * _impulse(loads, tau1) - k2 * _impulse(loads, tau2)
    return loads, truth + rng.normal(0, 0.08, DAYS)


def baseline_60(ln: FloatArray) -> FloatArray:
    return np.array([np.nan if i < 60 else ln[i - 60 : i].mean() for i in range(ln.size)])


def rmse(predicted: FloatArray, actual: FloatArray) -> float:
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def test_a_sensitive_athlete_is_predicted_better_than_by_the_baseline() -> None:
    loads, ln = athlete(5e-5, 4e-4, seed=1)
    fitted = fit_response(ln, loads)
    late = slice(300, DAYS)
    assert np.isfinite(fitted.expected[late]).all()  # a response every late day
    assert rmse(fitted.expected[late], ln[late]) < 0.8 * rmse(baseline_60(ln)[late], ln[late])
    assert np.nanmedian(fitted.tau2[late]) == 4.0  # the true fatigue time constant
    assert 2e-4 < np.nanmedian(fitted.k2[late]) < 5e-4  # shrunk toward none, not invented


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_an_athlete_whose_hrv_ignores_training_gets_no_response(seed: int) -> None:
    loads, ln = athlete(0.0, 0.0, seed=seed)
    fitted = fit_response(ln, loads)
    assert np.isnan(fitted.expected).mean() > 0.95
    assert np.isnan(fitted.k2).mean() > 0.95


def test_too_little_load_gives_no_response() -> None:
    loads, ln = athlete(5e-5, 4e-4, seed=1)
    sparse = np.where(np.arange(DAYS) % 10 == 0, loads, 0.0)  # 1 day in 10: 18 in 180
    assert np.isnan(fit_response(ln, sparse).expected).all()


def test_a_series_never_measured_has_no_response_on_any_day() -> None:
    loads, ln = athlete(5e-5, 4e-4, seed=1)
    unmeasured = fit_response(np.full(DAYS, np.nan), loads)
    assert all(np.isnan(getattr(unmeasured, f)).all() for f in unmeasured.__slots__)
    assert all(getattr(unmeasured, f).shape == (DAYS,) for f in unmeasured.__slots__)
    # Measured on too few mornings in every window: no day has a response either.
    sparse = np.where(np.arange(DAYS) % 20 == 0, ln, np.nan)
    fitted = fit_response(sparse, loads)
    assert all(np.isnan(getattr(fitted, f)).all() for f in fitted.__slots__)


def test_a_day_is_fitted_from_its_past_only_and_the_same_in_any_range() -> None:
    loads, ln = athlete(5e-5, 4e-4, seed=2)
    whole = fit_response(ln, loads)
    for first in (250, 333, DAYS - 1):
        alone = fit_response(ln, loads, first=first)
        assert np.array_equal(alone.expected, whole.expected[first:], equal_nan=True)
    # Changing the future changes nothing before it.
    later = ln.copy()
    later[350:] += 1.0
    assert np.array_equal(
        fit_response(later, loads).expected[:350], whole.expected[:350], equal_nan=True
    )
    # Nor does the morning itself: what a morning is expected to be comes from the days before.
    assert np.array_equal(
        fit_response(later, loads).expected[:351], whole.expected[:351], equal_nan=True
    )


def nights_and_sessions(drop_without_load: bool) -> History:
    """A sensitive athlete's year; on the last morning a drop, after hard days or after rest."""
    loads, ln = athlete(5e-5, 4e-4, seed=3)
    loads = loads[:400].copy()
    if drop_without_load:
        loads[-4:] = 0.0  # four rest days, then HRV falls anyway
    else:
        loads[-4:] = 600.0  # four hard days: the fall is what the response predicts
    ln = ln[:400] + 0.0
    fatigue = 4e-4 * _impulse(loads, 4.0)
    ln[-1] = (
        4.0 + 5e-5 * _impulse(loads, 42.0)[-1] - fatigue[-1] - (0.45 if drop_without_load else 0)
    )
    return history_of(loads, ln)


def history_of(loads: FloatArray, ln: FloatArray, rhr: FloatArray | None = None) -> History:
    """Sam's nights (ln rMSSD, resting HR: 50 bpm unless given) and a run on every load day."""
    resting = np.full(ln.size, 50.0) if rhr is None else rhr
    nights = [
        Night("sam", START + timedelta(days=i), "ring", math.exp(v), float(r), 450.0)
        for i, (v, r) in enumerate(zip(ln, resting, strict=True))
    ]
    sessions = [
        CompletedSession("sam", START + timedelta(days=i), "log", "18:00", "run", 60.0,
                         rpe=load / 60)
        for i, load in enumerate(loads) if load > 0
    ]  # fmt: skip
    return History("sam", ["ring"], nights, sessions=sessions)


def test_a_drop_training_explains_is_expected_fatigue_and_one_it_does_not_is_unexplained() -> None:
    last = START + timedelta(days=399)
    [after_training] = decide_days(nights_and_sessions(drop_without_load=False), days=[last])
    [after_rest] = decide_days(nights_and_sessions(drop_without_load=True), days=[last])
    assert after_training.readiness.expected_ln_rmssd is not None
    said = "as expected after yesterday's 60-minute run and the days before"
    assert any(said in r for r in after_training.reasons)
    assert any("unexplained by training" in r for r in after_rest.reasons)
    assert after_rest.readiness.load_response is not None
    assert after_rest.readiness.load_response.startswith("Your HRV answers your training")


def test_the_forecast_runs_the_fitted_model_forward_exactly() -> None:
    from recoveryd.engine.forecast import forecast  # noqa: PLC0415

    loads, ln = athlete(5e-5, 4e-4, seed=3)
    k = 330
    fitted = fit_response(ln[: k + 1], loads[: k + 1], first=k)
    ahead = loads[k : k + 7]
    mornings = forecast(fitted, 0, list(ahead))
    # The same model, with day k's parameters, over the whole series: the impulses of the
    # seven mornings after day k.
    tau1, tau2 = float(fitted.tau1[0]), float(fitted.tau2[0])
    fitness, fatigue = _impulse(loads, tau1), _impulse(loads, tau2)
    p0, k1, k2 = float(fitted.p0[0]), float(fitted.k1[0]), float(fitted.k2[0])
    expected = p0 + k1 * fitness[k + 1 : k + 8] - k2 * fatigue[k + 1 : k + 8]
    assert np.allclose(mornings, expected, atol=6e-4)  # rounded to 3 decimals
    # A week of rest forecasts recovery: each morning above the one before.
    rest = forecast(fitted, 0, [0.0] * 7)
    assert all(b > a for a, b in itertools.pairwise(rest))
    # Its 7-day mean tracks what happened better than the 60-day mean does, over many weeks.
    errors, naive = [], []
    whole = fit_response(ln, loads)
    for day in range(240, DAYS - 7, 7):
        week = forecast(whole, day, list(loads[day : day + 7]))
        actual = float(ln[day + 1 : day + 8].mean())
        errors.append(sum(week) / 7 - actual)
        naive.append(float(ln[day - 60 : day].mean()) - actual)
    assert rmse(np.array(errors), np.zeros(len(errors))) < rmse(
        np.array(naive), np.zeros(len(naive))
    )


def test_a_week_forecast_below_the_range_eases_its_hardest_session() -> None:
    from recoveryd.domain.training import Session  # noqa: PLC0415
    from recoveryd.engine.forecast import week_ahead  # noqa: PLC0415
    from recoveryd.engine.plan import TrainingPlan  # noqa: PLC0415

    loads, ln = athlete(5e-5, 4e-4, seed=1)
    fitted = fit_response(ln, loads, first=DAYS - 1)
    day = date(2026, 3, 2)  # a Monday
    intervals = Session("Intervals", "run", 90, "hard", target_rpe=8.0)
    easy = Session("Easy run", "run", 40, "easy")
    plan = TrainingPlan(sessions={0: easy, 3: intervals, 5: easy})
    as_planned = week_ahead(fitted, 0, day=day, plan=plan, adjusted=easy, band_low=-10.0,
                            scale=1.0, hard_day=True)  # fmt: skip
    assert as_planned is not None
    assert as_planned.reason is None  # far above the range: nothing eased
    assert as_planned.forecast.planned == as_planned.forecast.adjusted
    high = sum(as_planned.forecast.planned) / 7 + 0.01  # the plan would end just below it
    eased = week_ahead(fitted, 0, day=day, plan=plan, adjusted=easy, band_low=high,
                       scale=1.0, hard_day=True)  # fmt: skip
    assert eased is not None
    assert eased.reason is not None
    assert "easing Thursday's Intervals" in eased.reason
    assert eased.session == easy  # today's session is not the hardest: it stays
    assert eased.forecast.eased == "Thursday"
    assert sum(eased.forecast.adjusted) > sum(eased.forecast.planned)  # easing helps
    # When today's is the hardest and the rules let it go ahead, today's is eased.
    today_hard = week_ahead(fitted, 0, day=day + timedelta(days=3), plan=plan,
                            adjusted=intervals, band_low=high, scale=1.0,
                            hard_day=True)  # fmt: skip
    assert today_hard is not None
    assert today_hard.session is not None
    assert today_hard.session.intensity == "easy"
    assert today_hard.reason is not None
    assert "easing today's Intervals" in today_hard.reason
    # Without a response there is no forecast at all.
    none = fit_response(*reversed(athlete(0.0, 0.0, seed=2)), first=DAYS - 1)
    assert week_ahead(none, 0, day=day, plan=plan, adjusted=easy, band_low=high, scale=1.0,
                      hard_day=True) is None  # fmt: skip


def test_resting_hr_gets_its_own_fitted_response_and_a_flat_one_none() -> None:
    loads, ln = athlete(5e-5, 4e-4, seed=4)
    rng = np.random.default_rng(9)
    # Fatigue raises resting HR: 0.01 bpm per unit of the 4-day fatigue impulse.
    rhr = 50.0 + 0.01 * _impulse(loads, 4.0) + rng.normal(0, 1.0, DAYS)
    flat = 50.0 + rng.normal(0, 1.0, DAYS)

    days = [START + timedelta(days=i) for i in range(300, DAYS)]
    answering = decide_days(history_of(loads, ln, rhr), days=days)
    expected = np.array([p.readiness.expected_rhr_bpm or np.nan for p in answering])
    assert np.isfinite(expected).mean() > 0.9
    truth = 50.0 + 0.01 * _impulse(loads, 4.0)[300:]
    measured = rhr[300:]
    known = np.isfinite(expected)
    # Closer to what happened than the 60-day mean, and to the truth within the noise.
    assert rmse(expected[known], measured[known]) < rmse(
        np.array([rhr[i - 60 : i].mean() for i in range(300, DAYS)])[known], measured[known]
    )
    assert rmse(expected[known], truth[known]) < 0.8
    words = answering[-1].readiness.load_response
    assert words is not None
    assert "Resting HR answers too" in words
    ignoring = decide_days(history_of(loads, ln, flat), days=days)
    assert np.mean([p.readiness.expected_rhr_bpm is None for p in ignoring]) > 0.95


def test_a_drop_training_does_not_explain_counts_as_acute_one_it_explains_does_not() -> None:
    last = START + timedelta(days=399)

    def decided(*, after_rest: bool, depth_sd: float | None) -> DayPlan:
        history = nights_and_sessions(drop_without_load=after_rest)
        if depth_sd is not None:
            [probe] = decide_days(history, days=[last])
            today = probe.readiness.contributor("hrv_today")
            assert today is not None
            assert today.baseline is not None
            assert today.band_low is not None
            sd = today.baseline - today.band_low  # the acute line is the mean - 1 SD
            morning = today.baseline - depth_sd * sd
            nights = [*history.nights[:-1], replace(history.nights[-1],  # type: ignore[index]
                                                    hrv_rmssd_ms=math.exp(morning))]  # fmt: skip
            history = replace(history, nights=nights)
        [plan] = decide_days(history, days=[last])
        return plan

    # Three quarters of an SD below the baseline: above Kiviniemi's 1-SD line.
    rested = decided(after_rest=True, depth_sd=0.75)
    trained = decided(after_rest=False, depth_sd=0.75)
    assert rested.readiness.acute_hrv_drop is True  # nothing explains it: it weighs more
    assert any("counts as an acute drop" in r for r in rested.reasons)
    hrv_today = rested.readiness.contributor("hrv_today")
    assert hrv_today is not None
    assert "further than your training explains" in hrv_today.reason
    assert trained.readiness.acute_hrv_drop is False  # four hard days explain it
    assert any("as expected after yesterday's 60-minute run" in r for r in trained.reasons)
    assert "hrv_today" in rested.readiness.flags
    assert "hrv_today" not in trained.readiness.flags

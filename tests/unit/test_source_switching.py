# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Sources that follow the person's devices, calibration across a switch, and no-data days."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.engine import History, decide_days
from recoveryd.engine.calibration import calibrate

START = date(2026, 1, 1)


def day(i: int) -> date:
    return START + timedelta(days=i)


def switch(
    *, retire: int, arrive: int, days: int, seed: int = 7
) -> tuple[list[Night], list[float], list[float]]:
    """Oura until ``retire`` (excluded), WHOOP from ``arrive``, one person's true ln rMSSD.

    WHOOP reads 1.1 x + 0.3 of the ring's ln rMSSD (another scale and level), with its own
    small noise. Returns the nights, the oura and the whoop ln values per day (NaN: none).
    """
    rng = np.random.default_rng(seed)
    truth = 4.0 + rng.normal(0.0, 0.15, days)
    ring = [float(x) if i < retire else math.nan for i, x in enumerate(truth)]
    strap = [
        float(1.1 * x + 0.3 + rng.normal(0.0, 0.03)) if i >= arrive else math.nan
        for i, x in enumerate(truth)
    ]
    nights = []
    for i in range(days):
        if not math.isnan(ring[i]):
            nights.append(Night("alex", day(i), "oura", hrv_rmssd_ms=math.exp(ring[i])))
        if not math.isnan(strap[i]):
            nights.append(Night("alex", day(i), "whoop", hrv_rmssd_ms=math.exp(strap[i])))
    return nights, ring, strap


def decide(nights: list[Night], i: int, **history: object) -> tuple[Protocol, tuple[str, ...], str]:
    [plan] = decide_days(History("alex", ["oura", "whoop"], nights, **history), days=[day(i)])  # type: ignore[arg-type]
    return plan.protocol, plan.reasons, plan.readiness.hrv_source or ""


def test_a_retired_ring_yields_to_the_strap_the_first_night_it_is_missing() -> None:
    nights, _, _ = switch(retire=100, arrive=120, days=180)
    for i in range(120, 134):  # WHOOP alone, no overlap: its own baseline, named
        protocol, reasons, source = decide(nights, i)
        assert source == "whoop"
        assert protocol is Protocol.INSUFFICIENT_DATA
        assert reasons[0].startswith(f"Only {i - 120} valid HRV days from whoop")
    protocol, reasons, source = decide(nights, 135)
    assert (source, protocol) != ("whoop", Protocol.INSUFFICIENT_DATA)
    assert "calibrated" not in " ".join(reasons)  # nothing shared: nothing carried over


def test_an_overlap_carries_the_baseline_over_with_the_fitted_line() -> None:
    nights, ring, strap = switch(retire=121, arrive=100, days=160)
    shared = [i for i in range(160) if not math.isnan(ring[i]) and not math.isnan(strap[i])]
    assert len(shared) == 21
    [plan] = decide_days(History("alex", ["oura", "whoop"], nights), days=[day(125)])
    assert plan.readiness.hrv_source == "whoop"
    assert plan.protocol is not Protocol.INSUFFICIENT_DATA
    assert plan.readiness.hrv_valid_days == 60  # the ring's nights count, mapped
    [note] = [r for r in plan.reasons if "calibrated" in r]
    assert note.startswith("whoop calibrated to oura over 21 shared nights (rMSSD ±")
    # The baseline is the ring's 60 nights before the day, each mapped onto WHOOP's scale
    # by the standardised major axis of the 21 shared nights, mixed with WHOOP's own.
    x = np.array([ring[i] for i in shared])
    y = np.array([strap[i] for i in shared])
    slope = float(np.std(y, ddof=1) / np.std(x, ddof=1))
    intercept = float(y.mean() - slope * x.mean())
    window = [
        strap[i] if not math.isnan(strap[i]) else intercept + slope * ring[i]
        for i in range(125 - 60, 125)
    ]
    trend = plan.readiness.contributor("hrv_trend")
    assert trend is not None
    assert trend.baseline == pytest.approx(statistics.fmean(window), abs=1e-9)
    today = plan.readiness.contributor("hrv_today")
    assert today is not None
    assert today.value == pytest.approx(strap[125], abs=1e-9)
    sd = statistics.stdev(window)
    assert today.z == pytest.approx((strap[125] - statistics.fmean(window)) / sd, abs=1e-6)


def test_a_short_overlap_is_not_enough_to_calibrate() -> None:
    nights, _, _ = switch(retire=110, arrive=100, days=140)  # 10 shared nights
    protocol, reasons, source = decide(nights, 112)
    assert source == "whoop"
    assert protocol is Protocol.INSUFFICIENT_DATA
    assert reasons[0].startswith("Only 12 valid HRV days from whoop")


def test_the_preferred_source_is_read_whenever_it_has_the_night() -> None:
    nights, _, _ = switch(retire=200, arrive=0, days=120)  # both, every night
    _, reasons, source = decide(nights, 100)
    assert source == "oura"
    assert not any("calibrated" in r for r in reasons)
    # A night the ring missed is read from the strap, against the strap's own baseline.
    without = [n for n in nights if not (n.source == "oura" and n.date == day(100))]
    _, reasons, source = decide(without, 100)
    assert source == "whoop"
    assert not any("calibrated" in r for r in reasons)  # WHOOP has its own 60 nights


def test_a_day_without_any_input_is_insufficient_data_and_names_the_silence() -> None:
    nights, _, _ = switch(retire=90, arrive=0, days=100)
    nights = [n for n in nights if n.date <= day(93)]
    checkins = [CheckIn("alex", day(i), energy=4, mood=4) for i in range(90)]
    protocol, reasons, _ = decide(nights, 96, checkins=checkins)
    assert protocol is Protocol.INSUFFICIENT_DATA
    assert reasons == (
        f"No data for today: oura silent since {day(89)}; whoop silent since {day(93)}. "
        "Train as planned, by feel.",
    )
    # A check-in alone is an input: the day is decided from it and the trend.
    protocol, reasons, _ = decide(
        nights, 96, checkins=[*checkins, CheckIn("alex", day(96), energy=4, mood=4)]
    )
    assert protocol is not Protocol.INSUFFICIENT_DATA
    assert not reasons[0].startswith("No data")


def test_a_source_that_never_reported_is_named_as_such() -> None:
    nights = [Night("alex", day(i), "oura", hrv_rmssd_ms=60.0 + i % 3) for i in range(70)]
    [plan] = decide_days(History("alex", ["oura", "whoop"], nights), days=[day(75)])
    assert plan.protocol is Protocol.INSUFFICIENT_DATA
    assert plan.reasons[0] == (
        f"No data for today: oura silent since {day(69)}; whoop has no recent nights. "
        "Train as planned, by feel."
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(3.0, 5.0), min_size=20, max_size=60),
    st.floats(0.6, 1.6),
    st.floats(-1.0, 1.0),
)
def test_calibration_recovers_an_exact_line(x: list[float], slope: float, shift: float) -> None:
    other = np.array(x)
    if np.std(other) < 1e-3:
        return
    target = slope * other + shift
    line = calibrate(target, other, min_shared=14)
    assert line.valid[-1]
    assert line.shared[-1] == len(x)
    assert line.slope[-1] == pytest.approx(slope, rel=1e-6)
    assert line.intercept[-1] == pytest.approx(shift, abs=1e-6)
    assert line.error[-1] == pytest.approx(0.0, abs=1e-6)
    assert not line.valid[12]  # 13 shared nights: too few


def test_calibration_uses_no_later_night() -> None:
    rng = np.random.default_rng(3)
    other = rng.normal(4.0, 0.2, 40)
    target = 1.2 * other + 0.1 + rng.normal(0, 0.02, 40)
    full = calibrate(target, other, min_shared=14)
    cut = calibrate(target[:25], other[:25], min_shared=14)
    assert full.slope[24] == pytest.approx(cut.slope[24], rel=1e-12)
    assert full.intercept[24] == pytest.approx(cut.intercept[24], rel=1e-12)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Properties of the engine that must hold for any history (hypothesis)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.domain.models import Night, Protocol
from recoveryd.engine import History, decide_days, decide_outcomes

from tests.unit.test_engine import DAY, full_history

# From least to most protective; insufficient_data stands outside the order.
SEVERITY = {
    Protocol.PROGRESSIVE_OVERLOAD: 0,
    Protocol.AS_PLANNED: 1,
    Protocol.MOBILITY: 2,
    Protocol.ACTIVE_RECOVERY: 3,
    Protocol.REST: 4,
}


def protocol_of(history: list[Night]) -> Protocol:
    [plan] = decide_days(History("alex", ["oura"], history), days=[DAY])
    return plan.protocol


# (field, direction that is worse): higher RHR, breathing and skin temperature; less sleep.
WORSENING = [
    ("rhr_bpm", +1.0),
    ("resp_rate", +1.0),
    ("skin_temp_dev_c", +1.0),
    ("sleep_total_min", -1.0),
]


@settings(max_examples=60, deadline=None)
@given(
    field=st.sampled_from(WORSENING),
    base=st.floats(min_value=-3, max_value=3),
    step=st.floats(min_value=0, max_value=6),
)
def test_a_worse_secondary_signal_never_gives_a_harder_day(
    field: tuple[str, float], base: float, step: float
) -> None:
    name, direction = field
    # Scale so one unit is about one baseline SD of the steady history.
    scale = {"rhr_bpm": 1.0, "resp_rate": 0.2, "skin_temp_dev_c": 0.1, "sleep_total_min": 10.0}[
        name
    ]
    centre = {"rhr_bpm": 51.0, "resp_rate": 14.2, "skin_temp_dev_c": 0.0, "sleep_total_min": 460.0}[
        name
    ]
    history = full_history()
    first = centre + direction * base * scale
    second = centre + direction * (base + step) * scale
    better = [replace(n, **{name: first}) if n.date == DAY else n for n in history]  # type: ignore[arg-type]
    worse = [replace(n, **{name: second}) if n.date == DAY else n for n in history]  # type: ignore[arg-type]
    assert SEVERITY[protocol_of(worse)] >= SEVERITY[protocol_of(better)]


@settings(max_examples=60, deadline=None)
@given(base=st.floats(min_value=3.0, max_value=4.1), step=st.floats(min_value=0, max_value=1.0))
def test_a_lower_hrv_never_gives_a_harder_day_below_the_baseline(base: float, step: float) -> None:
    """Lower HRV is worse up to the baseline mean. Above it the design deliberately treats a
    high HRV as no licence to push (Plews et al. 2012), so there lower is not simply worse."""
    history = full_history()
    better = [replace(n, hrv_rmssd_ms=math.exp(base)) if n.date == DAY else n for n in history]
    worse = [
        replace(n, hrv_rmssd_ms=math.exp(base - step)) if n.date == DAY else n for n in history
    ]
    assert SEVERITY[protocol_of(worse)] >= SEVERITY[protocol_of(better)]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_the_order_nights_were_stored_in_changes_nothing(seed: int) -> None:
    history = full_history()
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    assert decide_days(History("alex", ["oura"], shuffled), days=[DAY]) == decide_days(
        History("alex", ["oura"], history), days=[DAY]
    )


Row = tuple[int, float | None, float | None, float | None, float | None]
values = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.just(0.0),
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=90), values, values, values, values),
        max_size=120,
    )
)
def test_any_history_gives_a_clear_outcome(rows: list[Row]) -> None:
    """NaN, infinities, zeros, negatives, constants, gaps and an empty history never crash."""
    start = DAY - timedelta(days=90)
    nights = [
        Night("alex", start + timedelta(days=offset), "oura", hrv, rhr, sleep, resp_rate=resp)
        for offset, hrv, rhr, sleep, resp in rows
    ]
    [plan] = decide_days(History("alex", ["oura"], nights), days=[DAY])
    assert plan.protocol in set(Protocol)
    assert plan.reasons
    assert plan.readiness.score is None or 0 <= plan.readiness.score <= 100
    assert all(math.isfinite(c.value) for c in plan.readiness.contributors)


def test_constant_history_is_not_a_crash_and_not_a_guess() -> None:
    nights = [Night("alex", DAY - timedelta(days=i), "oura", 60.0, 50.0, 450.0) for i in range(90)]
    [plan] = decide_days(History("alex", ["oura"], nights), days=[DAY])
    # No spread: no z-score, no HRV status; the day is decided from what remains.
    assert plan.readiness.contributor("rhr") is not None
    assert plan.readiness.contributor("hrv_trend") is None
    assert plan.protocol is Protocol.AS_PLANNED


def test_the_fast_path_decides_exactly_like_the_explained_one() -> None:
    end = date(2026, 3, 4)
    nights, checkins = generate(end)
    sessions = generate_sessions(end)
    for athlete, source in (("alex", "oura"), ("sam", "garmin")):
        history = History(
            athlete,
            [source],
            [n for n in nights if n.athlete == athlete],
            [c for c in checkins if c.athlete == athlete],
            [s for s in sessions if s.athlete == athlete],
            overrides={end - timedelta(days=3): Protocol.REST},
        )
        first = end - timedelta(days=120)
        days = [first + timedelta(days=i) for i in range(121)]
        plans = decide_days(history, days=days)
        outcomes = decide_outcomes(history, first=first, last=end)
        assert list(outcomes.protocols) == [p.protocol for p in plans]
        assert [None if math.isnan(s) else int(s) for s in outcomes.score] == [
            p.readiness.score for p in plans
        ]
        assert list(outcomes.flags) == [len(p.readiness.flags) for p in plans]


@given(
    loads=st.lists(st.floats(0, 2000) | st.just(0.0), max_size=5000),
    weight=st.sampled_from([1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7), 2 / 8, 2 / 29])
    | st.floats(0.01, 0.6),
)
def test_the_load_ewma_is_scipy_s_linear_filter(loads: list[float], weight: float) -> None:
    from recoveryd.engine.load import ewma  # noqa: PLC0415
    from scipy.signal import lfilter  # noqa: PLC0415 - the reference, in the test only

    values = np.asarray(loads, dtype=float)
    expected = lfilter([weight], [1.0, weight - 1.0], values)
    np.testing.assert_allclose(ewma(values, weight), expected, rtol=1e-9, atol=1e-9)

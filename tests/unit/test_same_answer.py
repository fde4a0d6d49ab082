# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A day's decision is the same however it is asked: alone, in a range, in a whole replay.

Random histories (two devices with a switch between them, gaps, sessions with and without
heart rate and RPE, check-ins) are decided three ways: every day in one call, the days in
random chunks, and single days alone, each call seeing only what is stored up to its last
day (as the store gives it). Decision, load context, reasons, contributors and the adjusted
session must be identical.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from recoveryd.domain.columns import CheckInColumns, NightColumns, SessionColumns
from recoveryd.domain.models import CheckIn, DayPlan, Night
from recoveryd.domain.training import CompletedSession, Session
from recoveryd.engine import History, TrainingPlan, decide_days
from recoveryd.engine.load import HeartRateZones, Sex, load_days
from recoveryd.engine.plan import LastRpe
from recoveryd.store.database import Store

START = date(2024, 1, 1)
ZONES = HeartRateZones(48.0, 188.0, Sex.FEMALE)
PLAN = TrainingPlan(
    sessions={
        1: Session("Intervals", "run", 60, "hard", target_rpe=8.0),
        3: Session("Tempo", "run", 50, "moderate", target_rpe=6.0),
        5: Session("Long run", "run", 100, "easy", target_rpe=4.0),
    }
)


def history_of(seed: int, days: int) -> History:
    """Two rings one after the other (overlapping), gaps, sessions and check-ins."""
    rng = np.random.default_rng(seed)
    switch = int(rng.integers(days // 3, 2 * days // 3))
    overlap = int(rng.integers(0, 40))
    nights, checkins, sessions = [], [], []
    ln = 4.0 + np.cumsum(rng.normal(0, 0.03, days)) + rng.normal(0, 0.1, days)
    for i in range(days):
        day = START + timedelta(days=i)
        for source, on, scale in (("oura", i < switch + overlap, 1.0), ("whoop", i >= switch, 1.2)):
            if on and rng.random() > 0.08:
                rmssd = float(np.exp(ln[i]) * scale * rng.normal(1, 0.03))
                nights.append(Night(
                    "alex", day, source, rmssd, float(55 - 8 * (ln[i] - 4) + rng.normal(0, 1)),
                    float(440 + rng.normal(0, 35)), resp_rate=float(14.5 + rng.normal(0, 0.3)),
                    skin_temp_dev_c=float(rng.normal(0, 0.15)),
                ))  # fmt: skip
        if rng.random() < 0.5:
            checkins.append(CheckIn("alex", day, *(int(v) for v in rng.integers(1, 6, 5))))
        if rng.random() < 0.6:
            sessions.append(CompletedSession(
                "alex", day, "strava", "18:00", "run", float(rng.integers(20, 120)),
                rpe=None if rng.random() < 0.1 else float(rng.integers(2, 10)),
                avg_hr=None if rng.random() < 0.15 else float(rng.integers(120, 175)),
            ))  # fmt: skip
    return History("alex", ["oura", "whoop"], nights, checkins, sessions)


def up_to(history: History, last: date) -> History:
    """What the store holds for a decision up to ``last``."""
    assert not isinstance(history.nights, NightColumns)
    assert not isinstance(history.checkins, CheckInColumns)
    assert not isinstance(history.sessions, SessionColumns)
    return History(
        history.athlete, history.preference,
        [n for n in history.nights if n.date <= last],
        [c for c in history.checkins if c.date <= last],
        [s for s in history.sessions if s.date <= last],
    )  # fmt: skip


def decided(history: History, days: Sequence[date], zones: HeartRateZones | None) -> list[DayPlan]:
    return decide_days(up_to(history, max(days)), days=days, plan=PLAN, zones=zones)


@settings(max_examples=30, deadline=None)
# Sessions before the first night: the load response must read them in every range.
@example(seed=142, days=217, cuts=[0.5], alone=[0.5], zones=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    days=st.integers(min_value=120, max_value=420),
    cuts=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=5),
    alone=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=4),
    zones=st.sampled_from([None, ZONES]),
)
def test_a_day_is_decided_the_same_in_any_range(
    seed: int, days: int, cuts: list[float], alone: list[float], zones: HeartRateZones | None
) -> None:
    history = history_of(seed, days)
    first = START + timedelta(days=60)
    every = [first + timedelta(days=i) for i in range(days - 60)]
    whole = decided(history, every, zones)
    edges = sorted({0, len(every), *(int(c * len(every)) for c in cuts)})
    chunked = [
        plan
        for lo, hi in itertools.pairwise(edges)
        if hi > lo
        for plan in decided(history, every[lo:hi], zones)
    ]
    assert chunked == whole
    for where in alone:
        k = min(int(where * len(every)), len(every) - 1)
        assert decided(history, [every[k]], zones) == [whole[k]]


def test_fitness_does_not_depend_on_where_the_range_begins() -> None:
    history = history_of(7, 400)
    day = START + timedelta(days=380)
    [late] = decided(history, [day], ZONES)
    [early] = decided(history, [START + timedelta(days=200), day], ZONES)[1:]
    assert late.load == early.load
    assert late.load is not None
    assert late.load.days_with_load > 0


def test_a_day_reads_trimp_when_every_session_before_it_had_a_heart_rate() -> None:
    zones = HeartRateZones(60.0, 190.0, Sex.MALE)
    yoga = [
        CompletedSession("alex", START + timedelta(days=i), "watch", "07:00", "yoga", 40.0,
                         rpe=3.0, avg_hr=58.0)  # below the resting rate: no TRIMP, yet measured
        for i in range(40)
    ]  # fmt: skip
    days = load_days(SessionColumns.of(yoga), START, 60, zones, window=126)
    assert bool(days.use_trimp[40])  # every session had a heart rate
    assert days.logged[40] == 0  # no day with TRIMP load above zero
    without = [*yoga, CompletedSession("alex", START + timedelta(days=41), "app", "18:00",
                                        "run", 30.0, rpe=6.0)]  # fmt: skip
    mixed = load_days(SessionColumns.of(without), START, 60, zones, window=126)
    assert not bool(mixed.use_trimp[42])  # a session without one: session-RPE
    assert mixed.logged[42] == 41  # the days with session-RPE load in the window


def test_the_latest_rpe_of_a_tie_is_the_first_session_stored() -> None:
    day = START + timedelta(days=100)
    tied = [
        CompletedSession("alex", day - timedelta(days=1), "garmin", "18:00", "run", 60, rpe=6.0),
        CompletedSession("alex", day - timedelta(days=1), "strava", "18:00", "run", 60, rpe=7.0),
    ]
    assert LastRpe(SessionColumns.of(tied)).before(day, "run") == 6.0
    assert LastRpe(SessionColumns.of(tied[::-1])).before(day, "run") == 7.0
    assert LastRpe(SessionColumns.of(tied)).before(day - timedelta(days=1), "run") is None


def test_the_store_hands_the_engine_columns_that_decide_as_the_nights_do(tmp_path: Path) -> None:
    history = history_of(11, 300)
    assert not isinstance(history.nights, NightColumns)
    assert not isinstance(history.checkins, CheckInColumns)
    assert not isinstance(history.sessions, SessionColumns)
    with Store(tmp_path / "r.db") as store:
        store.upsert(history.nights, history.checkins, history.sessions)
        last = START + timedelta(days=299)
        columns = store.night_columns("alex", date(1970, 1, 1), last)
        objects = store.nights("alex", date(1970, 1, 1), last)
        answered = store.checkin_columns("alex", date(1970, 1, 1), last)
        checkins = store.checkins("alex", date(1970, 1, 1), last)
        trained = store.session_columns("alex", date(1970, 1, 1), last)
        sessions = store.sessions("alex", date(1970, 1, 1), last)
    assert len(columns) == len(objects) == len(history.nights)
    again = NightColumns.of(objects)
    assert np.array_equal(columns.days, again.days)
    assert list(columns.sources) == list(again.sources)
    for metric, values in again.values.items():
        assert np.array_equal(columns.values[metric], values, equal_nan=True), metric
    assert np.isnan(columns.values["spo2_pct"]).all()  # never measured: NaN, not 0
    assert len(answered) == len(checkins) == len(history.checkins)
    by_objects = CheckInColumns.of(checkins)
    assert np.array_equal(answered.days, by_objects.days)
    assert np.array_equal(answered.items, by_objects.items, equal_nan=True)
    assert len(trained) == len(sessions) == len(history.sessions)
    again_sessions = SessionColumns.of(sessions)
    for name in ("days", "starts", "sports", "duration_min", "rpe", "avg_hr"):
        got, want = getattr(trained, name), getattr(again_sessions, name)
        assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), name
    days = [START + timedelta(days=i) for i in range(100, 300)]
    as_columns = History("alex", ["oura", "whoop"], columns, answered, trained)
    as_objects = History("alex", ["oura", "whoop"], objects, history.checkins, sessions)
    assert decide_days(as_columns, days=days, plan=PLAN, zones=ZONES) == decide_days(
        as_objects, days=days, plan=PLAN, zones=ZONES
    )

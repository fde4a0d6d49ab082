# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A club decided in worker processes gives every athlete the answer of the explained path."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from recoveryd.daemon.club import Member, decide_club
from recoveryd.daemon.deciding import stored_history
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.engine import decide_days
from recoveryd.engine.load import HeartRateZones, Sex
from recoveryd.store.database import Store

START = date(2025, 1, 1)
DAYS = 160


def fill(store: Store, athlete: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ln = 4.0 + rng.normal(0, 0.15, DAYS)
    nights = [
        Night(athlete, START + timedelta(days=i), "ring", float(np.exp(ln[i])),
              float(52 - 10 * (ln[i] - 4) + rng.normal(0, 1.5)), float(440 + rng.normal(0, 40)),
              resp_rate=float(14.5 + rng.normal(0, 0.4)))
        for i in range(DAYS) if rng.random() > 0.05
    ]  # fmt: skip
    checkins = [
        CheckIn(athlete, START + timedelta(days=i), *(int(v) for v in rng.integers(1, 6, 5)))
        for i in range(DAYS) if rng.random() > 0.3
    ]  # fmt: skip
    sessions = [
        CompletedSession(athlete, START + timedelta(days=i), "log", "18:00", "run",
                         float(rng.integers(30, 120)), rpe=float(rng.integers(2, 10)),
                         avg_hr=float(rng.integers(120, 170)))
        for i in range(DAYS) if rng.random() > 0.4
    ]  # fmt: skip
    store.upsert(nights, checkins, sessions)


def test_a_club_is_decided_as_each_athlete_alone(tmp_path: Path) -> None:
    path = tmp_path / "club.db"
    zones = HeartRateZones(50.0, 190.0, Sex.FEMALE)
    members = [Member(f"a{k}", ("ring",), zones if k % 2 else None) for k in range(7)]
    with Store(path) as store:
        for k, member in enumerate(members):
            fill(store, member.athlete, k)
        store.set_override("a3", START + timedelta(days=120), Protocol.REST, datetime_now())
    first, last = START + timedelta(days=90), START + timedelta(days=DAYS - 1)
    done: list[int] = []
    decided = dict(decide_club(path, members, first, last, workers=2, progress=done.append))
    assert sorted(decided) == sorted(m.athlete for m in members)
    assert done[-1] == len(members)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    with Store(path) as store:
        for member in members:
            history = stored_history(store, member.athlete, member.preference, first, last)
            plans = decide_days(history, days=days, zones=member.zones)
            outcomes = decided[member.athlete]
            assert outcomes.first == first
            assert list(outcomes.protocols) == [p.protocol for p in plans]
            assert [None if math.isnan(s) else int(s) for s in outcomes.score] == [
                p.readiness.score for p in plans
            ]
    assert decided["a3"].protocols[120 - 90] is Protocol.REST
    assert len({o.protocols for o in decided.values()}) > 1  # the athletes differ


def datetime_now() -> datetime:
    return datetime(2025, 6, 1, 6, 0, tzinfo=UTC)

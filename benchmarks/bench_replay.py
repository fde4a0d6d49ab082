# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Replay of 1,000 athletes x 365 days with every signal, against a plain per-day loop.

Each athlete has a year of nights (HRV, RHR, sleep, breathing, skin temperature), daily
check-ins and five training sessions a week, plus the 200 days of history before the year
that baselines and training load need. ``decide_outcomes`` decides the whole year at once;
the reference decides the same days one at a time in a Python loop (what a replay that
calls the live decision per day does), on a subset, timed in the same run.

    make bench            # or: .venv/bin/python benchmarks/bench_replay.py [ATHLETES]
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta

import numpy as np
from recoveryd.domain.models import CheckIn, Night
from recoveryd.domain.training import CompletedSession, Session
from recoveryd.engine import History, TrainingPlan, decide_days, decide_outcomes

FIRST = date(2025, 1, 1)
DAYS = 365
REFERENCE_ATHLETES = 5
HISTORY_BEFORE = 200  # days of history before the first replayed day


def athlete(index: int, rng: np.random.Generator, days: int = DAYS) -> History:
    start = FIRST - timedelta(days=HISTORY_BEFORE)
    span = (FIRST - start).days + days
    ln = 4.0 + rng.normal(0, 0.1, span)
    rhr = 52 - 10 * (ln - 4.0) + rng.normal(0, 1.2, span)
    sleep = 450 + rng.normal(0, 30, span)
    resp = 14.5 + rng.normal(0, 0.3, span)
    skin = rng.normal(0, 0.12, span)
    items = np.clip(np.round(4 + rng.normal(0, 0.7, (span, 5))), 1, 5).astype(int)
    name = f"athlete{index}"
    nights, checkins, sessions = [], [], []
    for i in range(span):
        day = start + timedelta(days=i)
        nights.append(
            Night(name, day, "ring", float(np.exp(ln[i])), float(rhr[i]), float(sleep[i]),
                  resp_rate=float(resp[i]), skin_temp_dev_c=float(skin[i]))
        )  # fmt: skip
        checkins.append(CheckIn(name, day, *(int(v) for v in items[i])))
        if day.weekday() < 5:
            sessions.append(
                CompletedSession(name, day, "log", "18:00", "run", 60, float(rng.integers(3, 9)))
            )
    return History(name, ["ring"], nights, checkins, sessions)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = np.random.default_rng(7)
    print(f"building {count} athletes x {DAYS} days ...", flush=True)
    histories = [athlete(i, rng) for i in range(count)]
    last = FIRST + timedelta(days=DAYS - 1)
    decide_outcomes(histories[0], first=FIRST, last=last)  # warm-up: lazy imports

    start = time.perf_counter()
    for history in histories:
        decide_outcomes(history, first=FIRST, last=last)
    replay = time.perf_counter() - start

    days = [FIRST + timedelta(days=i) for i in range(DAYS)]
    subset = histories[:REFERENCE_ATHLETES]
    start = time.perf_counter()
    for history in subset:
        for day in days:
            decide_days(history, days=[day])
    reference = time.perf_counter() - start
    fast_subset = replay / count * len(subset)

    print(
        f"replay: {count} athletes x {DAYS} days in {replay:.2f} s "
        f"({replay / count * 1000:.1f} ms per athlete-year; goal: under 5 s in all)"
    )
    print(
        f"per-day loop on {len(subset)} athletes: {reference:.2f} s; "
        f"the replay is {reference / fast_subset:.0f}x faster"
    )

    explained_per_day(rng)


def explained_per_day(rng: np.random.Generator) -> None:
    """The explained path (contributors, reasons, adjusted session) per day, by history length.

    Linear in days: the cost per day must not grow with the years decided.
    """
    plan = TrainingPlan(sessions={d: Session("Run", "run", 60, "moderate") for d in range(5)})
    for years in (1, 3, 10):
        days = 365 * years
        history = athlete(0, rng, days)
        every = [FIRST + timedelta(days=i) for i in range(days)]
        decide_days(history, days=every[:7], plan=plan)  # warm-up
        start = time.perf_counter()
        decide_days(history, days=every, plan=plan)
        elapsed = time.perf_counter() - start
        print(f"explained path, {years:2d} year(s): {elapsed / days * 1e6:6.0f} us per day")


if __name__ == "__main__":
    main()

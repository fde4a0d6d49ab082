# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A club's decade from the store: 1,000 athletes x 10 years decided in two worker processes.

The store (SQLite on disk, built once under ``.cache/bench-club``: nights of five metrics,
daily check-ins and five sessions a week for every athlete) is read as columns through its
column blocks; ``decide_club`` decides every day of every athlete. Timed twice: the first run
builds each athlete's blocks from the rows (what follows an import of everything), the
second reads them. The peak memory is read from the processes (``ru_maxrss``). For scale, the
same athletes' rows are read one tuple per row as the store did before blocks, in the same
run, on a subset.

    make bench            # or: .venv/bin/python -m benchmarks.bench_club [ATHLETES] [YEARS]
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from recoveryd.daemon.club import Member, decide_club
from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS
from recoveryd.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
FIRST = date(2016, 1, 1)
WORKERS = 2
SUBSET = 20


def build(path: Path, athletes: int, years: int) -> None:
    """Fill a new store's tables directly (the journal is not what is measured here)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".building")
    scratch.unlink(missing_ok=True)
    Store(scratch).close()
    span = 365 * years
    days = [(FIRST + timedelta(days=i)).isoformat() for i in range(span)]
    rng = np.random.default_rng(7)
    metrics = ("hrv_rmssd_ms", "rhr_bpm", "sleep_total_min", "resp_rate", "skin_temp_dev_c")
    assert set(metrics) <= set(NIGHT_METRICS)
    with sqlite3.connect(scratch) as db:
        for a in range(athletes):
            name = f"athlete{a:05d}"
            ln = 4.0 + rng.normal(0, 0.1, span)
            columns = (
                np.exp(ln), 52 - 10 * (ln - 4.0) + rng.normal(0, 1.2, span),
                450 + rng.normal(0, 30, span), 14.5 + rng.normal(0, 0.3, span),
                rng.normal(0, 0.12, span),
            )  # fmt: skip
            db.executemany(
                f"INSERT INTO nights (athlete, date, source, {', '.join(metrics)}) "
                f"VALUES (?, ?, 'ring', {', '.join('?' * len(metrics))})",
                zip([name] * span, days, *(c.tolist() for c in columns), strict=True),
            )
            items = np.clip(np.round(4 + rng.normal(0, 0.7, (span, len(CHECKIN_ITEMS)))), 1, 5)
            db.executemany(
                f"INSERT INTO checkins (athlete, date, {', '.join(CHECKIN_ITEMS)}) "
                f"VALUES (?, ?, {', '.join('?' * len(CHECKIN_ITEMS))})",
                ([name, d, *row] for d, row in zip(days, items.astype(int).tolist(), strict=True)),
            )
            rpe = rng.integers(3, 9, span).tolist()
            db.executemany(
                "INSERT INTO sessions (athlete, date, source, start, sport, duration_min, rpe) "
                "VALUES (?, ?, 'log', '18:00', 'run', 60, ?)",
                ((name, d, r) for i, (d, r) in enumerate(zip(days, rpe, strict=True)) if i % 7 < 5),
            )
            if a % 100 == 99:
                print(f"  {a + 1} of {athletes} athletes stored", flush=True)
    scratch.rename(path)


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    athletes = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    path = ROOT / ".cache" / "bench-club" / f"club-{athletes}x{years}.db"
    if not path.exists():
        print(f"building the store: {athletes} athletes x {years} years ...", flush=True)
        start = time.perf_counter()
        build(path, athletes, years)
        print(f"  built in {time.perf_counter() - start:.0f} s", flush=True)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM column_blocks")  # the first run below builds them
    members = [Member(f"athlete{a:05d}", ("ring",)) for a in range(athletes)]
    last = FIRST + timedelta(days=365 * years - 1)
    athlete_years = athletes * years
    baseline = peak_mb(resource.RUSAGE_SELF)
    runs = []
    for label in ("first run (blocks built from the rows)", "second run (blocks read)"):
        start = time.perf_counter()
        decided = dict(decide_club(path, members, FIRST, last, workers=WORKERS))
        elapsed = time.perf_counter() - start
        runs.append(elapsed)
        assert len(decided) == athletes
        days = sum(len(o.protocols) for o in decided.values())
        assert days == athletes * 365 * years
        print(
            f"{label}: {athlete_years:,} athlete-years ({days:,} days) in {elapsed:.2f} s "
            f"on {WORKERS} workers, {elapsed / athlete_years * 1000 * WORKERS:.2f} ms of a "
            "core per athlete-year"
        )
        del decided
    parent, worker = peak_mb(resource.RUSAGE_SELF), peak_mb(resource.RUSAGE_CHILDREN)
    print(
        f"peak memory: this process {parent:.0f} MB (at start {baseline:.0f} MB), the largest "
        f"worker {worker:.0f} MB: at most {parent + WORKERS * worker:.0f} MB together "
        "(goal: under 500 MB)"
    )
    print(f"goal: 10,000 athlete-years in under 5 s; measured {runs[-1]:.2f} s")
    rows_per_tuple(path, athletes, years)


def read_histories(store: Store, athletes: int) -> float:
    """Seconds to read the first ``athletes`` athletes' whole histories as columns."""
    ever, end = date(1970, 1, 1), date(2100, 1, 1)
    start = time.perf_counter()
    for a in range(athletes):
        name = f"athlete{a:05d}"
        store.night_columns(name, ever, end)
        store.checkin_columns(name, ever, end)
        store.session_columns(name, ever, end)
    return time.perf_counter() - start


def rows_per_tuple(path: Path, athletes: int, years: int) -> None:
    """Reading the rows one tuple each (the store without blocks), on a subset, in one process."""
    subset = min(SUBSET, athletes)
    with sqlite3.connect(path) as db:
        saved = db.execute("SELECT * FROM column_blocks").fetchall()
        db.execute("DELETE FROM column_blocks")
    with Store(path) as store:  # no blocks, and it keeps none: every read is of the rows
        rows = read_histories(store, subset)
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO column_blocks VALUES (?, ?, ?, ?, ?)", saved)
    with Store(path) as store:
        blocks = read_histories(store, subset)
    per = subset * years
    print(
        f"reading history, per athlete-year: rows one tuple each {rows / per * 1000:.2f} ms, "
        f"column blocks {blocks / per * 1000:.3f} ms ({rows / blocks:.0f}x)"
    )


if __name__ == "__main__":
    main()

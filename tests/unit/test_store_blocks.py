# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Column blocks: the store's columns equal its rows after every kind of change."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from recoveryd.domain.columns import CheckInColumns, NightColumns, SessionColumns
from recoveryd.domain.models import CheckIn, Night
from recoveryd.domain.training import CompletedSession
from recoveryd.store.database import Store

START = date(2026, 1, 1)
EVER, LAST = date(1970, 1, 1), date(2030, 1, 1)


def fill(store: Store, athlete: str = "alex", days: int = 40) -> int:
    """Nights of two sources, check-ins and sessions; the import's id."""
    nights = [
        Night(athlete, START + timedelta(days=i), source, 50.0 + i, 52.0 - i % 3, 420.0 + i,
              resp_rate=None if i % 4 else 14.0)
        for i in range(days) for source in ("oura", "whoop") if source == "oura" or i % 2
    ]  # fmt: skip
    checkins = [CheckIn(athlete, START + timedelta(days=i), 4, 3, None, 5, 2) for i in range(days)]
    sessions = [
        CompletedSession(athlete, START + timedelta(days=i), "strava", "18:00", "run", 45.0,
                         rpe=None if i % 5 == 0 else 6.0, avg_hr=140.0 if i % 2 else None)
        for i in range(0, days, 2)
    ]  # fmt: skip
    return store.merge(nights, checkins, sessions).id


def assert_columns_are_the_rows(store: Store, athlete: str = "alex") -> None:
    cases: list[tuple[object, object]] = [
        (store.night_columns(athlete, EVER, LAST),
         NightColumns.of(store.nights(athlete, EVER, LAST))),
        (store.checkin_columns(athlete, EVER, LAST),
         CheckInColumns.of(store.checkins(athlete, EVER, LAST))),
        (store.session_columns(athlete, EVER, LAST),
         SessionColumns.of(store.sessions(athlete, EVER, LAST))),
    ]  # fmt: skip
    for got, want in cases:
        got_arrays = got.arrays()  # type: ignore[attr-defined]
        want_arrays = want.arrays()  # type: ignore[attr-defined]
        assert got_arrays.keys() == want_arrays.keys()
        for name, expected in want_arrays.items():
            assert np.array_equal(
                got_arrays[name], expected, equal_nan=expected.dtype.kind == "f"
            ), name


def blocks(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        return {(a, k) for a, k in db.execute("SELECT athlete, kind FROM column_blocks")}


def test_blocks_are_built_once_and_read_as_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Store(path, keep_blocks=True) as store:
        fill(store)
        fill(store, "sam", 10)
        assert blocks(path) == set()
        assert_columns_are_the_rows(store)
        assert blocks(path) == {("alex", "nights"), ("alex", "checkins"), ("alex", "sessions")}
        assert_columns_are_the_rows(store)  # now from the blocks
        assert_columns_are_the_rows(store, "sam")
        assert_columns_are_the_rows(store, "nobody")  # no rows: empty columns
        part = store.night_columns("alex", START + timedelta(days=5), START + timedelta(days=9))
        assert [date.fromordinal(d) for d in part.days.tolist()] == sorted(
            n.date
            for n in store.nights("alex", START + timedelta(days=5), START + timedelta(days=9))
        )


def change_a_value(store: Store, _import_id: int) -> None:
    store.upsert([Night("alex", START + timedelta(days=3), "oura", 99.0)])


def add_a_night(store: Store, _import_id: int) -> None:
    store.upsert([Night("alex", START + timedelta(days=100), "garmin", 61.0, 50.0)])


def answer_an_item(store: Store, _import_id: int) -> None:
    store.set_checkin_item("alex", START + timedelta(days=7), "soreness", 1)


def rate_the_last_session(store: Store, _import_id: int) -> None:
    store.rate_last_session("alex", 9.0)


def undo_the_import(store: Store, import_id: int) -> None:
    store.upsert([Night("alex", START + timedelta(days=3), "oura", 77.0)])
    assert_columns_are_the_rows(store)  # blocks built after the second import ...
    store.undo_import(import_id + 1)  # ... and the second import undone


def another_process_deletes(store: Store, _import_id: int) -> None:
    with sqlite3.connect(store.path) as db:
        db.execute("DELETE FROM nights WHERE athlete = 'alex' AND date < '2026-01-10'")
        db.execute("DELETE FROM sessions WHERE athlete = 'alex' AND date > '2026-01-20'")
        db.execute("UPDATE checkins SET mood = 1 WHERE athlete = 'alex'")


@pytest.mark.parametrize(
    "change",
    [change_a_value, add_a_night, answer_an_item, rate_the_last_session, undo_the_import,
     another_process_deletes],
)  # fmt: skip
def test_every_change_of_the_rows_is_in_the_columns(
    tmp_path: Path, change: Callable[[Store, int], None]
) -> None:
    with Store(tmp_path / "r.db", keep_blocks=True) as store:
        import_id = fill(store)
        fill(store, "sam", 10)
        assert_columns_are_the_rows(store)
        assert_columns_are_the_rows(store, "sam")
        before = store.night_columns("alex", EVER, LAST)
        change(store, import_id)
        assert_columns_are_the_rows(store)
        assert_columns_are_the_rows(store, "sam")
        assert ("sam", "nights") in blocks(store.path)  # another athlete's blocks stay
    if change in (change_a_value, add_a_night, another_process_deletes):
        after = Store(tmp_path / "r.db").night_columns("alex", EVER, LAST)
        assert not (
            np.array_equal(before.days, after.days)
            and all(
                np.array_equal(before.values[m], after.values[m], equal_nan=True)
                for m in before.values
            )
        )


def test_a_block_of_another_layout_or_damaged_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Store(path, keep_blocks=True) as store:
        fill(store)
        assert_columns_are_the_rows(store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE column_blocks SET header = replace(header, 'hrv_rmssd_ms', 'hrv')")
        db.execute("UPDATE column_blocks SET data = substr(data, 1, 10) WHERE kind = 'checkins'")
        db.execute("UPDATE column_blocks SET header = 'not json' WHERE kind = 'sessions'")
    with Store(path, keep_blocks=True) as store:
        assert_columns_are_the_rows(store)
    with sqlite3.connect(path) as db:
        headers = [h for (h,) in db.execute("SELECT header FROM column_blocks")]
    assert len(headers) == 3
    assert all('"hrv_rmssd_ms"' in h for h in headers if '"sources"' in h)


def test_a_store_that_only_looks_or_cannot_write_saves_no_block(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Store(path) as store:
        fill(store)
    with Store(path) as looking:
        assert_columns_are_the_rows(looking)
    assert blocks(path) == set()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        with Store(path, keep_blocks=True) as store:
            assert_columns_are_the_rows(store)  # read from the rows, nothing saved
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert blocks(path) == set()

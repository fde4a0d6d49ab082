# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The SQLite store on disk: WAL, migrations, idempotent upserts, decision revisions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_and_store
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.store.database import SCHEMA_VERSION, Store, StoreError
from recoveryd.store.migrations import MIGRATIONS

from tests.conftest import SAMPLE_END

NOW = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)


def test_new_store_is_wal_and_at_the_current_schema(tmp_path: Path) -> None:
    with Store(tmp_path / "sub" / "r.db") as store:
        assert store.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / "sub" / "r.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {
        "nights", "checkins", "decisions", "sessions", "overrides", "action_log",
        "day_controls", "settings", "morning_readings", "imports", "import_changes",
        "provenance", "sqlite_sequence", "column_blocks", "row_versions", "store_revision",
    }  # fmt: skip
    db.close()


def test_a_new_store_and_its_journal_are_the_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    with Store(path) as store:
        store.set_setting("whoop_refresh:alex", "rotated")  # a secret kept in the store
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.glob("r.db*")}
    assert modes == {"r.db": 0o600, "r.db-wal": 0o600, "r.db-shm": 0o600}


def test_a_version_1_store_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[1] + "PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO nights (athlete, date, source, rhr_bpm) "
        "VALUES ('alex', '2026-03-01', 'oura', 50)"
    )
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.nights("alex", date(2026, 3, 1), date(2026, 3, 1)) == [
            Night("alex", date(2026, 3, 1), "oura", rhr_bpm=50.0)
        ]
        assert store.sessions("alex", date(2026, 3, 1), date(2026, 3, 1)) == []


def test_sessions_and_overrides(tmp_path: Path) -> None:
    session = CompletedSession("alex", date(2026, 3, 1), "manual", "07:00", "run", 45.0, 6.0, 142.0)
    with Store(tmp_path / "r.db") as store:
        assert store.upsert(sessions=[session]) == 1
        assert store.upsert(sessions=[session]) == 0
        assert store.sessions("alex", date(2026, 3, 1), date(2026, 3, 1)) == [session]
        store.set_override("alex", date(2026, 3, 2), Protocol.REST, NOW)
        store.set_override("alex", date(2026, 3, 2), Protocol.MOBILITY, NOW)
        assert store.overrides("alex", date(2026, 3, 1), date(2026, 3, 31)) == {
            date(2026, 3, 2): Protocol.MOBILITY
        }
        assert store.clear_override("alex", date(2026, 3, 2))
        assert not store.clear_override("alex", date(2026, 3, 2))


def test_a_store_from_a_newer_recoveryd_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(
        StoreError, match=rf"schema version {SCHEMA_VERSION + 1} is newer than this recoveryd"
    ):
        Store(path)


def test_an_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(StoreError, match=r"cannot open the store"):
        Store(blocker / "r.db")


def test_upsert_counts_only_real_changes(tmp_path: Path) -> None:
    night = Night("alex", date(2026, 3, 1), "oura", hrv_rmssd_ms=60.0, rhr_bpm=50.0)
    checkin = CheckIn("alex", date(2026, 3, 1), soreness=3)
    with Store(tmp_path / "r.db") as store:
        assert store.upsert([night], [checkin]) == 2
        assert store.upsert([night], [checkin]) == 0
        assert store.upsert([Night("alex", date(2026, 3, 1), "oura", hrv_rmssd_ms=61.0)]) == 1
        [stored] = store.nights("alex", date(2026, 3, 1), date(2026, 3, 1))
        # A missing value never replaces a stored one: the resting HR stays.
        assert stored == Night("alex", date(2026, 3, 1), "oura", hrv_rmssd_ms=61.0, rhr_bpm=50.0)
        assert store.checkins("alex", date(2026, 3, 1), date(2026, 3, 1)) == [checkin]


def test_data_version_sees_commits_of_other_connections(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as daemon, Store(tmp_path / "r.db") as importer:
        before = daemon.data_version()
        daemon.upsert([Night("alex", date(2026, 3, 1), "oura", rhr_bpm=50.0)])
        assert daemon.data_version() == before  # its own commits do not count
        importer.upsert([Night("alex", date(2026, 3, 2), "oura", rhr_bpm=51.0)])
        assert daemon.data_version() != before


def test_decisions_are_revisions_stored_only_when_inputs_change(
    sample_store: tuple[Config, Store],
) -> None:
    config, store = sample_store
    first = decide_and_store(store, config, "alex", SAMPLE_END, NOW)
    assert first is not None
    assert first.revision == 1
    assert decide_and_store(store, config, "alex", SAMPLE_END, NOW + timedelta(hours=1)) is None
    loaded = store.latest_decision("alex", SAMPLE_END)
    assert loaded == first  # the plan, its reasons and contributors survive the round trip
    store.mark_published(first, NOW)
    published = store.latest_decision("alex", SAMPLE_END)
    assert published is not None
    assert published.published_at == NOW

    store.upsert([Night("alex", SAMPLE_END, "oura", hrv_rmssd_ms=20.0, rhr_bpm=70.0)])
    second = decide_and_store(store, config, "alex", SAMPLE_END, NOW + timedelta(hours=2))
    assert second is not None
    assert second.revision == 2
    assert second.published_at is None
    assert second.plan.readiness.measurement("hrv_rmssd_ms") == 20.0
    assert store.decision_count("alex", SAMPLE_END) == 2


def test_night_sources_follow_every_commit(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as daemon, Store(tmp_path / "r.db") as importer:
        daemon.upsert([Night("alex", date(2026, 3, 1), "oura", rhr_bpm=50.0)])
        assert daemon.night_sources("alex") == {"oura": (1, date(2026, 3, 1))}
        daemon.upsert([Night("alex", date(2026, 3, 2), "oura", rhr_bpm=51.0)])
        assert daemon.night_sources("alex") == {"oura": (2, date(2026, 3, 2))}
        importer.upsert([Night("alex", date(2026, 3, 3), "whoop", rhr_bpm=52.0)])
        assert daemon.night_sources("alex") == {
            "oura": (2, date(2026, 3, 2)), "whoop": (1, date(2026, 3, 3)),
        }  # fmt: skip
        assert daemon.night_sources("sam") == {}

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A full or read-only store: one line, the daemon stays up and unhealthy, nothing half-written.

SQLite's own limits stand in for the disk: ``max_page_count`` at the current size makes the
next write fail exactly as a full disk does (SQLITE_FULL), and ``query_only`` as a read-only
file does (SQLITE_READONLY), on the daemon's own connection.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from recoveryd.domain.models import CheckIn, Night

from tests.conftest import BrokerAddress
from tests.integration.test_daemon_mqtt import (
    DISCOVERED,
    MORNING,
    FixedClock,
    running,
    seeded_config,
    watching,
)

pytestmark = pytest.mark.integration

NIGHT = {"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 33.0}


def break_store(db: sqlite3.Connection, fault: str) -> None:
    if fault == "full":
        db.execute("VACUUM")  # no free pages left inside the file
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages}")
    else:
        db.execute("PRAGMA query_only = ON")


def mend_store(db: sqlite3.Connection, fault: str) -> None:
    db.execute(
        "PRAGMA max_page_count = 1073741823" if fault == "full" else "PRAGMA query_only = OFF"
    )


def bench_nights(path: Path) -> dict[str, float]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT source, hrv_rmssd_ms FROM nights WHERE source LIKE 'strap%'")
        return dict(rows.fetchall())


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("full", "database or disk is full"), ("read-only", "attempt to write a readonly database")],
)
async def test_a_store_that_cannot_be_written(  # noqa: PLR0917 - fixtures and parameters
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
    fault: str,
    reason: str,
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)

    def household() -> dict[str, object]:
        states = watcher.on("recoveryd/household/state")
        return states[-1].json() if states else {}

    async with watching(mosquitto) as watcher, running(config, FixedClock(MORNING)) as daemon:
        await watcher.until(lambda: household().get("healthy") is True, "a healthy daemon")
        break_store(daemon.store._db, fault)
        # Nights keep arriving; a write that does not fit fails (SQLite may still fit a few
        # into pages with room, as on a real full disk).
        for i in range(40):
            night = {"date": "2026-03-04", "source": f"strap{i}", "hrv_rmssd_ms": 30.0 + i}
            await watcher.client.publish("recoveryd/alex/ingest/night", json.dumps(night))
        await watcher.until(lambda: household().get("healthy") is False, "the problem sensor")
        assert household()["problem"] == f"store: {reason}"
        # Still serving: a Home Assistant restart is answered with discovery.
        await watcher.client.publish("homeassistant/status", "online")
        await watcher.until(lambda: len(watcher.discovery()) == 2 * DISCOVERED, "rediscovery")
        # Nothing half-written: the file is sound, and a night is stored whole or not at all.
        stored = bench_nights(config.storage.path)
        assert len(stored) < 40
        assert all(value == 30.0 + int(source.removeprefix("strap"))
                   for source, value in stored.items())  # fmt: skip

        # Every night handled before the store mends (ingest waits behind broker events, so
        # the rediscovery above may finish first): each one stored or refused with an error.
        def handled() -> int:
            failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
            return len(failed) + len(bench_nights(config.storage.path))

        await watcher.until(lambda: handled() == 40, "every night handled")
        # Space again: unhealthy until what failed (storing nights) goes through again.
        mend_store(daemon.store._db, fault)
        await watcher.client.publish("homeassistant/status", "online")  # any other work
        await watcher.until(lambda: len(watcher.discovery()) == 3 * DISCOVERED, "rediscovery")
        assert household()["healthy"] is False
        await watcher.client.publish("recoveryd/alex/ingest/night", json.dumps(NIGHT))
        await watcher.until(lambda: household().get("healthy") is True, "healthy again")
        await watcher.until(
            lambda: watcher.on("recoveryd/alex/state")[-1].json()["rmssd_ms"] == 33.0,
            "the night decided on",
        )
    errors = {r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR}
    assert errors == {f"store error while handling CommandReceived: {reason}"}

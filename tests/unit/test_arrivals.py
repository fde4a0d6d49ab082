# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What arrives, each collaborator alone: commands, ingest and the store watch.

A real store on disk, a fake clock, and the messages and errors each one posts recorded.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon.commands import Commands
from recoveryd.daemon.day_state import paused
from recoveryd.daemon.health import HANDLING, Health
from recoveryd.daemon.ingesting import INGEST_BATCH_S, Ingest
from recoveryd.daemon.store_watch import ALIVE_KEY, StoreWatch
from recoveryd.domain.events import CommandReceived
from recoveryd.domain.models import Protocol
from recoveryd.integrations.mqtt.topics import Message, Topics
from recoveryd.store.database import Store

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
TOPICS = Topics(
    base="recoveryd", discovery_prefix="homeassistant", ha_status="homeassistant/status"
)


def config_in(tmp_path: Path) -> Config:
    return parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip


def today() -> tuple[date, datetime]:
    return NOW.date(), NOW


def test_commands_are_checked_stored_and_answered(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    errors: list[tuple[str, str, str]] = []
    posted: list[Message] = []
    with Store(config.storage.path) as store:
        commands = Commands(
            config, store, TOPICS, Health(), today=today,
            error=lambda *error: errors.append(error), post=posted.append,
        )  # fmt: skip
        accepted = commands.received(CommandReceived("recoveryd/alex/set/protocol", b"rest"))
        assert accepted is not None
        assert (accepted.athlete, accepted.control) == ("alex", "protocol")
        assert accepted.applied.redecide
        assert store.overrides("alex", NOW.date(), NOW.date()) == {NOW.date(): Protocol.REST}
        # A value out of range: one error on the athlete's event entity, nothing stored.
        assert commands.received(CommandReceived("recoveryd/alex/set/rpe", b"11")) is None
        [(athlete, control, error)] = errors
        assert (athlete, control) == ("alex", "rpe")
        assert "rpe" in error
        # A press kept by the broker for too long is refused as stale.
        kept = CommandReceived(
            "recoveryd/alex/set/start_session", b"PRESS", queued_since=NOW - timedelta(hours=3)
        )
        assert commands.received(kept) is None
        assert errors[-1][1] == "start_session"
        # A retained command is cleared, never obeyed; an unknown athlete is only logged.
        retained = CommandReceived("recoveryd/household/set/pause", b"ON", retained=True)
        assert commands.received(retained) is None
        assert posted == [Message("recoveryd/household/set/pause", b"", retain=True)]
        assert not paused(store)
        assert commands.received(CommandReceived("recoveryd/bob/set/protocol", b"rest")) is None
        assert len(errors) == 2
        household = commands.received(CommandReceived("recoveryd/household/set/pause", b"ON"))
        assert household is not None
        assert (household.athlete, household.applied.household) == (None, True)
        assert paused(store)


def test_notification_buttons_go_through_the_same_commands(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    errors: list[tuple[str, str, str]] = []
    with Store(config.storage.path) as store:
        commands = Commands(
            config, store, TOPICS, Health(), today=today,
            error=lambda *error: errors.append(error), post=lambda _: None,
        )  # fmt: skip
        skipped = commands.notification("RECOVERYD_SKIP_alex")
        assert skipped is not None
        assert (skipped.athlete, skipped.control) == ("alex", "notification")
        # Harder with no decision today: refused on Alex's event entity.
        assert commands.notification("RECOVERYD_HARDER_alex") is None
        assert errors == [
            ("alex", "notification", "harder: there is no decision for today to change")
        ]
        assert commands.notification("SOMEONE_ELSES_button") is None
        assert len(errors) == 1


def test_ingest_stores_reports_and_batches(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    posted: list[Message] = []
    clock = [100.0]
    with Store(config.storage.path) as store:
        ingest = Ingest(config, store, TOPICS, Health(), post=posted.append, clock=lambda: clock[0])
        assert not ingest.due(queue_empty=True)  # nothing stored yet
        night = {"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 48.5}
        ingest.received("recoveryd/alex/ingest/night", json.dumps(night).encode())
        [stored] = store.nights("alex", NOW.date(), NOW.date())
        assert (stored.source, stored.hrv_rmssd_ms) == ("oura", 48.5)
        # More messages wait: no decision yet, unless the last one was a while ago.
        assert ingest.due(queue_empty=False)  # the first batch: never decided before
        ingest.received("recoveryd/alex/ingest/checkin", b'{"date": "2026-03-04", "mood": 4}')
        assert not ingest.due(queue_empty=False)
        clock[0] += INGEST_BATCH_S + 0.1
        assert ingest.due(queue_empty=False)
        assert not ingest.due(queue_empty=True)  # decided: nothing waits
        assert store.checkins("alex", NOW.date(), NOW.date())[0].mood == 4
        # A rejection is published on the error topic; our own errors are not read back.
        bad = b'{"date": "2026-03-04", "hrv_rmssd_ms": -1}'
        ingest.received("recoveryd/alex/ingest/night", bad)
        [error] = posted
        assert error.topic == "recoveryd/alex/ingest/error"
        assert json.loads(error.payload)["kind"] == "night"
        ingest.received("recoveryd/alex/ingest/error", str(error.payload).encode())
        ingest.received("recoveryd/bob/ingest/night", json.dumps(night).encode())
        assert len(posted) == 1
        assert not ingest.due(queue_empty=True)


def test_the_store_watch_sees_other_processes_and_probes_a_failing_store(
    tmp_path: Path,
) -> None:
    config = config_in(tmp_path)
    health, connected = Health(), [False]
    with Store(config.storage.path) as store:
        watch = StoreWatch(store, health, connected=lambda: connected[0], now=lambda: NOW)
        assert watch.away_since() is None
        watch.poll()
        assert store.setting(ALIVE_KEY) is None  # not connected: not listening either
        connected[0] = True
        watch.poll()
        assert watch.away_since() == NOW
        assert watch.changed() is None  # its own writes are not another process's
        with Store(config.storage.path) as other:
            other.set_override("alex", NOW.date(), Protocol.REST, datetime.now(UTC))
        version = watch.changed()
        assert version is not None
        assert watch.changed() == version  # until decided on
        watch.seen(version)
        assert watch.changed() is None
        health.failed(f"{HANDLING}StorePoll", "store: disk I/O error")
        watch.poll()  # the probe's write goes through: plain event failures are over
        assert health.problem is None
        store.set_setting(ALIVE_KEY, "not a time")
        assert watch.away_since() is None

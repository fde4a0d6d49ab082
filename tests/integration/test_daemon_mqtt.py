# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon against a real mosquitto, watched by a real subscriber."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiomqtt
import pytest
from recoveryd.config.model import Config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.models import CheckIn, Decision, Night, Protocol
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.integrations.mqtt.discovery import athlete_entities
from recoveryd.integrations.mqtt.topics import Topics
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, make_config

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
MORNING = datetime(2026, 3, 4, 8, 0, tzinfo=BERLIN)  # after the 07:00 decision time
TIMEOUT_S = 15.0
TOPICS = Topics("recoveryd", "homeassistant", "homeassistant/status")
DISCOVERED = 2 + 2 * 37  # configs of one full discovery: the household and two athletes
UNITS = {"readiness": None, "protocol": None, "rmssd": "ms", "ln_rmssd": None,
         "resting_hr": "bpm", "sleep_duration": "h"}  # fmt: skip


@dataclass
class FixedClock:
    value: datetime

    def now(self) -> datetime:
        return self.value


@dataclass(frozen=True)
class Received:
    topic: str
    payload: str
    retain: bool
    raw: bytes = b""

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Watcher:
    """A subscriber that records every message and lets a test wait for a condition."""

    client: aiomqtt.Client
    messages: list[Received] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on(self, topic: str, *, retained: bool | None = None) -> list[Received]:
        return [
            m
            for m in self.messages
            if m.topic == topic and (retained is None or m.retain == retained)
        ]

    def discovery(self) -> list[Received]:
        return [m for m in self.messages if m.topic.startswith("homeassistant/")]

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        async def wait() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), TIMEOUT_S)
        except TimeoutError:
            pytest.fail(f"timed out waiting for {what}; saw {[m.topic for m in self.messages]}")


@asynccontextmanager
async def watching(broker: BrokerAddress) -> AsyncIterator[Watcher]:
    async with aiomqtt.Client(broker.host, broker.port, identifier="test-watcher") as client:
        watcher = Watcher(client)
        await client.subscribe("homeassistant/#", qos=1)
        await client.subscribe("recoveryd/#", qos=1)

        async def read() -> None:
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                # The chart is PNG bytes; everything else is text.
                text = payload.decode(errors="replace")
                watcher.messages.append(Received(str(message.topic), text, message.retain, payload))
                watcher.changed.set()

        reader = asyncio.create_task(read())
        try:
            yield watcher
        finally:
            reader.cancel()


@asynccontextmanager
async def running(
    config: Config, clock: FixedClock, on_decision: Callable[[Decision], None] | None = None
) -> AsyncIterator[Daemon]:
    stop = asyncio.Event()
    daemon = Daemon(config, clock=clock, on_decision=on_decision)
    task = asyncio.create_task(daemon.run(stop))
    try:
        yield daemon
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)


async def published(daemon: Daemon, athlete: str) -> None:
    """Until the store records that the broker acknowledged the athlete's decision."""
    while not ((d := daemon.store.latest_decision(athlete, SAMPLE_END)) and d.published_at):
        await asyncio.sleep(0.02)


def seeded_config(
    tmp_path: Path, broker: BrokerAddress, sample: tuple[list[Night], list[CheckIn]]
) -> Config:
    config = make_config(tmp_path, port=broker.port)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
    return config


async def test_discovery_state_availability_and_rediscovery(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)
    async with watching(mosquitto) as watcher:
        async with running(config, FixedClock(MORNING)) as daemon:
            await watcher.until(
                lambda: all(
                    watcher.on(f"recoveryd/{a}/{kind}")
                    for a in ("alex", "sam")
                    for kind in ("state", "plan/today")
                ),
                "both athletes' state and plan",
            )
            # The broker's acknowledgement is stored just after subscribers see the state.
            for athlete in ("alex", "sam"):
                await asyncio.wait_for(published(daemon, athlete), TIMEOUT_S)
            # Every entity of each athlete's device, and the household's pause switch.
            expected_topics = {
                "homeassistant/switch/recoveryd_household_pause/config",
                "homeassistant/binary_sensor/recoveryd_household_problem/config",
                *(
                    f"homeassistant/{entity.component}/recoveryd_{athlete}_{entity.key}/config"
                    for athlete, sources in (("alex", ["oura"]), ("sam", ["garmin"]))
                    for entity in athlete_entities(TOPICS, athlete, sources)
                ),
            }
            # 49 entities each, and the last night and staleness of the one source.
            assert len(expected_topics) == 2 + 2 * (49 + 2)
            assert {m.topic for m in watcher.discovery()} == expected_topics
            for message in watcher.discovery():
                payload = message.json()
                owner, key = message.topic.split("/")[2].removeprefix("recoveryd_").split("_", 1)
                assert payload["unique_id"] == f"recoveryd_{owner}_{key}"
                assert payload["availability"] == [{"topic": "recoveryd/status"}]
                assert payload["device"]["identifiers"] == [f"recoveryd_{owner}"]
                assert payload["origin"]["name"] == "recoveryd"
                assert {"name", "icon"} <= set(payload)
                if key in UNITS:
                    assert payload["state_topic"] == f"recoveryd/{owner}/state"
                    assert payload.get("unit_of_measurement") == UNITS[key]

            with Store(config.storage.path) as store:
                for athlete in ("alex", "sam"):
                    [message] = watcher.on(f"recoveryd/{athlete}/state")
                    state = message.json()
                    decision = store.latest_decision(athlete, SAMPLE_END)
                    assert decision is not None
                    assert decision.published_at is not None
                    assert state["date"] == "2026-03-04"
                    assert state["protocol"] == decision.plan.protocol.value
                    assert state["readiness"] == decision.plan.readiness.score
                    [night] = [
                        n for n in sample[0] if n.athlete == athlete and n.date == SAMPLE_END
                    ]
                    assert state["rmssd_ms"] == night.hrv_rmssd_ms
                    assert state["rhr_bpm"] == night.rhr_bpm
                    [plan_message] = watcher.on(f"recoveryd/{athlete}/plan/today")
                    today_plan = plan_message.json()
                    assert today_plan["protocol"] == decision.plan.protocol.value
                    expected = decision.plan.session
                    if expected is None:
                        assert today_plan["session"] is None
                    else:
                        assert today_plan["session"]["title"] == expected.title
                        assert today_plan["session"]["duration_min"] == expected.duration_min

            # Home Assistant restarts: discovery is re-sent after the small random delay.
            await watcher.client.publish("homeassistant/status", "online")
            await watcher.until(
                lambda: len(watcher.discovery()) == 2 * len(expected_topics), "re-sent discovery"
            )
            assert watcher.on("recoveryd/status")[0].payload == "online"
        await watcher.until(
            lambda: watcher.on("recoveryd/status")[-1].payload == "offline", "offline on stop"
        )
        assert [m.payload for m in watcher.on("recoveryd/status")] == ["online", "offline"]
        assert len(watcher.on("recoveryd/alex/state")) == 1


async def test_restart_on_the_same_day_decides_and_publishes_nothing_new(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)
    clock = FixedClock(MORNING)
    async with watching(mosquitto) as watcher:
        async with running(config, clock):
            await watcher.until(lambda: len(watcher.on("recoveryd/sam/state")) == 1, "state")
        clock.value = MORNING.replace(hour=9)
        async with running(config, clock):
            # The consumer handles events in order: once the second rediscovery is through,
            # the start-up decision and the publication of pending states are behind it.
            await watcher.until(
                lambda: len(watcher.discovery()) == 2 * DISCOVERED, "discovery after restart"
            )
            await watcher.client.publish("homeassistant/status", "online")
            await watcher.until(lambda: len(watcher.discovery()) == 3 * DISCOVERED, "rediscovery")
        await watcher.until(
            lambda: [m.payload for m in watcher.on("recoveryd/status")][-1:] == ["offline"], "stop"
        )
    for athlete in ("alex", "sam"):
        assert len(watcher.on(f"recoveryd/{athlete}/state")) == 1
    with Store(config.storage.path) as store:
        assert store.decision_count("alex", SAMPLE_END) == 1
        assert store.decision_count("sam", SAMPLE_END) == 1


async def test_new_night_data_for_today_gives_a_new_decision(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    nights, checkins = sample
    late_night = next(n for n in nights if n.athlete == "alex" and n.date == SAMPLE_END)
    without_today = [n for n in nights if n != late_night]
    config = seeded_config(tmp_path, mosquitto, (without_today, checkins))
    async with watching(mosquitto) as watcher, running(config, FixedClock(MORNING)):
        await watcher.until(lambda: len(watcher.on("recoveryd/alex/state")) == 1, "first state")
        first = watcher.on("recoveryd/alex/state")[0].json()
        assert first["rmssd_ms"] is None  # the ring had not synced yet
        # The ring syncs late: another process imports the night.
        with Store(config.storage.path) as importer:
            importer.upsert([replace(late_night, hrv_rmssd_ms=25.0)])
        await watcher.until(lambda: len(watcher.on("recoveryd/alex/state")) == 2, "re-decision")
    second = watcher.on("recoveryd/alex/state")[1].json()
    assert second["revision"] == 2
    assert second["rmssd_ms"] == 25.0
    assert len(watcher.on("recoveryd/sam/state")) == 1  # sam's inputs did not change


async def test_broker_outage_is_survived_and_the_decision_published_later(
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    mosquitto_factory: Callable[[int], BrokerAddress],
) -> None:
    port = free_port()
    config = seeded_config(tmp_path, BrokerAddress("127.0.0.1", port), sample)
    decided = asyncio.Event()
    async with running(config, FixedClock(MORNING), on_decision=lambda _: decided.set()) as daemon:
        # No broker yet: the daemon decides anyway and keeps retrying the connection.
        await asyncio.wait_for(decided.wait(), TIMEOUT_S)
        assert not daemon.link.connected
        broker = mosquitto_factory(port)
        async with watching(broker) as watcher:
            await watcher.until(lambda: len(watcher.on("recoveryd/sam/state")) == 1, "late publish")
        state = watcher.on("recoveryd/sam/state")[0].json()
        # The broker's acknowledgement is stored right after subscribers get the state.
        await asyncio.wait_for(published(daemon, "sam"), TIMEOUT_S)
        decision = daemon.store.latest_decision("sam", SAMPLE_END)
        assert decision is not None
        assert state["protocol"] == decision.plan.protocol.value


async def test_recoveryd_run_last_will_and_clean_sigterm(
    mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    config_file = tmp_path / "recoveryd.yaml"
    config_file.write_text(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, keepalive_s: 5}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "recoveryd", "run", "--config", str(config_file)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    async with watching(mosquitto) as watcher:

        def availability() -> list[str]:
            return [m.payload for m in watcher.on("recoveryd/status")]

        crashed = await asyncio.create_subprocess_exec(
            *command, env=env, stderr=asyncio.subprocess.PIPE
        )
        await watcher.until(lambda: availability() == ["online"], "online")
        crashed.send_signal(signal.SIGKILL)
        await crashed.wait()
        await watcher.until(lambda: availability() == ["online", "offline"], "the last will")

        clean = await asyncio.create_subprocess_exec(
            *command, env=env, stderr=asyncio.subprocess.PIPE
        )
        await watcher.until(lambda: len(availability()) == 3, "online again")
        clean.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(clean.communicate(), TIMEOUT_S)
        await watcher.until(lambda: len(availability()) == 4, "offline on SIGTERM")
    assert availability() == ["online", "offline", "online", "offline"]
    assert clean.returncode == 0
    assert b"stopped" in stderr


async def test_a_store_error_is_reported_and_the_daemon_keeps_serving(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)
    today = next(n for n in sample[0] if n.athlete == "alex" and n.date == SAMPLE_END)
    async with watching(mosquitto) as watcher, running(config, FixedClock(MORNING)) as daemon:
        await watcher.until(lambda: len(watcher.on("recoveryd/alex/state")) == 1, "state")

        # The broker's acknowledgement is stored after the state reaches subscribers.
        for athlete in ("alex", "sam"):
            await asyncio.wait_for(published(daemon, athlete), TIMEOUT_S)
        daemon.store._db.execute("PRAGMA busy_timeout = 50")
        # New data arrives, and another process then holds the write lock, so the daemon can
        # read the change but cannot store the new decision. No await in between: the
        # daemon's poll cannot run before the lock is taken.
        with Store(config.storage.path) as importer:
            importer.upsert([replace(today, hrv_rmssd_ms=30.0)])
        blocker = sqlite3.connect(config.storage.path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        reported = asyncio.Event()
        handler = _EventOnError(reported)
        logging.getLogger("recoveryd.daemon").addHandler(handler)
        try:
            await asyncio.wait_for(reported.wait(), TIMEOUT_S)
            # Still serving: a Home Assistant restart is answered.
            await watcher.client.publish("homeassistant/status", "online")
            await watcher.until(lambda: len(watcher.discovery()) == 2 * DISCOVERED, "rediscovery")
        finally:
            logging.getLogger("recoveryd.daemon").removeHandler(handler)
            blocker.execute("ROLLBACK")
            blocker.close()
        # Once the lock is gone the next poll decides and publishes what it could not store.
        await watcher.until(lambda: len(watcher.on("recoveryd/alex/state")) == 2, "recovery")
    errors = {r.getMessage() for r in caplog.records if r.levelname == "ERROR"}
    assert errors == {"store error while handling StorePoll: database is locked"}
    assert watcher.on("recoveryd/alex/state")[1].json()["rmssd_ms"] == 30.0
    assert [m.payload for m in watcher.on("recoveryd/status")] == ["online", "offline"]


class _EventOnError(logging.Handler):
    def __init__(self, event: asyncio.Event) -> None:
        super().__init__(level=logging.ERROR)
        self._event = event

    def emit(self, record: logging.LogRecord) -> None:  # noqa: ARG002 - any error will do
        self._event.set()


async def test_before_the_decision_time_the_state_is_provisional_not_unknown(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)
    early = MORNING.replace(hour=5)  # two hours before the 07:00 decision
    async with watching(mosquitto) as watcher, running(config, FixedClock(early)) as daemon:
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/state")), "a state")
        state = watcher.on("recoveryd/alex/state")[-1].json()
        assert state["attributes"]["provisional"] is True
        assert state["date"] == "2026-03-04"
        assert state["protocol"] in {p.value for p in Protocol}
        assert state["attributes"]["reasons"][0].startswith("Provisional (as of 05:00)")
        # Nothing stored, nothing planned from it.
        assert daemon.store.latest_decision("alex", early.date()) is None
        assert [a for a in daemon.actions.timeline.values() if a.athlete == "alex"] == []

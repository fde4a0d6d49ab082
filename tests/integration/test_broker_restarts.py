# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The broker stopped and restarted 20 times, each time just as an action falls due.

Each round is a day whose wind-down (a Zigbee2MQTT lamp at 21:30) falls due while mosquitto
is down for a random 0.3-3 s. The lamp's firmware and a watcher keep persistent sessions
(mosquitto saves them across its restarts), so what was sent reaches them. Every wind-down
must reach the lamp exactly once, and the daemon must re-publish its discovery and its
availability after every restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiomqtt
import pytest
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import DecisionDue
from recoveryd.domain.models import CheckIn, Night
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.integrations.mqtt.discovery import athlete_entities, household_entities
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, Mosquitto
from tests.integration.test_daemon_mqtt import TOPICS, FixedClock

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
RESTARTS = 20
# Days after the sample's last night have no data: insufficient_data winds down too.
PROTOCOLS = (
    "rest", "active_recovery", "mobility", "as_planned", "progressive_overload",
    "insufficient_data",
)  # fmt: skip


def household(tmp_path: Path, port: int) -> str:
    # The lamp's stand-in reconnects after each restart on its own schedule (keepalive 2 s,
    # its own backoff); a command sent meanwhile waits in its session for it: its window
    # for the confirmation is wider than a real lamp on a steady broker needs.
    recovery = "\n".join(f"  {p}: {{wind_down: {{device: lamp, at: '21:30'}}}}" for p in PROTOCOLS)
    return f"""
household: {{timezone: Europe/Berlin}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-test, reconnect_max_s: 1}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  lamp: {{kind: light, via: zigbee2mqtt, topic: lamp, confirm_s: 20}}
recovery:
{recovery}
"""


def done(daemon: Daemon, last: int) -> list[str]:
    days = [SAMPLE_END + timedelta(days=d) for d in range(last + 1)]
    return [
        k for d in days for k, _, status, _ in daemon.store.action_history(d) if status == "done"
    ]


@asynccontextmanager
async def persistent(
    port: int, name: str, topics: list[str], on: Callable[[aiomqtt.Client, str, bytes], object]
) -> AsyncIterator[None]:
    """A client with a persistent session that reconnects whenever the broker is back."""

    async def loop() -> None:
        while True:
            try:
                # A short keepalive: a socket paho lost track of while the broker went away
                # (asyncio logs "Bad file descriptor" from its writer callback, and the client
                # then hears nothing) is noticed in seconds and replaced.
                async with aiomqtt.Client("127.0.0.1", port, identifier=name,
                                          clean_session=False, keepalive=2) as client:  # fmt: skip
                    for topic in topics:
                        await client.subscribe(topic, qos=1)
                    async for message in client.messages:
                        assert isinstance(message.payload, bytes)
                        result = on(client, str(message.topic), message.payload)
                        if asyncio.iscoroutine(result):
                            await result
            except (aiomqtt.MqttError, OSError):
                await asyncio.sleep(0.05)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_twenty_broker_restarts_lose_and_repeat_nothing(  # noqa: PLR0915 - one story, in order
    tmp_path: Path, sample: tuple[list[Night], list[CheckIn]], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    settings = (
        f"allow_anonymous true\npersistence true\npersistence_location {tmp_path}/\n"
        "autosave_interval 1\n"
    )
    broker = Mosquitto(tmp_path, port, settings)
    config = parse_config(household(tmp_path, port), label="t.yaml", base_dir=tmp_path)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
    commands: list[dict[str, object]] = []
    online: list[str] = []

    async def lamp(client: aiomqtt.Client, topic: str, payload: bytes) -> None:  # noqa: ARG001
        commands.append(json.loads(payload))
        await client.publish("zigbee2mqtt/lamp", json.dumps(json.loads(payload) | {"lq": 90}))

    def watch(_: aiomqtt.Client, topic: str, payload: bytes) -> None:
        if topic == "recoveryd/status" and payload == b"online":
            online.append(topic)

    configs = len(household_entities(TOPICS)) + len(athlete_entities(TOPICS, "alex", ["oura"]))

    def discovered() -> int:
        line = f"published {configs} discovery configs"
        return sum(r.getMessage() == line for r in caplog.records)

    rng = random.Random(7)
    clock = FixedClock(datetime.combine(SAMPLE_END, time(12, 0), tzinfo=BERLIN))
    daemon = Daemon(config, clock=clock)
    stop = asyncio.Event()
    async with (
        persistent(port, "z2m-lamp", ["zigbee2mqtt/lamp/set"], lamp),
        persistent(port, "watcher", ["recoveryd/status"], watch),
    ):
        running = asyncio.create_task(daemon.run(stop))
        try:
            for day in range(RESTARTS + 1):
                async with asyncio.timeout(30):  # connected, and discovery re-published
                    while not daemon.link.connected or discovered() < day + 1:
                        await asyncio.sleep(0.02)
                if day == RESTARTS:
                    break
                broker.stop()
                when = datetime.combine(SAMPLE_END + timedelta(days=day), time(21, 30, 20))
                clock.value = when.replace(tzinfo=BERLIN)
                daemon.queue.put_nowait(DecisionDue("schedule"))  # the day's wind-down is due
                await asyncio.sleep(rng.uniform(0.3, 3.0))
                broker = Mosquitto(tmp_path, port, settings)
                async with asyncio.timeout(30):  # the lamp got it, and the daemon logged it
                    while len(commands) < day + 1 or len(done(daemon, day)) < day + 1:
                        await asyncio.sleep(0.02)
        finally:
            stop.set()
            await asyncio.wait_for(running, 30)
            broker.stop()
    with Store(config.storage.path) as store:
        logged = [
            (key, status)
            for day in range(RESTARTS)
            for key, _, status, _ in store.action_history(SAMPLE_END + timedelta(days=day))
        ]
    assert len(commands) == RESTARTS  # none lost, none twice
    assert [s for _, s in logged] == ["done"] * RESTARTS
    assert len({k for k, _ in logged}) == RESTARTS
    assert daemon.link.connections == RESTARTS + 1
    assert discovered() == RESTARTS + 1  # after every connection
    assert len(online) >= RESTARTS + 1

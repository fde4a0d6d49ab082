# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Home Assistant stopped 5 times during a day's timeline, each time just before an action.

The day has a sauna (heat-on, start check, heat-off) and compression boots (on, off), all
reached through a real Home Assistant core. Before each of the five actions falls due, Home
Assistant is stopped; the daemon tries, logs each failed attempt, and goes on trying until
Home Assistant is back. Every action must then be done exactly once and confirmed, the heat
must end off, and Home Assistant's own history must show each device switched on and off
once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import DecisionDue
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, until
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant
from tests.integration.test_daemon_mqtt import FixedClock

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
RELAYS = ("input_boolean.sauna_heater_relay", "input_boolean.boots_relay")


@pytest.fixture
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantCore]:
    """A fresh Home Assistant for this test: it is stopped and started five times."""
    yield from start_home_assistant(tmp_path_factory)


def household(tmp_path: Path, port: int, core: HomeAssistantCore) -> str:
    return f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-ha-restarts, reconnect_max_s: 1}}
homeassistant: {{url: "{core.url}", token: "{core.token}", attempts: 20, discovery: false}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  sauna:
    kind: sauna
    via: homeassistant
    entity: climate.sauna
    door_entity: binary_sensor.sauna_door
    presence_entity: binary_sensor.sauna_presence
    heat_rate_c_per_min: 2.0
    ambient_c: 20
    auto_off_timer: timer.sauna_auto_off
  boots: {{kind: compression, via: homeassistant, entity: switch.boots,
          auto_off_timer: timer.boots_auto_off}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "18:00", minutes: 20, temp_c: 80}}
    compression: {{device: boots, at: "19:00", minutes: 20}}
"""


def transitions(core: HomeAssistantCore, entity: str, since: datetime) -> list[str]:
    """The entity's recorded states, restarts' unavailable/unknown and repeats left out."""
    start = since.astimezone(BERLIN).isoformat()
    (history,) = core.request(
        "GET", f"/api/history/period/{start}?filter_entity_id={entity}&minimal_response"
    )
    states: list[str] = []
    for row in history:
        if row["state"] not in {"unavailable", "unknown"} and states[-1:] != [row["state"]]:
            states.append(row["state"])
    return states


async def test_five_home_assistant_stops_run_every_action_once_and_end_with_the_heat_off(
    home_assistant: HomeAssistantCore,
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = home_assistant
    began = datetime.now(BERLIN) - timedelta(seconds=1)
    # Someone is in the sauna by the start check: the heat stays on until the heat-off.
    core.call("input_boolean", "turn_on", entity_id="input_boolean.sauna_occupied")
    config = parse_config(
        household(tmp_path, mosquitto.port, core), label="t.yaml", base_dir=tmp_path
    )
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        store.set_override("alex", SAMPLE_END, Protocol.ACTIVE_RECOVERY, began)
    caplog.set_level(logging.INFO)
    clock = FixedClock(datetime.combine(SAMPLE_END, time(12, 0), tzinfo=BERLIN))
    daemon = Daemon(config, clock=clock)
    stop = asyncio.Event()
    running = asyncio.create_task(daemon.run(stop))

    def logged() -> dict[str, tuple[str, str]]:
        return {k: (s, d) for k, _, s, d in daemon.store.action_history(SAMPLE_END)}

    try:
        await until(lambda: len(daemon.actions.timeline) == 5, "the day's timeline", 30)
        actions = sorted(daemon.actions.timeline.values(), key=lambda a: a.at)
        assert [a.command for a in actions] == [
            "heat_on", "start_check", "heat_off", "turn_on", "turn_off",
        ]  # fmt: skip
        expected = {
            "heat_on": ("climate.sauna", "heat", "climate.sauna: heat (confirmed)"),
            "start_check": ("climate.sauna", "heat", "session started: the heat stays on"),
            "heat_off": ("climate.sauna", "off", "climate.sauna: off (confirmed)"),
            "turn_on": ("switch.boots", "on", "switch.boots: on (confirmed)"),
            "turn_off": ("switch.boots", "off", "switch.boots: off (confirmed)"),
        }
        for action in actions:
            await asyncio.to_thread(core.stop)
            clock.value = action.at + timedelta(seconds=20)
            daemon.queue.put_nowait(DecisionDue("schedule"))  # the action falls due
            first = (
                f"{action.command} {expected[action.command][0]}, attempt 1: "
                f"Home Assistant at {core.url}/api unreachable: [Errno 111] Connect call failed"
            )

            def tried(line: str = first) -> bool:
                return any(r.getMessage().startswith(line) for r in caplog.records)

            await until(tried, f"{action.command} tried while Home Assistant is down", 30)
            await asyncio.to_thread(core.start)

            def finished(key: str = action.key) -> bool:
                # (A switch-on is logged as sending before it goes out.)
                return logged().get(key, ("sending", ""))[0] != "sending"

            await until(finished, f"{action.command} logged", 120)
            entity, state, detail = expected[action.command]
            assert logged()[action.key] == ("done", detail)
            assert core.state(entity)["state"] == state
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
    with Store(config.storage.path) as store:
        log = store.action_history(SAMPLE_END)
    assert [(c, s) for _, c, s, _ in log] == [
        ("heat_on", "done"), ("start_check", "done"), ("heat_off", "done"),
        ("turn_on", "done"), ("turn_off", "done"),
    ]  # fmt: skip
    assert len({k for k, *_ in log}) == 5  # nothing twice
    assert core.state("input_boolean.sauna_heater_relay")["state"] == "off"
    # Home Assistant's own record: each relay switched on once and off once, no more. The
    # recorder commits its rows a moment after the state changes: the last may still come.
    for relay in RELAYS:
        seen: list[str] = []

        def recorded(relay: str = relay, seen: list[str] = seen) -> bool:
            seen[:] = transitions(core, relay, began)
            return seen != ["off", "on"]

        await until(recorded, f"{relay}'s states recorded", 15)
        assert seen == ["off", "on", "off"], relay

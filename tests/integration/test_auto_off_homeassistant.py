# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The auto-off that outlives recoveryd, in a real Home Assistant core (2024.3.3).

The test core runs the shipped blueprint (``config/blueprints/automation/recoveryd/
auto_off.yaml``) for its sauna thermostat and its boots, each with a restoring timer. The
actuator checks the arrangement before every switch-on and starts the timer; the timer
switches the device off whether recoveryd runs or not, across a restart of Home Assistant.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.cli.sampledata import generate
from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import Action, Protocol
from recoveryd.integrations.homeassistant.actuator import HomeAssistant
from recoveryd.store.database import Store

from tests.conftest import BrokerAddress, until
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantCore]:
    """A fresh Home Assistant for this module's tests."""
    yield from start_home_assistant(tmp_path_factory)


def boots(**settings: str) -> DeviceConfig:
    return DeviceConfig.model_validate(
        {"kind": "compression", "via": "homeassistant", "entity": "switch.boots"} | settings
    )


def turn(command: str, minutes: int = 20) -> Action:
    params = (("minutes", str(minutes)),) if command == "turn_on" else ()
    return Action(datetime.now(ZONE), "alex", "compression", command, "boots", params)


async def test_every_switch_on_checks_and_starts_the_auto_off(
    home_assistant: HomeAssistantCore,
) -> None:
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=2, backoff_s=0.2)
    armed = boots(auto_off_timer="timer.boots_auto_off")
    assert (await ha.execute(turn("turn_on"), armed)).status == "done"
    timer = home_assistant.state("timer.boots_auto_off")
    assert (timer["state"], timer["attributes"]["duration"]) == ("active", "0:20:00")
    assert home_assistant.state("switch.boots")["state"] == "on"
    assert (await ha.execute(turn("turn_off"), armed)).status == "done"
    assert home_assistant.state("timer.boots_auto_off")["state"] == "idle"  # cancelled
    assert home_assistant.state("switch.boots")["state"] == "off"

    for settings, said in (
        ({"auto_off_timer": "timer.forgetful"},
         "refused: the auto-off timer timer.forgetful does not restore across restarts "
         "(set restore: true)"),
        ({"auto_off_timer": "timer.no_such_timer"},
         "refused: the auto-off timer timer.no_such_timer does not exist in Home Assistant"),
        # A real, restoring timer, but the automation watching it switches off other boots.
        ({"auto_off_timer": "timer.sauna_auto_off"},
         "refused: no enabled automation from the recoveryd auto-off blueprint "
         "(recoveryd/auto_off.yaml) switches switch.boots off when timer.sauna_auto_off "
         "finishes"),
        ({}, "refused: switch.boots has no auto-off (set auto_off_timer)"),
    ):  # fmt: skip
        result = await ha.execute(turn("turn_on"), boots(**settings))
        assert (result.status, result.detail) == ("refused", said)
        assert home_assistant.state("switch.boots")["state"] == "off"
    # A device that limits itself, named in the configuration, needs no timer.
    hardware = boots(hardware_auto_off="the boots' own 30-minute programme")
    assert (await ha.execute(turn("turn_on"), hardware)).status == "done"
    assert (await ha.execute(turn("turn_off"), hardware)).status == "done"

    # Boots run by a timer: the timer is the session, started and cancelled.
    timed = DeviceConfig(kind="compression", via="homeassistant", entity="timer.meditation")
    assert (await ha.execute(turn("turn_on", 25), timed)).status == "done"
    assert home_assistant.state("timer.meditation")["attributes"]["duration"] == "0:25:00"
    assert (await ha.execute(turn("turn_off"), timed)).status == "done"
    assert home_assistant.state("timer.meditation")["state"] == "idle"


def wait_for_state(core: HomeAssistantCore, entity: str, state: str, timeout: float) -> None:
    core.wait_for(entity, lambda s: s.get("state") == state, timeout=timeout)


async def test_the_blueprint_switches_off_when_the_timer_ends_also_while_it_was_down(
    home_assistant: HomeAssistantCore,
) -> None:
    core = home_assistant
    # The thermostat: heating, its timer ends, the blueprint sets it off. (A timer running
    # across a restart is in the SIGKILL test below.)
    core.call("climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="heat")
    core.call("timer", "start", entity_id="timer.sauna_auto_off", duration="00:00:02")
    await asyncio.to_thread(wait_for_state, core, "climate.sauna", "off", 15)
    # The timer ends while Home Assistant is down: switched off as it starts.
    core.call("switch", "turn_on", entity_id="switch.boots")
    core.call("timer", "start", entity_id="timer.boots_auto_off", duration="00:00:01")
    await asyncio.to_thread(core.stop)
    await asyncio.sleep(2)  # past the timer's end while Home Assistant is stopped
    await asyncio.to_thread(core.start)
    await asyncio.to_thread(wait_for_state, core, "switch.boots", "off", 30)


async def test_sigkill_mid_session_and_a_restarted_home_assistant_still_end_it(
    home_assistant: HomeAssistantCore, mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    core = home_assistant
    # The daemon's clock is set so that both sessions have 75 s to go: the sauna (1 min
    # pre-heat, 5 min start wait, 5 min session) is 9:45 into its block, its heat-on run late
    # inside its 10-minute grace; the boots (2 min) started 45 s ago.
    now = datetime(2026, 3, 4, 16, 59, 45, tzinfo=ZONE)
    end = datetime(2026, 3, 4, 17, 1, tzinfo=ZONE)
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        "household: {timezone: Europe/Berlin, decide_at: '07:00'}\n"
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {mosquitto.port}}}\n"
        f"homeassistant: {{url: '{core.url}', token: '{core.token}', discovery: false}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
        "devices:\n"
        "  sauna: {kind: sauna, via: homeassistant, entity: climate.sauna, ambient_c: 35,"
        " heat_rate_c_per_min: 10, start_wait_min: 5, auto_off_timer: timer.sauna_auto_off}\n"
        "  boots: {kind: compression, via: homeassistant, entity: switch.boots,"
        " auto_off_timer: timer.boots_auto_off}\n"
        "recovery:\n"
        "  active_recovery:\n"
        "    sauna: {device: sauna, ready_by: '16:51', minutes: 5, temp_c: 40}\n"
        "    compression: {device: boots, at: '16:59', minutes: 2}\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "r.db") as store:
        store.upsert(*generate(now.date()))
        store.set_override("alex", now.date(), Protocol.ACTIVE_RECOVERY, now)
    clock = tmp_path / "clock"
    clock.write_text(repr((now - datetime.now(ZONE)).total_seconds()), encoding="utf-8")
    started = datetime.now(ZONE)
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.daemon_process", str(config), str(clock),
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    def both_on() -> bool:
        return (core.state("switch.boots")["state"], core.state("climate.sauna")["state"]) == (
            "on", "heat",
        )  # fmt: skip

    try:
        await until(both_on, "the boots and the sauna on", 30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            daemon.send_signal(signal.SIGKILL)
        await daemon.wait()
    killed = datetime.now(ZONE)
    # The planned end, in real time: 75 s after the daemon's clock read 16:59:45.
    real_end = started + (end - now)
    for timer in ("timer.boots_auto_off", "timer.sauna_auto_off"):
        state = core.state(timer)
        assert state["state"] == "active"
        # Armed for the rest of each session, not its planned length.
        finishes = datetime.fromisoformat(state["attributes"]["finishes_at"])
        assert real_end - timedelta(seconds=5) <= finishes <= real_end + timedelta(seconds=3)
    # Home Assistant restarted in the middle of it: the timers are restored and still end it.
    await asyncio.to_thread(core.stop)
    await asyncio.to_thread(core.start)
    assert core.state("switch.boots")["state"] == "on"  # restored, with its timer
    left = max((real_end - datetime.now(ZONE)).total_seconds(), 0)
    await asyncio.to_thread(wait_for_state, core, "switch.boots", "off", left + 10)
    await asyncio.to_thread(wait_for_state, core, "climate.sauna", "off", 10)
    assert datetime.now(ZONE) <= real_end + timedelta(seconds=10)
    # Switched off by the blueprint's automations, after the daemon was gone.
    for automation in ("automation.boots_auto_off", "automation.sauna_auto_off"):
        triggered = core.state(automation)["attributes"]["last_triggered"]
        assert datetime.fromisoformat(triggered) > killed

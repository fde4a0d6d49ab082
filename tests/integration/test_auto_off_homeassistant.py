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
from integrations.homeassistant.actuator import HomeAssistant
from recoveryd.home_config import DeviceConfig
from recoveryd.models import Action, Protocol
from recoveryd.sampledata import generate
from recoveryd.store import Store

from tests.conftest import BrokerAddress, until
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("Europe/Berlin")
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")


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


async def test_the_blueprint_switches_off_when_the_timer_ends_also_across_a_restart(
    home_assistant: HomeAssistantCore,
) -> None:
    core = home_assistant
    # The thermostat: heating, its timer ends, the blueprint sets it off.
    core.call("climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="heat")
    core.call("timer", "start", entity_id="timer.sauna_auto_off", duration="00:00:02")
    await asyncio.to_thread(wait_for_state, core, "climate.sauna", "off", 15)
    # The boots: their timer runs across a restart of Home Assistant and then ends.
    core.call("switch", "turn_on", entity_id="switch.boots")
    core.call("timer", "start", entity_id="timer.boots_auto_off", duration="00:00:40")
    await asyncio.to_thread(core.stop)
    await asyncio.to_thread(core.start)
    assert core.state("switch.boots")["state"] == "on"  # restored, and the timer with it
    assert core.state("timer.boots_auto_off")["state"] == "active"
    await asyncio.to_thread(wait_for_state, core, "switch.boots", "off", 60)
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
    # A household time zone where the sessions are well inside today's budget.
    zone = next(z for z in map(ZoneInfo, ZONES) if 2 <= datetime.now(z).hour < 20)
    now = datetime.now(zone)
    if now.second > 40:
        await asyncio.sleep(61 - now.second)
        now = datetime.now(zone)
    start = now.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=2)
    # The sauna heats from 9 minutes ago (1 min pre-heat, 5 min start wait, 5 min session):
    # its heat-on runs late, inside its 10-minute grace, and ends with the boots.
    ready = start - timedelta(minutes=8)
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"household: {{timezone: {zone.key}, decide_at: '00:00'}}\n"
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
        f"    sauna: {{device: sauna, ready_by: '{ready:%H:%M}', minutes: 5, temp_c: 40}}\n"
        f"    compression: {{device: boots, at: '{start:%H:%M}', minutes: 2}}\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "r.db") as store:
        store.upsert(*generate(now.date()))
        store.set_override("alex", now.date(), Protocol.ACTIVE_RECOVERY, now)
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "recoveryd", "run", "--config", str(config),
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
    killed = datetime.now(zone)
    for timer in ("timer.boots_auto_off", "timer.sauna_auto_off"):
        state = core.state(timer)
        assert state["state"] == "active"
        # Armed for the rest of each session, not its planned length.
        finishes = datetime.fromisoformat(state["attributes"]["finishes_at"])
        assert end - timedelta(seconds=5) <= finishes <= end + timedelta(seconds=2)
    # Home Assistant restarted in the middle of it: the timers are restored and still end it.
    await asyncio.to_thread(core.stop)
    await asyncio.to_thread(core.start)
    left = max((end - datetime.now(zone)).total_seconds(), 0)
    await asyncio.to_thread(wait_for_state, core, "switch.boots", "off", left + 10)
    await asyncio.to_thread(wait_for_state, core, "climate.sauna", "off", 10)
    assert datetime.now(zone) <= end + timedelta(seconds=10)
    # Switched off by the blueprint's automations, after the daemon was gone.
    for automation in ("automation.boots_auto_off", "automation.sauna_auto_off"):
        triggered = core.state(automation)["attributes"]["last_triggered"]
        assert datetime.fromisoformat(triggered) > killed

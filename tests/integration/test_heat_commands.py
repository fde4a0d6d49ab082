# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Commands that must not keep the heat on: the ways a sauna was left heating, each replayed.

Commands go over a real mosquitto as Home Assistant sends them; the sauna is a recording
stand-in (or, where the daemon is killed, a stand-in Tasmota plug that a daemon process
drives). Each test is one of the sequences a careless user, a misbehaving automation or an
attacker sent, and checks what the heater was told.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest
from recoveryd.cli.main import main as cli
from recoveryd.config.home import DeviceConfig
from recoveryd.config.model import Config
from recoveryd.daemon.ports import ActionResult
from recoveryd.domain.models import Action, CheckIn, Night, Protocol
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, until
from tests.integration.test_clock_jumps import JumpingClock, at, running
from tests.integration.test_daemon_mqtt import Watcher, watching
from tests.integration.test_daemon_timeline import FixedClock, Recorder, run_until_idle

pytestmark = pytest.mark.integration


def answers(watcher: Watcher, athlete: str) -> list[dict[str, str]]:
    found = [m.json() for m in watcher.on(f"recoveryd/{athlete}/event")]
    return [e for e in found if e["event_type"] in {"command", "error"}]


async def press(
    watcher: Watcher, athlete: str, control: str, value: str = "PRESS"
) -> dict[str, str]:
    """Send a command as Home Assistant does; the daemon's answer (accepted or refused)."""
    before = len(answers(watcher, athlete))
    await watcher.client.publish(f"recoveryd/{athlete}/set/{control}", value, qos=1)
    await watcher.until(lambda: len(answers(watcher, athlete)) > before, f"{control} answered")
    return answers(watcher, athlete)[-1]


def sauna(recorder: Recorder) -> list[str]:
    return [a.command for a in recorder.done if a.device == "sauna"]


async def test_skip_then_start_repeated_heats_once_and_switches_off_at_the_skip(
    household: Config, mosquitto: BrokerAddress
) -> None:
    recorder = Recorder()
    async with (
        watching(mosquitto) as watcher,
        running(household, JumpingClock(at(10, 0)), recorder),
    ):
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/live")), "the day")
        assert (await press(watcher, "alex", "start_session"))["summary"] == (
            "recovery session starts now"
        )  # fmt: skip
        await until(lambda: sauna(recorder) == ["heat_on"], "the heat on")
        for _ in range(3):
            assert (await press(watcher, "alex", "skip_today"))["event_type"] == "command"
            await until(lambda: sauna(recorder) == ["heat_on", "heat_off"], "the heat off")
            refused = await press(watcher, "alex", "start_session")
            assert refused["error"] == "start_session: today's recovery session has already begun"
        # Sam's session is still to come: the sauna's day has room for it.
        live = json.loads(watcher.on("recoveryd/alex/live")[-1].payload)
        assert (live["skipped"], live["session_running"]) == (True, False)
    assert sauna(recorder) == ["heat_on", "heat_off"]  # one switch-on, ended at the first skip


async def test_a_plan_changed_under_a_running_session_keeps_its_switch_off(
    household: Config, mosquitto: BrokerAddress
) -> None:
    recorder = Recorder()
    async with (
        watching(mosquitto) as watcher,
        running(household, JumpingClock(at(10, 0)), recorder) as daemon,
    ):
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/live")), "the day")
        await press(watcher, "alex", "start_session")
        await until(lambda: sauna(recorder) == ["heat_on"], "the heat on")
        heat_on = recorder.done[0]
        assert heat_on.ends_at is not None
        # Rest has a sauna too (at its own time): Start-now held only for active recovery, so
        # the session under way is no longer the plan's, and a slider moves after that.
        await press(watcher, "alex", "protocol", "rest")
        await press(watcher, "alex", "checkin_mood", "2")
        offs = [
            a
            for a in daemon.actions.timeline.values()
            if a.device == "sauna" and a.command == "heat_off"
        ]
        assert heat_on.ends_at in [a.at for a in offs]  # the logged end, whatever the plan
        live = json.loads(watcher.on("recoveryd/alex/live")[-1].payload)
        assert live["session_running"] is True
        # Sam presses Start while the sauna is on: refused, the sauna's switch-off stands.
        refused = await press(watcher, "sam", "start_session")
        assert refused["error"].startswith("start_session: sauna is still on until")
    assert sauna(recorder) == ["heat_on"]


async def test_a_retained_command_is_ignored_and_cleared(
    household: Config, mosquitto: BrokerAddress, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="recoveryd.daemon")
    async with aiomqtt.Client(mosquitto.host, mosquitto.port, identifier="automation") as client:
        # A misbehaving automation (or an attacker) leaves a press on the broker.
        await client.publish("recoveryd/alex/set/start_session", "PRESS", qos=1, retain=True)
    recorder = Recorder()
    # After the day's decision: obeyed, the press would start Alex's sauna at once.
    async with (
        watching(mosquitto) as watcher,
        running(household, JumpingClock(at(10, 0)), recorder),
    ):
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/live")), "the day")
        await until(
            lambda: any("ignored a retained command" in r.getMessage() for r in caplog.records),
            "the retained command refused",
        )
    assert recorder.done == []
    assert [r.getMessage() for r in caplog.records if "retained" in r.getMessage()] == [
        "ignored a retained command on recoveryd/alex/set/start_session; clearing it"
    ]
    # Cleared: a new subscriber gets no retained press before a message sent after it
    # subscribed (the broker sends retained messages first).
    async with aiomqtt.Client(mosquitto.host, mosquitto.port, identifier="late") as client:
        await client.subscribe("recoveryd/alex/set/#", qos=1)
        await client.publish("recoveryd/alex/set/marker", "after", qos=1)
        seen = []
        async for message in client.messages:
            seen.append(str(message.topic))
            if seen[-1].endswith("/marker"):
                break
    assert seen == ["recoveryd/alex/set/marker"]


def plug_household(tmp_path: Path, port: int) -> Path:
    """The same household with the sauna on a Tasmota plug, for a daemon in its own process."""
    config = tmp_path / "r.yaml"
    config.write_text(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-killed, reconnect_max_s: 1}}
homeassistant: {{discovery: false}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  sauna: {{kind: sauna, via: tasmota, topic: sauna_plug, heat_rate_c_per_min: 2, ambient_c: 20}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "18:00", minutes: 20, temp_c: 80}}
""",
        encoding="utf-8",
    )
    return config


async def test_killed_while_heating_then_a_protocol_without_sauna_switches_it_off_at_start(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = plug_household(tmp_path, mosquitto.port)
    with Store(tmp_path / "r.db") as store:
        store.upsert(*sample)
        store.set_override("alex", SAMPLE_END, Protocol.ACTIVE_RECOVERY, at(6, 0))
    clock_file = tmp_path / "clock"
    commands: list[str] = []

    async def start() -> asyncio.subprocess.Process:
        # 17:31: the pre-heat (17:30) is due; the clock file keeps the daemon there.
        clock_file.write_text(repr((at(17, 31) - datetime.now(UTC)).total_seconds()))
        with (tmp_path / "daemon.log").open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.integration.daemon_process", str(config),
                str(clock_file), env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=log,
            )  # fmt: skip

    async with aiomqtt.Client(mosquitto.host, mosquitto.port, identifier="plug") as plug:
        await plug.subscribe("cmnd/sauna_plug/POWER", qos=1)

        async def firmware() -> None:
            async for message in plug.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                commands.append(payload.decode())
                await plug.publish("stat/sauna_plug/POWER", payload)

        answering = asyncio.create_task(firmware())
        daemon = await start()
        await until(lambda: commands == ["ON"], "the heat on")
        daemon.send_signal(signal.SIGKILL)
        await daemon.wait()
        args = ["override", "--athlete", "alex", "--protocol", "mobility",
                "--date", SAMPLE_END.isoformat(), "--config", str(config)]  # fmt: skip
        assert await asyncio.to_thread(cli, args) == 0
        daemon = await start()

        def switched_off() -> bool:
            with Store(tmp_path / "r.db") as store:
                logged = store.action_history(SAMPLE_END)
            return ("heat_off", "done") in [(c, s) for _, c, s, _ in logged]

        try:
            await until(lambda: commands == ["ON", "OFF"], "the heat off at once")
            await until(switched_off, "the heat-off confirmed and logged")
        finally:
            daemon.terminate()
            await daemon.wait()
            answering.cancel()
    with Store(tmp_path / "r.db") as store:
        log = store.action_history(SAMPLE_END)
    # (Killed as the plug answered, the heat-on may not have been confirmed: "sending" then,
    # and the switch-off owed all the same.)
    assert [c for _, c, _, _ in log] == ["heat_on", "heat_off"]
    assert (log[0][2] in {"sending", "done"}, log[1][2]) == (True, "done")


async def test_start_now_ends_with_the_protocol_it_was_pressed_for(
    household: Config, mosquitto: BrokerAddress
) -> None:
    recorder = Recorder()
    # Paused: Start is accepted, but nothing switches on; only the plan is looked at.
    with Store(household.storage.path) as store:
        store.set_setting("paused", "on")
    async with (
        watching(mosquitto) as watcher,
        running(household, JumpingClock(at(10, 0)), recorder) as daemon,
    ):
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/live")), "the day")
        await press(watcher, "alex", "start_session")
        started = [
            a
            for a in daemon.actions.timeline.values()
            if a.athlete == "alex" and a.modality == "sauna"
        ]
        assert min(a.at for a in started) < at(10, 1)  # the session moved to now
        await press(watcher, "alex", "protocol", "rest")
        rest = [
            a
            for a in daemon.actions.timeline.values()
            if a.athlete == "alex" and a.modality == "sauna"
        ]
        # Rest's own sauna, at its own time: the press was for active recovery.
        assert min(a.at for a in rest) == at(17, 30) + timedelta(0)
    assert recorder.done == []


class Crashing(Recorder):
    """A recording actuator with a bug: every heat-on raises."""

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        if action.command == "heat_on":
            self.done.append(action)
            raise KeyError(action.command)
        return await super().execute(action, device)


async def test_an_actuator_that_raises_leaves_nothing_in_flight_and_switches_off(
    household: Config, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Crashing()
    await run_until_idle(household, FixedClock(at(17, 31)), recorder)
    # The heat-on's outcome is unknown: reported as failed, so the switch-off runs at once
    # (it would wait forever behind a switch-on still in flight).
    assert [a.command for a in recorder.done] == ["heat_on", "heat_off"]
    assert "heat_on sauna: unexpected error" in caplog.text
    with Store(household.storage.path) as store:
        log = store.action_history(SAMPLE_END)
    assert [(c, s) for _, c, s, _ in log] == [("heat_on", "failed"), ("heat_off", "done")]

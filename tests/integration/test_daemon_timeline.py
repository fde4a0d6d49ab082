# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon runs the household timeline: catch-up after restarts, nothing twice, heat off late."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bleak.backends.device import BLEDevice
from recoveryd.config.athletes import HrvStrapConfig
from recoveryd.config.home import DeviceConfig
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon.day_state import apply_command
from recoveryd.daemon.ports import ActionResult
from recoveryd.daemon.service import Daemon
from recoveryd.domain.commands import DayButton, SetPaused
from recoveryd.domain.models import Action, CheckIn, Night, Protocol
from recoveryd.home.safety import Sensors
from recoveryd.integrations.ble.hrm import Recording, record
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress
from tests.unit.test_hrv import mit_bih
from tests.unit.test_measure_hrv import STRAP, FakeStrap

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class FixedClock:
    value: datetime

    def now(self) -> datetime:
        return self.value


@dataclass
class Recorder:
    """An actuator that records what it was asked to do."""

    done: list[Action] = field(default_factory=list)
    door_open: bool = False
    failing: frozenset[str] = frozenset()

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002
        return Sensors(door_open=self.door_open)

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:  # noqa: ARG002
        self.done.append(action)
        if action.command in self.failing:
            return ActionResult("failed", f"{action.command}: no confirmation within 5 s")
        return ActionResult("done", f"{action.command} recorded")


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(
        SAMPLE_END, datetime.min.time().replace(hour=hh, minute=mm), tzinfo=BERLIN
    )


async def run_until_idle(config: Config, clock: FixedClock, recorder: Recorder) -> None:
    """Start the daemon, let it decide, build the timeline and run what is due, then stop."""
    stop = asyncio.Event()
    daemon = Daemon(config, clock=clock, actuators={"dry_run": recorder})
    task = asyncio.create_task(daemon.run(stop))

    async def idle() -> None:
        while not daemon.link.connected or daemon.queue.qsize() or daemon._running:
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(idle(), 15)
        await asyncio.wait_for(idle(), 15)  # actions finished report back through the queue
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


def logged(config: Config) -> list[tuple[str, str, str, str]]:
    with Store(config.storage.path) as store:
        return store.action_history(SAMPLE_END)


async def test_restart_inside_the_grace_window_runs_late_and_only_once(household: Config) -> None:
    recorder = Recorder()
    # The sauna must be ready at 18:00: 80 °C from 20 °C at 2 °C/min, so pre-heat at 17:30.
    await run_until_idle(household, FixedClock(at(17, 35)), recorder)
    assert [(a.command, a.device, a.at) for a in recorder.done] == [
        ("heat_on", "sauna", at(17, 30))
    ]
    heat_on = recorder.done[0]
    # Alex 18:00-18:40 and Sam after, in one heating block: the auto-off covers both.
    assert heat_on.param("auto_off_min") == str(30 + 40 + 40)
    await run_until_idle(household, FixedClock(at(17, 40)), recorder)
    assert len(recorder.done) == 1  # not twice
    # Restarted long after: the heat-off (19:20) runs late, the wind-down does not run early.
    await run_until_idle(household, FixedClock(at(19, 30)), recorder)
    assert [a.command for a in recorder.done] == ["heat_on", "heat_off"]
    assert [(c, s) for _, c, s, _ in logged(household)] == [
        ("heat_on", "done"),
        ("heat_off", "done"),
    ]


async def test_restart_outside_the_grace_window_never_preheats_late(household: Config) -> None:
    recorder = Recorder()
    await run_until_idle(household, FixedClock(at(17, 55)), recorder)
    assert recorder.done == []  # 25 minutes late: no pre-heat
    assert [(c, s, d) for _, c, s, d in logged(household)] == [
        ("heat_on", "missed", "too late to start after a restart or a clock jump")
    ]


async def test_an_open_door_refuses_heat_and_says_why(household: Config) -> None:
    recorder = Recorder(door_open=True)
    await run_until_idle(household, FixedClock(at(17, 31)), recorder)
    assert recorder.done == []
    assert [(c, s, d) for _, c, s, d in logged(household)] == [
        ("heat_on", "refused", "refused: the sauna door is open")
    ]


async def test_an_unconfirmed_heat_on_switches_the_heat_off_at_once(household: Config) -> None:
    # The plug may have switched on without saying so: its state is unknown, so it goes off
    # now rather than at 19:20 when the shared session would have ended.
    recorder = Recorder(failing=frozenset({"heat_on"}))
    await run_until_idle(household, FixedClock(at(17, 31)), recorder)
    assert [(a.command, a.device) for a in recorder.done] == [
        ("heat_on", "sauna"),
        ("heat_off", "sauna"),
    ]
    # Owed from the log at once (timed when the switch-on went out, so its key stays the
    # same), not at 19:20 with the block's own switch-off.
    assert recorder.done[1].at == at(17, 31)
    assert [(c, s) for _, c, s, _ in logged(household)] == [
        ("heat_on", "failed"),
        ("heat_off", "done"),
    ]
    # Restarted: the switch-off is settled and does not run again at 19:20.
    await run_until_idle(household, FixedClock(at(19, 25)), recorder)
    assert len(recorder.done) == 2


def wake_household(
    tmp_path: Path,
    broker: BrokerAddress,
    sample: tuple[list[Night], list[CheckIn]],
    athletes_yaml: str,
) -> Config:
    """A household whose wake scene waits for a bed sensor; today set to as planned."""
    config = parse_config(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "05:00"}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {broker.port}, reconnect_max_s: 1}}
homeassistant: {{url: "http://127.0.0.1:9", token: t, state_poll_s: 0.1}}
{athletes_yaml}
devices: {{wake_up: {{kind: scene, via: dry_run}}}}
recovery:
  as_planned:
    wake: {{device: wake_up, wake_entity: binary_sensor.bed, earliest: "05:30", latest: "08:00"}}
""",
        label="wake.yaml",
        base_dir=tmp_path,
    )
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        store.set_override("alex", SAMPLE_END, Protocol.AS_PLANNED, datetime.now(UTC))
    return config


@dataclass
class BedSensor:
    """A wake entity read through the StateReader port; the test moves its state."""

    state: str = "on"
    reads: int = 0

    async def entity_state(self, entity: str) -> str | None:
        assert entity == "binary_sensor.bed"
        self.reads += 1
        return self.state


async def test_getting_up_runs_the_wake_scene_early_and_only_once(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = wake_household(
        tmp_path, mosquitto, sample, "athletes: [{id: alex, name: Alex, sources: [oura]}]"
    )
    bed, recorder, stop = BedSensor(), Recorder(), asyncio.Event()
    daemon = Daemon(
        config, clock=FixedClock(at(6, 40)), actuators={"dry_run": recorder}, state_reader=bed
    )
    task = asyncio.create_task(daemon.run(stop))

    async def until(condition: Callable[[], bool]) -> None:
        while not condition():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(until(lambda: bed.reads >= 3), 15)
        assert recorder.done == []  # still in bed
        bed.state = "off"
        await asyncio.wait_for(until(lambda: bool(recorder.done)), 15)
        reads = bed.reads
        await asyncio.wait_for(until(lambda: not daemon._running and bed.reads == reads), 15)
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    ((scene),) = recorder.done
    assert (scene.command, scene.device, scene.at) == ("scene", "wake_up", at(8, 0))
    assert [(c, s) for _, c, s, _ in logged(config)] == [("scene", "done")]


async def test_paused_actuation_starts_nothing_but_still_switches_off(household: Config) -> None:
    recorder = Recorder()
    await run_until_idle(household, FixedClock(at(17, 31)), recorder)  # heat on at 17:30
    with Store(household.storage.path) as store:
        apply_command(store, SetPaused(paused=True), at(17, 32))
    # Restarted while paused, after the heat-off time and inside the wind-down's grace.
    await run_until_idle(household, FixedClock(at(21, 35)), recorder)
    assert [a.command for a in recorder.done] == ["heat_on", "heat_off"]
    assert sorted((c, s) for _, c, s, _ in logged(household)) == [
        ("heat_off", "done"),
        ("heat_on", "done"),
        ("scene", "paused"),
        ("scene", "paused"),
    ]


async def test_start_now_moves_the_session_and_skip_drops_it(household: Config) -> None:
    with Store(household.storage.path) as store:
        apply_command(store, DayButton("alex", "start_session"), at(10, 0))
        apply_command(store, DayButton("sam", "skip_today"), at(10, 0))
    recorder = Recorder()
    await run_until_idle(household, FixedClock(at(10, 0)), recorder)
    # Alex's pre-heat runs at once, and the auto-off covers Alex's session alone.
    assert [(a.command, a.athlete, a.at) for a in recorder.done] == [("heat_on", "alex", at(10, 0))]
    assert recorder.done[0].param("auto_off_min") == str(30 + 40)


async def test_getting_up_starts_the_morning_reading_and_it_is_decided_on(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = wake_household(
        tmp_path, mosquitto, sample,
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [polar_h10, oura],\n"
        "     hrv_strap: {device: Polar H10 1234ABCD, source: polar_h10, minutes: 1,\n"
        "                 settle_s: 10, after_wake: true}}",
    )  # fmt: skip
    series = [float(v) for v in mit_bih("Long")[:400]]
    strap = FakeStrap(series)

    async def find(_: str) -> BLEDevice | None:
        return STRAP

    async def connect(_: BLEDevice, on_disconnect: Callable[[], None]) -> FakeStrap:
        strap.on_disconnect = on_disconnect
        return strap

    async def recorder(settings: HrvStrapConfig) -> Recording:
        return await record(settings.device, minutes=settings.minutes,
                            settle_s=settings.settle_s, finder=find, connector=connect)  # fmt: skip

    bed, stop = BedSensor(), asyncio.Event()
    daemon = Daemon(config, clock=FixedClock(at(6, 40)), actuators={"dry_run": Recorder()},
                    state_reader=bed, strap_recorder=recorder)  # fmt: skip
    task = asyncio.create_task(daemon.run(stop))

    async def until(condition: Callable[[], bool]) -> None:
        while not condition():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(until(lambda: bed.reads >= 2), 15)
        bed.state = "off"
        await asyncio.wait_for(
            until(lambda: bool(daemon.store.nights("alex", SAMPLE_END, SAMPLE_END)[1:])), 15
        )
        await asyncio.wait_for(
            until(lambda: daemon.store.decision_count("alex", SAMPLE_END) == 2), 15
        )
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    with Store(config.storage.path) as store:
        [reading] = store.morning_readings("alex", SAMPLE_END, SAMPLE_END)
        decision = store.latest_decision("alex", SAMPLE_END)
    assert (reading.good, reading.battery_pct, reading.source) == (True, 87, "polar_h10")
    assert decision is not None
    # The strap is the preferred source now: the decision reads its rMSSD.
    assert decision.plan.readiness.measurement("hrv_rmssd_ms") == pytest.approx(
        reading.rmssd_ms, abs=0.05
    )

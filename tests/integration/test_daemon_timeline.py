# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon runs the household timeline: catch-up after restarts, nothing twice, heat off late."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config import Config
from recoveryd.daemon import Daemon
from recoveryd.home_config import DeviceConfig
from recoveryd.models import Action, CheckIn, Night, Protocol
from recoveryd.ports import ActionResult
from recoveryd.safety import Sensors
from recoveryd.store import Store

from tests.conftest import SAMPLE_END, BrokerAddress, make_config

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

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002
        return Sensors(door_open=self.door_open)

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:  # noqa: ARG002
        self.done.append(action)
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


@pytest.fixture
def household(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> Config:
    config = make_config(tmp_path, port=mosquitto.port)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        for athlete in ("alex", "sam"):  # both want the shared sauna today
            store.set_override(athlete, SAMPLE_END, Protocol.ACTIVE_RECOVERY, datetime.now(UTC))
    return config


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
        ("heat_on", "missed", "too late to start after a restart")
    ]


async def test_an_open_door_refuses_heat_and_says_why(household: Config) -> None:
    recorder = Recorder(door_open=True)
    await run_until_idle(household, FixedClock(at(17, 31)), recorder)
    assert recorder.done == []
    assert [(c, s, d) for _, c, s, d in logged(household)] == [
        ("heat_on", "refused", "refused: the sauna door is open")
    ]

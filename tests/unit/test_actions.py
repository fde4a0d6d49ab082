# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The actions collaborator alone: a real store, a recording actuator, a fake clock and queue.

Nothing of the daemon runs: the schedule is two recorders, spawned work is kept and awaited
by the test, and every event the collaborator enqueues is looked at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.home import DeviceConfig
from recoveryd.config.model import Config
from recoveryd.daemon import actions as actions_module
from recoveryd.daemon.actions import Actions
from recoveryd.daemon.day_state import PAUSED
from recoveryd.daemon.deciding import decide_and_store
from recoveryd.daemon.ports import ActionResult
from recoveryd.domain.events import ActionDue, ActionFinished, Event
from recoveryd.domain.models import Action, Protocol
from recoveryd.home.safety import Sensors
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

BERLIN = ZoneInfo("Europe/Berlin")


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(SAMPLE_END, datetime.min.time(), tzinfo=BERLIN).replace(
        hour=hh, minute=mm
    )


@dataclass
class Recorder:
    """A device that confirms what it is told, or fails the commands named in ``failing``."""

    done: list[Action] = field(default_factory=list)
    failing: frozenset[str] = frozenset()

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002
        return Sensors(door_open=False)

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:  # noqa: ARG002
        self.done.append(action)
        if action.command in self.failing:
            return ActionResult("failed", "no confirmation within 5 s")
        return ActionResult("done", "confirmed")


@dataclass
class Fakes:
    """What the collaborator talks to, recorded."""

    now: datetime = field(default_factory=lambda: at(10, 0))
    events: list[Event] = field(default_factory=list)
    spawned: list[tuple[Coroutine[Any, Any, None], str]] = field(default_factory=list)
    posted: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    scheduled: dict[str, timedelta] = field(default_factory=dict)
    device: Recorder = field(default_factory=Recorder)

    def today(self) -> tuple[date, datetime]:
        return self.now.date(), self.now

    def event(
        self, athlete: str, event_type: str, /, *, supersedes: str | None = None, **data: Any
    ) -> None:
        assert supersedes is None
        self.posted.append((athlete, event_type, data))

    def forget(self, key: str) -> None:
        self.scheduled.pop(key, None)

    async def run_spawned(self) -> list[str]:
        """Run the work spawned so far, in order; their names."""
        work, self.spawned = self.spawned, []
        for coroutine, _ in work:
            await coroutine
        return [name for _, name in work]


def build(
    config: Config, store: Store, fakes: Fakes, put: Callable[[Event], None] | None = None
) -> Actions:
    return Actions(
        config, store, actuators={"dry_run": fakes.device}, today=fakes.today,
        put=put or fakes.events.append, spawn=lambda work, name: fakes.spawned.append((work, name)),
        event=fakes.event, at=fakes.scheduled.__setitem__,
        forget=fakes.forget,
    )  # fmt: skip


@pytest.fixture
def decided(sample_store: tuple[Config, Store]) -> tuple[Config, Store]:
    """Alex on active recovery today: a sauna ready by 18:00 and a wind-down scene at 21:30."""
    config, store = sample_store
    store.set_override("alex", SAMPLE_END, Protocol.ACTIVE_RECOVERY, datetime.now(UTC))
    for athlete in ("alex", "sam"):
        decide_and_store(store, config, athlete, SAMPLE_END, at(7, 0))
    return config, store


def sauna_of(actions: Actions, command: str) -> Action:
    [found] = [a for a in actions.timeline.values() if a.device == "sauna" and a.command == command]
    return found


async def test_the_day_is_scheduled_and_a_switch_on_runs_once(
    decided: tuple[Config, Store],
) -> None:
    config, store = decided
    fakes = Fakes()
    actions = build(config, store, fakes)
    actions.rebuild()
    heat_on, heat_off = sauna_of(actions, "heat_on"), sauna_of(actions, "heat_off")
    # Everything is later today: handed to the schedule at its own time, nothing started.
    assert set(fakes.scheduled) == set(actions.timeline)
    assert fakes.scheduled[heat_on.key] == heat_on.at - fakes.now
    assert fakes.spawned == []
    fakes.now = heat_on.at
    actions.start(heat_on.key)
    actions.start(heat_on.key)  # in flight: never sent twice
    assert [name for _, name in fakes.spawned] == [f"action {heat_on.key}"]
    assert [e.status for e in store.action_log(SAMPLE_END, SAMPLE_END)] == ["sending"]
    actions.start(heat_off.key)  # its switch-on is not confirmed yet: the switch-off waits
    assert len(fakes.spawned) == 1
    assert await fakes.run_spawned() == [f"action {heat_on.key}"]
    [sent] = fakes.device.done
    # The device's own auto-off covers the rest of the session; retries end with its grace.
    assert heat_on.ends_at is not None
    assert sent.param("auto_off_s") == str(int((heat_on.ends_at - heat_on.at).total_seconds()))
    assert sent.param("retry_s") is not None
    [finished] = fakes.events  # what was sent, as sent
    assert finished == ActionFinished(sent, "done", "confirmed")
    assert sent.key == heat_on.key
    actions.finished(heat_on, "done", "confirmed")
    assert fakes.posted[-1][:2] == ("alex", "action")
    assert fakes.posted[-1][2]["status"] == "done"
    assert heat_on.key in store.settled_actions(SAMPLE_END)
    actions.start(heat_on.key)  # settled: not again
    assert fakes.spawned == []
    assert heat_on not in actions.not_yet_run(fakes.now)
    assert heat_off in actions.not_yet_run(fakes.now)


async def test_paused_refused_and_unsent_switch_ons(decided: tuple[Config, Store]) -> None:
    config, store = decided
    fakes = Fakes()
    actions = build(config, store, fakes)
    actions.rebuild()
    heat_on = sauna_of(actions, "heat_on")
    fakes.now = heat_on.at
    store.set_setting(PAUSED, "on")
    actions.start(heat_on.key)
    assert fakes.events == [ActionFinished(heat_on, "paused", "actuation is paused")]
    store.set_setting(PAUSED, "off")
    fakes.events.clear()
    # The broker was away: nothing reached the device; sent again when it is back, in time.
    actions.start(heat_on.key)
    await fakes.run_spawned()
    fakes.events.clear()
    actions.finished(heat_on, "unsent", "not connected to the MQTT broker")
    assert fakes.posted == []  # nothing to report yet
    fakes.now = heat_on.at + timedelta(minutes=1)
    actions.send_unsent()
    assert [name for _, name in fakes.spawned] == [f"action {heat_on.key}"]
    await fakes.run_spawned()
    actions.finished(heat_on, "done", "confirmed")
    # Another switch-on of the sauna while it is on is refused by the log, whoever asks.
    other = replace(heat_on, athlete="sam", at=heat_on.at + timedelta(minutes=5))
    actions.timeline[other.key] = other
    fakes.now = other.at
    actions.start(other.key)
    assert fakes.spawned == []
    refused = fakes.events[-1]
    assert isinstance(refused, ActionFinished)
    assert (refused.action, refused.status) == (other, "refused")
    assert "sauna" in refused.detail


async def test_a_failed_switch_off_is_tried_again_until_it_works(
    decided: tuple[Config, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, store = decided
    monkeypatch.setattr(actions_module, "RETRY_SAFE_S", 0.01)
    fakes = Fakes(device=Recorder(failing=frozenset({"heat_off"})))
    queue: asyncio.Queue[Event] = asyncio.Queue()
    actions = build(config, store, fakes, put=queue.put_nowait)  # the retry's event, awaited
    actions.rebuild()
    heat_off = sauna_of(actions, "heat_off")
    fakes.now = heat_off.at
    actions.start(heat_off.key)
    await fakes.run_spawned()
    failed = await queue.get()
    assert failed == ActionFinished(heat_off, "failed", "no confirmation within 5 s")
    assert fakes.device.done == [heat_off]
    actions.finished(heat_off, "failed", "no confirmation within 5 s")
    assert await asyncio.wait_for(queue.get(), 10) == ActionDue(heat_off.key)
    actions.cancel()


async def test_a_clock_jump_keeps_a_session_under_way_to_its_real_length(
    decided: tuple[Config, Store],
) -> None:
    config, store = decided
    fakes = Fakes()
    actions = build(config, store, fakes)
    actions.rebuild()
    heat_on, heat_off = sauna_of(actions, "heat_on"), sauna_of(actions, "heat_off")
    fakes.now = heat_on.at
    actions.start(heat_on.key)
    await fakes.run_spawned()
    actions.finished(heat_on, "done", "confirmed")
    # The clock jumps an hour forward: the switch-off is due an hour later on the new clock,
    # after the same real time.
    before = fakes.scheduled[heat_off.key]
    fakes.now += timedelta(hours=1)
    actions.clock_jumped(3600.0)
    assert fakes.scheduled[heat_off.key] == before

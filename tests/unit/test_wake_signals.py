# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The wake-signal collaborator alone: a fake Home Assistant reader and a fake queue."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from recoveryd.daemon.wake_signals import WakeSignals
from recoveryd.domain.events import EntityState, Event
from recoveryd.domain.models import Action

BERLIN = ZoneInfo("Europe/Berlin")
LATEST = datetime(2026, 3, 4, 7, 30, tzinfo=BERLIN)


class Bed:
    """Stands in for Home Assistant: the bed occupancy sensor's state."""

    def __init__(self, state: str) -> None:
        self.state = state

    async def entity_state(self, entity: str) -> str | None:
        return self.state if entity == "binary_sensor.bed" else None


def scene(device: str, entity: str | None) -> Action:
    params = () if entity is None else (
        ("wake_entity", entity), ("wake_state", "off"),
        ("earliest", (LATEST - timedelta(hours=1)).isoformat()),
    )  # fmt: skip
    return Action(LATEST, "alex", "wake", "scene_on", device, params=params)


async def test_a_scene_starts_when_its_entity_says_the_athlete_is_up() -> None:
    events: list[Event] = []
    spawned: list[tuple[Coroutine[Any, Any, None], str]] = []
    bed = Bed("on")
    wake = WakeSignals(reader=bed, put=events.append,
                       spawn=lambda work, name: spawned.append((work, name)))  # fmt: skip
    scenes = [scene("wake", "binary_sensor.bed"), scene("plain", None)]
    now = LATEST - timedelta(minutes=30)
    assert [a.device for a, _ in wake.waiting(scenes, now)] == ["wake"]
    wake.poll(scenes, now)
    assert [name for _, name in spawned] == ["read binary_sensor.bed"]
    await spawned[0][0]
    assert events == [EntityState("binary_sensor.bed", "on")]
    assert wake.observed("binary_sensor.bed", "on", scenes, now) == []  # still in bed
    assert wake.observed("binary_sensor.other", "off", scenes, now) == []
    up = wake.observed("binary_sensor.bed", "off", scenes, now + timedelta(minutes=1))
    assert [a.device for a in up] == ["wake"]
    assert wake.waiting(scenes, LATEST + timedelta(minutes=1)) == []  # past its latest

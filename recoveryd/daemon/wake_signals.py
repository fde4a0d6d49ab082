# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Wake scenes that wait for a sign the athlete is up, and what each entity showed so far.

A collaborator of the consumer that owns its own state: one :class:`WakeWatch` per waiting
scene (``recoveryd.home.wake`` says when a state means "up"). Home Assistant is read beside
the consumer; each state comes back as an ``EntityState`` event. The consumer starts the
scenes this says are due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from recoveryd.daemon.ports import Spawn, StateReader
from recoveryd.domain.events import EntityState, Event
from recoveryd.domain.models import Action
from recoveryd.home.wake import WakeWatch, observe

log = logging.getLogger(__name__)


class WakeSignals:
    """Watches the wake entities of the scenes still to come."""

    def __init__(
        self,
        *,
        reader: StateReader | None,
        put: Callable[[Event], None],
        spawn: Spawn,
    ) -> None:
        self._reader, self._put, self._spawn = reader, put, spawn
        self._watches: dict[str, WakeWatch] = {}

    def waiting(self, actions: Iterable[Action], now: datetime) -> list[tuple[Action, WakeWatch]]:
        """Of ``actions`` (not yet run), the wake scenes that wait for a signal now."""
        pending = []
        for action in actions:
            entity = action.param("wake_entity")
            if entity is None:
                continue
            watch = self._watches.get(action.key) or WakeWatch(
                entity=entity,
                wake_state=action.param("wake_state") or "off",
                earliest=datetime.fromisoformat(action.param("earliest") or action.at.isoformat()),
                latest=action.at,
            )
            if watch.watching(now):
                pending.append((action, watch))
        return pending

    def poll(self, actions: Iterable[Action], now: datetime) -> None:
        """Read the entities the waiting scenes watch; each comes back as ``EntityState``."""
        reader = self._reader
        if reader is None:
            return
        for entity in {watch.entity for _, watch in self.waiting(actions, now)}:

            async def read(entity: str = entity) -> None:
                self._put(EntityState(entity, await reader.entity_state(entity)))

            self._spawn(read(), f"read {entity}")

    def observed(
        self, entity: str, state: str | None, actions: Iterable[Action], now: datetime
    ) -> list[Action]:
        """Take in an entity's state; the scenes it says to start now."""
        due = []
        for action, watch in self.waiting(actions, now):
            if watch.entity != entity:
                continue
            self._watches[action.key], awake = observe(watch, state, now)
            if awake:
                log.info(
                    "%s is up (%s is %s): %s scene now instead of at %s",
                    action.athlete, entity, state, action.device, f"{action.at:%H:%M}",
                )  # fmt: skip
                due.append(action)
        return due

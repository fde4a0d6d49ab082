# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The ports the daemon's consumer talks through; adapters in ``integrations/`` implement them."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import Action
from recoveryd.home.safety import Sensors


class Clock(Protocol):
    """Where the daemon gets the time; tests and the demo pass their own."""

    def now(self) -> datetime:
        """The current time, time-zone aware."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, time-zone aware."""
        return datetime.now().astimezone()


Spawn = Callable[[Coroutine[Any, Any, None], str], None]
"""Runs work beside the consumer under a name; the work reports back through the queue."""


class PostEvent(Protocol):
    """Posts one event for an athlete's event entity (what ``Publisher.event`` does)."""

    def __call__(
        self,
        athlete: str,
        event_type: str,
        /,
        *,
        supersedes: str | None = None,
        **data: Any,  # noqa: ANN401 - the event's JSON fields
    ) -> None:
        """Post the event; ``supersedes`` names an unsent one it replaces."""


class PublishError(Exception):
    """A message could not be handed to the broker (not connected, or the broker failed)."""


class BrokerAwayError(PublishError):
    """Not connected to the broker: nothing was sent, so sending again cannot repeat it."""


class Publisher(Protocol):
    """Publishes one MQTT message; raises :class:`PublishError` when it cannot."""

    async def publish(self, topic: str, payload: str | bytes, *, retain: bool, qos: int) -> None:
        """Publish and wait for the broker's acknowledgement (QoS 1)."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What a device did with an action.

    ``status`` is ``done`` (confirmed), ``failed`` (``detail`` says why), ``dry_run``, or
    ``unsent`` (the broker was away and nothing reached the device: it may be sent again).
    """

    status: str
    detail: str


class Actuator(Protocol):
    """Drives one kind of device.

    Implementations retry transient faults themselves and never report a command as done
    unless the device confirmed it.
    """

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        """Carry out ``action`` on ``device``."""

    async def sensors(self, device: DeviceConfig) -> Sensors:
        """The device's door and presence sensors, ``None`` where absent or unreadable."""


class StateReader(Protocol):
    """Reads one entity's state (a wake signal's bed sensor or phone alarm)."""

    async def entity_state(self, entity: str) -> str | None:
        """The entity's state, or ``None`` when it is missing or cannot be read."""

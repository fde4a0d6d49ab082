# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Waits for a device's state message after a command.

A command is only done once the device says so. The MQTT link feeds every message on the
watched topics in; nothing else happens in that callback.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

Predicate = Callable[[bytes], bool]


@dataclass
class StateTracker:
    """Futures waiting for a payload on a topic that satisfies a predicate."""

    _waiting: list[tuple[str, Predicate, asyncio.Future[bytes]]] = field(default_factory=list)

    def feed(self, topic: str, payload: bytes) -> None:
        """A message arrived (called from the MQTT link)."""
        for entry in list(self._waiting):
            wanted, predicate, future = entry
            if wanted == topic and not future.done():
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    if predicate(payload):
                        future.set_result(payload)

    def expect(self, topic: str, predicate: Predicate) -> asyncio.Future[bytes]:
        """Register interest before publishing, so that a fast answer is not missed."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        entry = (topic, predicate, future)
        self._waiting.append(entry)
        future.add_done_callback(lambda _: self._waiting.remove(entry))
        return future

    async def wait(self, future: asyncio.Future[bytes], timeout_s: float) -> bytes | None:
        """The confirming payload, or ``None`` when the device stayed silent."""
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            return None

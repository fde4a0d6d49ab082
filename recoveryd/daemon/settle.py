# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Decisions that commands ask for, leading and trailing: the first at once, a burst together.

A collaborator of the consumer that owns its own state: which athletes asked since the last
decision, when the first of them asked and when the last command came. The first command
after a quiet spell is decided on at once; those that follow within :data:`SETTLE_S` wait,
and are decided on together when the commands pause, at most :data:`SETTLE_MAX_S` after the
first of them (a slider dragged in Home Assistant: one more revision, not one per message).
The window's end comes back through the queue as ``CommandsSettled``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from time import monotonic

from recoveryd.domain.events import CommandsSettled, Event

SETTLE_S = 1.0
SETTLE_MAX_S = 5.0


class CommandedDecisions:
    """Debounces the decisions commands ask for; ``decide`` gets athlete → force."""

    def __init__(
        self,
        *,
        decide: Callable[[Mapping[str, bool]], None],
        put: Callable[[Event], None],
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._decide, self._put, self._clock = decide, put, clock
        self._asked: dict[str, tuple[float, bool]] = {}  # athlete: first asked, force
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> bool:
        """Whether some athlete's decision waits for the commands to pause."""
        return bool(self._asked)

    def ask(self, athlete: str, *, force: bool) -> None:
        """Decide for ``athlete`` now, or once the commands settle (``force``: even unchanged)."""
        now = self._clock()
        if self._timer is None:
            self._decide({athlete: force})
            self._arm(SETTLE_S)
            return
        first, forced = self._asked.get(athlete, (now, False))
        self._asked[athlete] = (first, forced or force)
        self._last = now

    def settled(self) -> None:
        """The window ended: decide on the commands waiting, unless more are still arriving."""
        self._timer = None
        if not self._asked:
            return  # a quiet window: the next command is decided on at once
        now = self._clock()
        quiet = now - self._last
        waited = now - min(first for first, _ in self._asked.values())
        if quiet < SETTLE_S and waited < SETTLE_MAX_S:
            self._arm(min(SETTLE_S - quiet, SETTLE_MAX_S - waited))
            return
        asked, self._asked = self._asked, {}
        self._decide({athlete: force for athlete, (_, force) in asked.items()})
        self._arm(SETTLE_S)

    def cancel(self) -> None:
        """Cancel the window's timer (the daemon stops)."""
        if self._timer is not None:
            self._timer.cancel()

    def _arm(self, delay: float) -> None:
        self._timer = asyncio.get_running_loop().call_later(delay, self._put, CommandsSettled())

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What is failing right now, by operation: the household's problem sensor. No I/O.

A problem is cleared only when the operation that failed succeeds again: a store that can
be written while every decision still fails (a table missing) stays unhealthy, and a write
that goes through says nothing about deciding.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

HANDLING = "handling "  # the prefix of an event's own operation: "handling ActionFinished"
STORING = "storing what arrives over MQTT"  # the operation of commands and ingest


class Health:
    """The daemon's failing operations, each with its one-line reason."""

    def __init__(self) -> None:
        self._failing: dict[str, str] = {}
        self._recorded: BaseException | None = None
        self.changed = False  # since the problem was last published

    @property
    def problem(self) -> str | None:
        """The reason of the oldest failure still unresolved; ``None`` when healthy."""
        return next(iter(self._failing.values()), None)

    def failing(self, operation: str) -> bool:
        """Whether ``operation`` failed and has not succeeded since."""
        return operation in self._failing

    def recorded(self, exc: BaseException) -> bool:
        """Whether ``exc`` was already recorded by the operation it came from."""
        return exc is self._recorded

    def failed(self, operation: str, reason: str, exc: BaseException | None = None) -> None:
        """``operation`` failed with ``reason`` (one line)."""
        if self._failing.get(operation) != reason:
            self._failing[operation] = reason
            self.changed = True
        self._recorded = exc

    def succeeded(self, operation: str) -> None:
        """``operation`` went through: its problem, if it had one, is over."""
        if self._failing.pop(operation, None) is not None:
            log.info("%s works again", operation)
            self.changed = True

    def handling_failed(self) -> bool:
        """Whether an event failed that names no operation of its own (see :meth:`probed`)."""
        return any(name.startswith(HANDLING) for name in self._failing)

    def probed(self) -> None:
        """A write to the store went through: the failures of plain event handling are over.

        They name no operation that could be tried again by itself; the named ones (deciding,
        storing what arrives) stay until they succeed.
        """
        for name in [n for n in self._failing if n.startswith(HANDLING)]:
            self.succeeded(name)

    @contextmanager
    def operation(self, name: str) -> Iterator[None]:
        """Run a store operation: a :class:`sqlite3.Error` records it (and goes on up)."""
        try:
            yield
        except sqlite3.Error as exc:
            if not self.recorded(exc):  # an operation inside this one named it already
                self.failed(name, f"store: {exc}", exc)
            raise
        self.succeeded(name)

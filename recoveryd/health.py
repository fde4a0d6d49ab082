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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The store as other processes see it: changes made by imports, the daemon's sign of life.

A collaborator of the consumer that owns its own state: the store's data version last
decided on. At every poll it notes that the daemon is listening (the age bound of commands
the broker kept while no daemon listened), probes a store that failed, and says whether
another process (an import) changed the data.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from recoveryd.daemon.health import Health
from recoveryd.store.database import Store
from recoveryd.store.migrations import BOOKKEEPING_SETTINGS

log = logging.getLogger(__name__)

# The settings the daemon refreshes at every store poll, and a probe of a failing store
# writes (bookkeeping: they do not move the store's revision, store.migrations).
ALIVE_KEY, CHECKED_KEY = BOOKKEEPING_SETTINGS


class StoreWatch:
    """Polls the store for other processes' changes; the consumer decides on them."""

    def __init__(
        self,
        store: Store,
        health: Health,
        *,
        connected: Callable[[], bool],
        now: Callable[[], datetime],
    ) -> None:
        self._store, self._health, self._connected, self._now = store, health, connected, now
        self._version = store.data_version()

    def away_since(self) -> datetime | None:
        """The previous process's last sign of life, if the store holds a readable one."""
        text = self._store.setting(ALIVE_KEY)
        try:
            return None if text is None else datetime.fromisoformat(text)
        except ValueError:
            return None

    def alive(self) -> None:
        """Note that the daemon is listening; only while connected (cut off, it is not)."""
        if not self._connected():
            return
        with contextlib.suppress(sqlite3.Error):  # an unusable store is reported by its users
            self._store.set_setting(ALIVE_KEY, self._now().isoformat())

    def poll(self) -> None:
        """The sign of life; and a write that, if it goes through, ends plain event failures."""
        self.alive()
        if not self._health.handling_failed():
            return
        try:
            self._store.set_setting(CHECKED_KEY, self._now().isoformat())
        except sqlite3.Error as exc:
            log.debug("the store still cannot be written: %s", exc)
        else:
            self._health.probed()

    def changed(self) -> int | None:
        """The store's data version when another process changed it since :meth:`seen`."""
        version = self._store.data_version()
        return None if version == self._version else version

    def seen(self, version: int) -> None:
        """The data of ``version`` is decided on (only then: a failed decision is retried)."""
        self._version = version

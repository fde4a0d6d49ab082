# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The SQLite store: observations, histories as columns and the day records, one connection."""

from __future__ import annotations

import hashlib
from datetime import date

from recoveryd.store.connection import StoreError
from recoveryd.store.histories import Histories
from recoveryd.store.migrations import SCHEMA_VERSION
from recoveryd.store.observations import Observations
from recoveryd.store.records import FINAL_STATUSES, DayRecords

__all__ = ["FINAL_STATUSES", "SCHEMA_VERSION", "Store", "StoreError"]


class Store(Histories, Observations, DayRecords):
    """The daemon's SQLite database. One instance per process; not shared across threads."""

    def revision(self) -> tuple[str, int] | None:
        """The store's identity and revision (migration 11): any change of content moves it."""
        row = self._db.execute("SELECT store_id, counter FROM store_revision").fetchone()
        return None if row is None else (str(row[0]), int(row[1]))

    def inputs_digest(self, athlete: str, first: date, last: date) -> str:
        """A digest that changes whenever an observation a decision on ``last`` uses may have.

        The row versions of the athlete's nights, check-ins and sessions (every change of a
        row counts its kind's version up, by trigger, whoever makes it; an identical value
        merged again is no change) and the overrides from ``first`` to ``last``. Three small
        rows instead of hashing every stored row before every decision.
        """
        digest = hashlib.sha256()
        versions = self._db.execute(
            "SELECT kind, version FROM row_versions WHERE athlete = ? ORDER BY kind", (athlete,)
        ).fetchall()
        digest.update(repr(versions).encode())
        digest.update(repr(sorted(self.overrides(athlete, first, last).items())).encode())
        return digest.hexdigest()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The SQLite store: observations and the household's day records over one connection."""

from __future__ import annotations

import hashlib
from datetime import date

from recoveryd.store.connection import StoreError
from recoveryd.store.migrations import SCHEMA_VERSION
from recoveryd.store.observations import (
    CHECKIN_COLUMNS,
    NIGHT_COLUMNS,
    SESSION_INPUTS,
    Observations,
)
from recoveryd.store.records import FINAL_STATUSES, DayRecords

__all__ = ["FINAL_STATUSES", "SCHEMA_VERSION", "Store", "StoreError"]


class Store(Observations, DayRecords):
    """The daemon's SQLite database. One instance per process; not shared across threads."""

    def inputs_digest(self, athlete: str, first: date, last: date) -> str:
        """A digest of every observation that can influence a decision on ``last``."""
        digest = hashlib.sha256()
        # The rows as the dataclasses would hold them (the same repr as astuple of each,
        # a session's title left out: no rule reads it), without building them: this runs
        # before every decision.
        for table, columns in (
            ("nights", NIGHT_COLUMNS),
            ("checkins", CHECKIN_COLUMNS),
            ("sessions", SESSION_INPUTS),
        ):
            for row in self._rows(table, columns, athlete, first, last):
                digest.update(repr(row).encode())
        digest.update(repr(sorted(self.overrides(athlete, first, last).items())).encode())
        return digest.hexdigest()

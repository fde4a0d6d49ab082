# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Rows of Gadgetbridge's tables: typed columns, one line per row that cannot be read.

greenDAO writes the tables (``GBDaoGenerator``): upper snake case names, a ``DEVICE_ID`` and a
``TIMESTAMP`` on every sample.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from recoveryd.integrations.wearables.reading import Progress

_PROGRESS_EVERY = 1000


class RowError(ValueError):
    """One row that cannot be read; the message says which column and why."""


def whole(row: sqlite3.Row, column: str) -> int | None:
    """A whole-number column; ``None`` when empty."""
    value = row[column]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowError(f"{column} {value!r} is not a whole number")
    return value


def required(row: sqlite3.Row, column: str) -> int:
    """A whole-number column that must hold a value."""
    value = whole(row, column)
    if value is None:
        raise RowError(f"{column} is empty")
    return value


class RowSink:
    """Where rows that cannot be read go: one line each, with the table and TIMESTAMP."""

    def __init__(
        self, label: str, errors: list[str], progress: Progress | None = None, total: int = 0
    ) -> None:
        self.label, self.errors, self.rows = label, errors, 0
        self._progress, self._total = progress, total

    def read(
        self, rows: Iterable[sqlite3.Row], table: str, parse: Callable[[sqlite3.Row], None]
    ) -> None:
        """Parse each row; a bad one is one line and is left out."""
        for row in rows:
            self.rows += 1
            try:
                parse(row)
            except (RowError, IndexError, KeyError) as exc:
                stamp = repr(row["TIMESTAMP"]) if "TIMESTAMP" in row.keys() else "?"  # noqa: SIM118
                reason = (
                    f"has no column {exc.args[0] if exc.args else '?'}"
                    if isinstance(exc, IndexError | KeyError)
                    else exc
                )
                self.errors.append(f"{self.label}: {table} at TIMESTAMP {stamp}: {reason}")
            if self._progress is not None and (
                self.rows % _PROGRESS_EVERY == 0 or self.rows == self._total
            ):
                self._progress(self.rows, self._total)


def select(db: sqlite3.Connection, table: str, device: int) -> Iterator[sqlite3.Row]:
    """The device's rows of ``table`` by time; none when the database lacks the table."""
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone():
        return iter(())
    return db.execute(
        f'SELECT * FROM "{table}" WHERE "DEVICE_ID" = ? ORDER BY "TIMESTAMP"', (device,)
    )


def number(row: sqlite3.Row, column: str) -> float | None:
    """A numeric column; ``None`` when empty."""
    value = row[column]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(f"{column} {value!r} is not a number")
    return float(value)


def moment_ms(row: sqlite3.Row) -> datetime:
    """The row's ``TIMESTAMP`` in milliseconds, as a UTC time."""
    stamp = row["TIMESTAMP"]
    if not isinstance(stamp, int) or stamp <= 0:
        raise RowError(f"TIMESTAMP {stamp!r} is not a time in milliseconds")
    return datetime.fromtimestamp(stamp / 1000, UTC)

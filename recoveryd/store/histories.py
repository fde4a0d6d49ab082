# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Each athlete's history as the engine reads it: columns, from a block or from the rows.

The engine reads nights, check-ins and sessions as columns (:mod:`recoveryd.domain.columns`).
They come from the athlete's column block of each kind (:mod:`recoveryd.store.blocks`) while
it is of the current row version, else from the rows; a store that keeps blocks saves the
ones it builds.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS
from recoveryd.store.connection import Connection

if TYPE_CHECKING:
    import numpy.typing as npt

    from recoveryd.domain.columns import CheckInColumns, NightColumns, SessionColumns

# julianday() of 0001-01-01 is 1721425.5 and date.toordinal() of it is 1.
_ORDINAL_OFFSET: Final = 1721424.5
# Each table's key columns after the athlete: the rows' order (as the store reads them).
_KEYS: Final = {
    "nights": ("date", "source"),
    "checkins": ("date",),
    "sessions": ("date", "source", "start"),
}


class Histories(Connection):
    """Each athlete's nights, check-ins and sessions as columns."""

    def __init__(self, path: Path, *, keep_blocks: bool = False) -> None:
        """Open the store at ``path``.

        ``keep_blocks``: save the column blocks this process builds (replays do). A saved
        block is a commit, which a daemon watching the store reads as a change by another
        process; and a new night makes its athlete's block stale at once: the daemon and the
        commands that only look keep none.
        """
        super().__init__(path)
        self.keep_blocks = keep_blocks

    def night_columns(self, athlete: str, first: date, last: date) -> NightColumns:
        """The same nights as :meth:`nights`, as columns (the engine's input, no object each).

        Read from the athlete's column block (:mod:`recoveryd.store.blocks`), built from the
        rows when there is none.
        """
        from recoveryd.domain.columns import NightColumns  # noqa: PLC0415 - NumPy on use only

        arrays = self._block("nights", athlete, NightColumns.NAMES, self._night_rows)
        return NightColumns.from_arrays(arrays).between(first, last)

    def checkin_columns(self, athlete: str, first: date, last: date) -> CheckInColumns:
        """The same check-ins as :meth:`checkins`, as columns (see :meth:`night_columns`)."""
        from recoveryd.domain.columns import CheckInColumns  # noqa: PLC0415 - as above

        arrays = self._block("checkins", athlete, CheckInColumns.NAMES, self._checkin_rows)
        return CheckInColumns.from_arrays(arrays).between(first, last)

    def session_columns(self, athlete: str, first: date, last: date) -> SessionColumns:
        """The same sessions as :meth:`sessions`, as columns (see :meth:`night_columns`)."""
        from recoveryd.domain.columns import SessionColumns  # noqa: PLC0415 - as above

        arrays = self._block("sessions", athlete, SessionColumns.NAMES, self._session_rows)
        return SessionColumns.from_arrays(arrays).between(first, last)

    def _block(
        self,
        kind: str,
        athlete: str,
        names: tuple[str, ...],
        rows: Callable[[str], dict[str, npt.NDArray[Any]]],
    ) -> dict[str, npt.NDArray[Any]]:
        """The athlete's column block of ``kind``; built from its rows when there is none.

        A block is read only while it is of the current row version (every change of the
        rows counts it up, by trigger). A new one is built from the rows and their version
        read in one snapshot, and saved only by a store that keeps blocks (``keep_blocks``);
        when the store cannot be written soon (another process holds it, the file is
        read-only) nothing is saved.
        """
        from recoveryd.store import blocks  # noqa: PLC0415 - NumPy on use only

        version_of = (
            "coalesce((SELECT version FROM row_versions WHERE athlete = ? AND kind = ?), 0)"
        )
        found = self._db.execute(
            f"SELECT header, data FROM column_blocks WHERE athlete = ? AND kind = ? "
            f"AND version = {version_of}",
            (athlete, kind, athlete, kind),
        ).fetchone()
        if found is not None and (arrays := blocks.unpack(found[0], found[1], names)):
            return arrays
        snapshot = not self._db.in_transaction
        if snapshot:
            self._db.execute("BEGIN")  # the version and the rows of one moment
        try:
            version = self._db.execute(f"SELECT {version_of}", (athlete, kind)).fetchone()[0]
            arrays = rows(athlete)
        finally:
            if snapshot:
                self._db.execute("COMMIT")
        if self.keep_blocks:
            header, data = blocks.pack(arrays)
            with (
                contextlib.suppress(sqlite3.OperationalError),
                self._at_once(),
                self._transaction() as db,
            ):
                # Another process may have saved a newer block meanwhile: keep that one.
                db.execute(
                    "INSERT INTO column_blocks (athlete, kind, version, header, data) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (athlete, kind) DO UPDATE SET "
                    "version = excluded.version, header = excluded.header, "
                    "data = excluded.data WHERE excluded.version >= column_blocks.version",
                    (athlete, kind, version, header, data),
                )
        return arrays

    def _night_rows(self, athlete: str) -> dict[str, npt.NDArray[Any]]:
        return self._rows_as_columns(athlete, "nights", (("source", "sources"),), NIGHT_METRICS)

    def _checkin_rows(self, athlete: str) -> dict[str, npt.NDArray[Any]]:
        return self._rows_as_columns(athlete, "checkins", (), CHECKIN_ITEMS)

    def _session_rows(self, athlete: str) -> dict[str, npt.NDArray[Any]]:
        texts = (("start", "starts"), ("sport", "sports"))
        return self._rows_as_columns(athlete, "sessions", texts, ("duration_min", "rpe", "avg_hr"))

    def _rows_as_columns(
        self,
        athlete: str,
        table: str,
        texts: tuple[tuple[str, str], ...],
        numbers: tuple[str, ...],
    ) -> dict[str, npt.NDArray[Any]]:
        """The athlete's rows of ``table`` by date (then key), as arrays named as the engine's.

        SQLite turns dates into ordinals and a missing value into infinity (NaN here), so the
        rows arrive as numbers that NumPy takes in one call. ``texts`` are (column, array name)
        pairs; ``numbers`` keep their column names.
        """
        import numpy as np  # noqa: PLC0415 - the command line's other uses need no NumPy

        order = ", ".join(_KEYS[table])
        listed = "".join(f", {column}" for column, _ in texts)
        values = ", ".join(f"coalesce({n}, 9e999)" for n in numbers)
        rows = self._db.execute(
            f"SELECT CAST(julianday(date) - {_ORDINAL_OFFSET} AS INTEGER){listed}, {values} "
            f"FROM {table} WHERE athlete = ? ORDER BY {order}",
            (athlete,),
        ).fetchall()
        skip = 1 + len(texts)
        found = np.array([r[skip:] for r in rows], dtype=np.float64).reshape(-1, len(numbers))
        found[np.isinf(found)] = np.nan
        out: dict[str, npt.NDArray[Any]] = {"days": np.array([r[0] for r in rows], dtype=np.int64)}
        for k, (_, name) in enumerate(texts):
            out[name] = np.array([r[1 + k] for r in rows], dtype=np.str_)
        for k, name in enumerate(numbers):
            out[name] = found[:, k].copy()
        return out

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Observations in the store: nights, check-ins, sessions and morning readings.

Merged by key field by field: re-importing the same data changes nothing, a changed value
replaces the old one, and a missing value never replaces a stored one; every import is
journalled and can be undone (``recoveryd.store.journal``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter

from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.reading import MorningReading, as_night
from recoveryd.domain.training import CompletedSession
from recoveryd.store import journal
from recoveryd.store.connection import Connection
from recoveryd.store.journal import ImportRecord, Origin
from recoveryd.store.undo import UndoResult, undo


@cache
def _readings() -> TypeAdapter[MorningReading]:
    """Built when first used: the commands that never read or write one do not pay for it."""
    return TypeAdapter(MorningReading)


NIGHT_COLUMNS: Final = ("athlete", "date", "source", *NIGHT_METRICS)
CHECKIN_COLUMNS: Final = ("athlete", "date", *CHECKIN_ITEMS)
_SESSION_COLUMNS: Final = journal.SESSIONS.columns
_DIRECT: Final = Origin("direct")


class Observations(Connection):
    """What was measured, answered and trained: merged, journalled, read back."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        # Each athlete's sources as last read, and the commits they were read after.
        self._sources_cache: dict[str, tuple[tuple[int, int], dict[str, tuple[int, date]]]] = {}

    def upsert(
        self,
        nights: Iterable[Night] = (),
        checkins: Iterable[CheckIn] = (),
        sessions: Iterable[CompletedSession] = (),
        *,
        origin: Origin = _DIRECT,
        at: datetime | None = None,
    ) -> int:
        """Merge nights, check-ins and sessions in one transaction (:meth:`merge`).

        Returns how many rows were new or changed; an identical row counts as unchanged.
        """
        record = self.merge(nights, checkins, sessions, origin=origin, at=at)
        return record.new + record.changed

    def merge(
        self,
        nights: Iterable[Night] = (),
        checkins: Iterable[CheckIn] = (),
        sessions: Iterable[CompletedSession] = (),
        *,
        readings: Iterable[MorningReading] = (),
        origin: Origin = _DIRECT,
        at: datetime | None = None,
    ) -> ImportRecord:
        """Merge observations field by field, as one journalled import; its record.

        A stored value is replaced only by a value; see :mod:`recoveryd.store.journal`.
        A morning reading is kept whatever its quality (the day's last per source); a good
        one's night values are merged with the rest.
        """
        readings = list(readings)
        reading_nights = [n for n in map(as_night, readings) if n is not None]
        batches = ((journal.NIGHTS, [*nights, *reading_nights]), (journal.CHECKINS, checkins),
                   (journal.SESSIONS, sessions))  # fmt: skip
        with self._transaction() as db:
            for reading in readings:
                db.execute(
                    "INSERT INTO morning_readings (athlete, date, source, reading_json, good) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (athlete, date, source) DO UPDATE SET "
                    "reading_json = excluded.reading_json, good = excluded.good",
                    (reading.athlete, reading.date.isoformat(), reading.source,
                     _readings().dump_json(reading).decode(), int(reading.good)),
                )  # fmt: skip
            return journal.merge(db, batches, origin, at or datetime.now(UTC))

    def imports(self, *, limit: int | None = None) -> list[ImportRecord]:
        """The import journal, newest first."""
        return journal.records(self._db, limit=limit)

    def import_record(self, import_id: int) -> ImportRecord:
        """One import of the journal (:class:`~recoveryd.store.journal.JournalError` if none)."""
        return journal.record(self._db, import_id)

    def import_changes(self, import_id: int) -> list[journal.FieldChange]:
        """Every value import ``import_id`` wrote, with the value it replaced."""
        return journal.changes(self._db, import_id)

    def undo_import(self, import_id: int, at: datetime | None = None) -> UndoResult:
        """Restore what import ``import_id`` replaced, in one transaction."""
        with self._transaction() as db:
            return undo(db, import_id, at or datetime.now(UTC))

    def provenance(self, athlete: str, day: date) -> dict[tuple[str, str], ImportRecord]:
        """Which import wrote each stored value of ``day``.

        Night values by (source, metric), check-in answers by (``"check-in"``, item).
        """
        day_key = json.dumps([athlete, day.isoformat()])
        cursor = self._db.execute(
            "SELECT p.tbl, p.key_json, p.field, p.import_id FROM provenance p "
            "WHERE (p.tbl = 'nights' AND p.key_json LIKE ?) OR (p.tbl = 'checkins' "
            "AND p.key_json = ?)",
            (day_key[:-1] + ", %", day_key),
        )
        found: dict[tuple[str, str], ImportRecord] = {}
        records: dict[int, ImportRecord] = {}
        for table, key_json, field, import_id in cursor:
            key = json.loads(key_json)
            if key[0] != athlete or key[1] != day.isoformat():
                continue
            if import_id not in records:
                records[import_id] = journal.record(self._db, import_id)
            owner = "check-in" if table == "checkins" else str(key[2])
            found[(owner, str(field))] = records[import_id]
        return found

    def night_sources(self, athlete: str) -> dict[str, tuple[int, date]]:
        """Each source with nights of ``athlete``: how many nights, and the last one.

        Read again only after a commit (this process's or another's): the daemon asks for
        it with every state it publishes.
        """
        version = (self._commits, self.data_version())
        cached = self._sources_cache.get(athlete)
        if cached is not None and cached[0] == version:
            return dict(cached[1])
        cursor = self._db.execute(
            "SELECT source, count(*), max(date) FROM nights WHERE athlete = ? GROUP BY source",
            (athlete,),
        )
        found = {str(s): (int(n), date.fromisoformat(d)) for s, n, d in cursor}
        self._sources_cache[athlete] = (version, found)
        return dict(found)

    def _rows(
        self, table: str, columns: tuple[str, ...], athlete: str, first: date, last: date
    ) -> list[tuple[Any, ...]]:
        # A total order (the key columns), so that inputs_digest is stable.
        order = ", ".join(c for c in ("date", "source", "start") if c in columns)
        cursor = self._db.execute(
            f"SELECT {', '.join(columns)} FROM {table} "
            f"WHERE athlete = ? AND date BETWEEN ? AND ? ORDER BY {order}",
            (athlete, first.isoformat(), last.isoformat()),
        )
        return [(r[0], date.fromisoformat(r[1]), *r[2:]) for r in cursor]

    def nights(self, athlete: str, first: date, last: date) -> list[Night]:
        """The athlete's nights dated ``first`` to ``last`` inclusive, all sources, by date."""
        return [Night(*r) for r in self._rows("nights", NIGHT_COLUMNS, athlete, first, last)]

    def checkins(self, athlete: str, first: date, last: date) -> list[CheckIn]:
        """The athlete's check-ins dated ``first`` to ``last`` inclusive."""
        rows = self._rows("checkins", CHECKIN_COLUMNS, athlete, first, last)
        return [CheckIn(*r) for r in rows]

    def sessions(self, athlete: str, first: date, last: date) -> list[CompletedSession]:
        """The athlete's completed sessions dated ``first`` to ``last`` inclusive."""
        rows = self._rows("sessions", _SESSION_COLUMNS, athlete, first, last)
        return [CompletedSession(*r) for r in rows]

    def save_morning_reading(self, reading: MorningReading) -> None:
        """Keep a reading (the day's last one per source) and, when good, its night values.

        One transaction: a reading never lands without its night, nor a night without it.
        A low-quality reading removes nothing a good one stored before it.
        """
        origin = Origin("morning-reading", reading.source, reading.athlete)
        self.merge(readings=[reading], origin=origin)

    def morning_readings(self, athlete: str, first: date, last: date) -> list[MorningReading]:
        """The athlete's stored morning readings between ``first`` and ``last``."""
        cursor = self._db.execute(
            "SELECT reading_json FROM morning_readings WHERE athlete = ? AND date BETWEEN ? "
            "AND ? ORDER BY date, source",
            (athlete, first.isoformat(), last.isoformat()),
        )
        return [_readings().validate_json(row[0]) for row in cursor]

    def set_checkin_item(self, athlete: str, day: date, item: str, value: int) -> bool:
        """Answer one check-in item of ``day`` (the others stay); whether that changed it."""
        if item not in CHECKIN_ITEMS:
            raise ValueError(f"unknown check-in item {item!r}")
        with self._transaction() as db:
            cursor = db.execute(
                f"INSERT INTO checkins (athlete, date, {item}) VALUES (?, ?, ?) "
                f"ON CONFLICT (athlete, date) DO UPDATE SET {item} = excluded.{item} "
                f"WHERE checkins.{item} IS NOT excluded.{item}",
                (athlete, day.isoformat(), value),
            )
            if cursor.rowcount > 0:  # answered by the athlete now, no longer by an import
                journal.forget_provenance(db, journal.CHECKINS, (athlete, day.isoformat()), item)
            return cursor.rowcount > 0

    def rate_last_session(self, athlete: str, rpe: float) -> CompletedSession | None:
        """Set the RPE of the athlete's most recent session; ``None`` when there is none."""
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {', '.join(_SESSION_COLUMNS)} FROM sessions WHERE athlete = ? "
                "ORDER BY date DESC, start DESC LIMIT 1",
                (athlete,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE sessions SET rpe = ? WHERE athlete = ? AND date = ? AND source = ? "
                "AND start = ?",
                (rpe, athlete, row[1], row[2], row[3]),
            )
            journal.forget_provenance(db, journal.SESSIONS, row[:4], "rpe")
        athlete_, day, source, start, sport, minutes, _, avg_hr, title = row
        return CompletedSession(
            athlete_, date.fromisoformat(day), source, start, sport, minutes, rpe, avg_hr, title
        )

    def count_nights(self, athlete: str | None = None) -> int:
        """How many nights are stored, for one athlete or all."""
        if athlete is None:
            return int(self._db.execute("SELECT count(*) FROM nights").fetchone()[0])
        row = self._db.execute("SELECT count(*) FROM nights WHERE athlete = ?", (athlete,))
        return int(row.fetchone()[0])

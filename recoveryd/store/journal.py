# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Field-by-field merging of observations, with a journal that can undo any import.

Every write of nights, check-ins and sessions goes through :func:`merge`, inside the store's
transaction:

* a stored value is replaced only by a value, never by a missing one (a file that lacks a
  field, or a record that failed to parse, leaves what was stored);
* every value written keeps its provenance: the import that wrote it (``provenance``), and
  through it the source, the file or channel and the time;
* each import is a row of ``imports``; each row it touched is a row of ``import_changes``
  holding the values it replaced and what they came from, so an undo
  (``recoveryd.store.undo``) restores exactly what that import replaced, field by field,
  and leaves alone a field that a later import or a command has changed since.

Functions here take the open connection of a transaction the caller (``Store``) holds, so a
killed import leaves either all of itself, journal included, or nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any, Final

from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.training import CompletedSession


@dataclass(frozen=True, slots=True)
class Table:
    """A table of observations: its key columns and its value fields."""

    name: str
    key: tuple[str, ...]
    fields: tuple[str, ...]
    # Whether a row whose fields are all missing means nothing (a night, a check-in) and
    # is removed when an undo empties it.
    empty_is_nothing: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        """The key columns, then the value fields."""
        return (*self.key, *self.fields)


NIGHTS: Final = Table("nights", ("athlete", "date", "source"), NIGHT_METRICS)
CHECKINS: Final = Table("checkins", ("athlete", "date"), CHECKIN_ITEMS)
SESSIONS: Final = Table(
    "sessions",
    ("athlete", "date", "source", "start"),
    ("sport", "duration_min", "rpe", "avg_hr", "title"),
    empty_is_nothing=False,
)
TABLES: Final = {t.name: t for t in (NIGHTS, CHECKINS, SESSIONS)}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a batch of observations comes from: the kind of import and its file or channel.

    ``rows`` and ``rejected`` are what the reader saw (records read, records left out);
    ``keep_empty`` records the import even when it changed nothing (a file the user ran).
    """

    kind: str
    label: str = ""
    athlete: str | None = None
    rows: int | None = None
    rejected: int = 0
    keep_empty: bool = False


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One import of the journal."""

    id: int
    kind: str
    label: str
    athlete: str | None
    at: datetime
    rows: int
    new: int
    changed: int
    rejected: int
    undone_at: datetime | None = None

    @property
    def touched(self) -> int:
        """Rows new or changed."""
        return self.new + self.changed


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One value an import wrote: what was there before (``None``: nothing) and after."""

    table: str
    key: tuple[str, ...]
    field: str
    before: Any
    after: Any


class JournalError(ValueError):
    """An import that does not exist or was already undone (``undone_at``: when)."""

    def __init__(self, message: str, *, undone_at: datetime | None = None) -> None:
        super().__init__(message)
        self.undone_at = undone_at


def _row_of(item: Night | CheckIn | CompletedSession) -> tuple[Any, ...]:
    values = astuple(item)
    return (values[0], item.date.isoformat(), *values[2:])


def select_sql(table: Table) -> str:
    """The query for one row's value fields by its key."""
    where = " AND ".join(f"{k} = ?" for k in table.key)
    return f"SELECT {', '.join(table.fields)} FROM {table.name} WHERE {where}"


def write_values(
    db: sqlite3.Connection, table: Table, key: Sequence[Any], values: dict[str, Any]
) -> None:
    """Set ``values`` of the row with ``key``, creating it when there is none.

    An UPDATE first, not an upsert: SQLite checks an upsert's NOT NULL columns on the row it
    would insert, so changing one field of a stored session (whose sport is required) would
    fail although the row is there.
    """
    updates = ", ".join(f"{c} = ?" for c in values)
    where = " AND ".join(f"{k} = ?" for k in table.key)
    cursor = db.execute(
        f"UPDATE {table.name} SET {updates} WHERE {where}", (*values.values(), *key)
    )
    if cursor.rowcount:
        return
    columns = (*table.key, *values)
    db.execute(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        (*key, *values.values()),
    )


def provenance_of(db: sqlite3.Connection, table: str, key_json: str) -> dict[str, int]:
    """Which import wrote each field of one row."""
    cursor = db.execute(
        "SELECT field, import_id FROM provenance WHERE tbl = ? AND key_json = ?",
        (table, key_json),
    )
    return {str(f): int(i) for f, i in cursor}


def merge(
    db: sqlite3.Connection,
    batches: Iterable[tuple[Table, Iterable[Night | CheckIn | CompletedSession]]],
    origin: Origin,
    at: datetime,
) -> ImportRecord:
    """Merge observations field by field and journal what changed; the import's record.

    Must run inside a transaction. An import that changed nothing is not kept unless
    ``origin.keep_empty``; its record then has id 0.
    """
    cursor = db.execute(
        "INSERT INTO imports (kind, label, athlete, at, rows, new, changed, rejected) "
        "VALUES (?, ?, ?, ?, 0, 0, 0, ?)",
        (origin.kind, origin.label, origin.athlete, at.isoformat(), origin.rejected),
    )
    import_id = int(cursor.lastrowid or 0)
    seq = rows = 0
    new: set[tuple[str, str]] = set()
    changed: set[tuple[str, str]] = set()
    for table, items in batches:
        select = select_sql(table)
        for item in items:
            rows += 1
            row = _row_of(item)
            key, incoming = (
                row[: len(table.key)],
                dict(zip(table.fields, row[len(table.key) :], strict=True)),
            )
            key_json = json.dumps(key)
            found = db.execute(select, key).fetchone()
            stored = None if found is None else dict(zip(table.fields, found, strict=True))
            writes = {
                f: v for f, v in incoming.items()
                if v is not None and (stored is None or stored[f] != v)
            }  # fmt: skip
            if not writes:  # nothing new; a row of nothing at all is not stored either
                continue
            sources = provenance_of(db, table.name, key_json)
            before = (
                None if stored is None
                else {"values": {f: stored[f] for f in writes},
                      "from": {f: sources[f] for f in writes if f in sources}}
            )  # fmt: skip
            write_values(db, table, key, writes)
            db.executemany(
                "INSERT INTO provenance (tbl, key_json, field, import_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tbl, key_json, field) DO UPDATE SET import_id = excluded.import_id",
                [(table.name, key_json, f, import_id) for f in writes],
            )
            seq += 1
            db.execute(
                "INSERT INTO import_changes (import_id, seq, tbl, key_json, before_json, "
                "after_json) VALUES (?, ?, ?, ?, ?, ?)",
                (import_id, seq, table.name, key_json,
                 None if before is None else json.dumps(before), json.dumps(writes)),
            )  # fmt: skip
            mark = (table.name, key_json)
            if stored is None:
                new.add(mark)
            elif mark not in new:
                changed.add(mark)
    if seq == 0 and not origin.keep_empty:
        db.execute("DELETE FROM imports WHERE id = ?", (import_id,))
        import_id = 0
    else:
        db.execute(
            "UPDATE imports SET rows = ?, new = ?, changed = ? WHERE id = ?",
            (origin.rows if origin.rows is not None else rows, len(new), len(changed), import_id),
        )
    return ImportRecord(
        import_id, origin.kind, origin.label, origin.athlete, at,
        origin.rows if origin.rows is not None else rows, len(new), len(changed),
        origin.rejected,
    )  # fmt: skip


def forget_provenance(db: sqlite3.Connection, table: Table, key: Sequence[Any], field: str) -> None:
    """A value set by a command is nobody's import: an undo must leave it."""
    db.execute(
        "DELETE FROM provenance WHERE tbl = ? AND key_json = ? AND field = ?",
        (table.name, json.dumps(list(key)), field),
    )


def _record(row: Sequence[Any]) -> ImportRecord:
    id_, kind, label, athlete, at, rows, new, changed, rejected, undone = row
    return ImportRecord(
        int(id_), str(kind), str(label), athlete, datetime.fromisoformat(at), int(rows),
        int(new), int(changed), int(rejected),
        None if undone is None else datetime.fromisoformat(undone),
    )  # fmt: skip


_RECORD_COLUMNS: Final = "id, kind, label, athlete, at, rows, new, changed, rejected, undone_at"


def records(db: sqlite3.Connection, *, limit: int | None = None) -> list[ImportRecord]:
    """The journal's imports, newest first."""
    sql = f"SELECT {_RECORD_COLUMNS} FROM imports ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_record(r) for r in db.execute(sql)]


def record(db: sqlite3.Connection, import_id: int) -> ImportRecord:
    """One import of the journal.

    Raises:
        JournalError: when there is no such import.
    """
    row = db.execute(f"SELECT {_RECORD_COLUMNS} FROM imports WHERE id = ?", (import_id,)).fetchone()
    if row is None:
        raise JournalError(f"no import {import_id} in the journal (see `recoveryd imports`)")
    return _record(row)


def changes(db: sqlite3.Connection, import_id: int) -> list[FieldChange]:
    """Every value the import wrote, with the value it replaced."""
    out = []
    cursor = db.execute(
        "SELECT tbl, key_json, before_json, after_json FROM import_changes "
        "WHERE import_id = ? ORDER BY seq",
        (import_id,),
    )
    for table, key_json, before_json, after_json in cursor:
        before = {} if before_json is None else json.loads(before_json)["values"]
        key = tuple(str(k) for k in json.loads(key_json))
        for field, value in json.loads(after_json).items():
            out.append(FieldChange(str(table), key, field, before.get(field), value))
    return out

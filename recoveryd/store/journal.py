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
  holding the values it replaced and what they came from, so :func:`undo` restores exactly
  what that import replaced, field by field, and leaves alone a field that a later import
  or a command has changed since.

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
from recoveryd.engine.load import CompletedSession

MIGRATION: Final = """
ALTER TABLE sessions ADD COLUMN title TEXT;
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    athlete TEXT,
    at TEXT NOT NULL,
    rows INTEGER NOT NULL,
    new INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    undone_at TEXT
);
CREATE TABLE import_changes (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    seq INTEGER NOT NULL,
    tbl TEXT NOT NULL,
    key_json TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
CREATE TABLE provenance (
    tbl TEXT NOT NULL,
    key_json TEXT NOT NULL,
    field TEXT NOT NULL,
    import_id INTEGER NOT NULL,
    PRIMARY KEY (tbl, key_json, field)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class _Table:
    name: str
    key: tuple[str, ...]
    fields: tuple[str, ...]
    # Whether a row whose fields are all missing means nothing (a night, a check-in) and
    # is removed when an undo empties it.
    empty_is_nothing: bool = True

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.fields)


NIGHTS: Final = _Table("nights", ("athlete", "date", "source"), NIGHT_METRICS)
CHECKINS: Final = _Table("checkins", ("athlete", "date"), CHECKIN_ITEMS)
SESSIONS: Final = _Table(
    "sessions",
    ("athlete", "date", "source", "start"),
    ("sport", "duration_min", "rpe", "avg_hr", "title"),
    empty_is_nothing=False,
)
_TABLES: Final = {t.name: t for t in (NIGHTS, CHECKINS, SESSIONS)}


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


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undoing an import did: values restored, values left because changed since."""

    record: ImportRecord
    restored: int
    kept: tuple[FieldChange, ...]


class JournalError(ValueError):
    """An import that does not exist or was already undone."""


def _row_of(item: Night | CheckIn | CompletedSession) -> tuple[Any, ...]:
    values = astuple(item)
    return (values[0], item.date.isoformat(), *values[2:])


def _select(table: _Table) -> str:
    where = " AND ".join(f"{k} = ?" for k in table.key)
    return f"SELECT {', '.join(table.fields)} FROM {table.name} WHERE {where}"


def _write(
    db: sqlite3.Connection, table: _Table, key: Sequence[Any], values: dict[str, Any]
) -> None:
    columns = (*table.key, *values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    db.execute(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)}) "
        f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates}",
        (*key, *values.values()),
    )


def _provenance(db: sqlite3.Connection, table: str, key_json: str) -> dict[str, int]:
    cursor = db.execute(
        "SELECT field, import_id FROM provenance WHERE tbl = ? AND key_json = ?",
        (table, key_json),
    )
    return {str(f): int(i) for f, i in cursor}


def merge(
    db: sqlite3.Connection,
    batches: Iterable[tuple[_Table, Iterable[Night | CheckIn | CompletedSession]]],
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
        select = _select(table)
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
            sources = _provenance(db, table.name, key_json)
            before = (
                None if stored is None
                else {"values": {f: stored[f] for f in writes},
                      "from": {f: sources[f] for f in writes if f in sources}}
            )  # fmt: skip
            _write(db, table, key, writes)
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


def forget_provenance(
    db: sqlite3.Connection, table: _Table, key: Sequence[Any], field: str
) -> None:
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


def undo(db: sqlite3.Connection, import_id: int, at: datetime) -> UndoResult:
    """Restore what import ``import_id`` replaced; must run inside a transaction.

    A value is restored only where the import's value still stands and still comes from it;
    a value changed since (a later import, a command) is kept and listed.

    Raises:
        JournalError: when there is no such import or it was undone before.
    """
    found = record(db, import_id)
    if found.undone_at is not None:
        raise JournalError(f"import {import_id} was undone at {found.undone_at:%Y-%m-%d %H:%M}")
    restored = 0
    kept: list[FieldChange] = []
    cursor = db.execute(
        "SELECT tbl, key_json, before_json, after_json FROM import_changes "
        "WHERE import_id = ? ORDER BY seq DESC",
        (import_id,),
    )
    for table_name, key_json, before_json, after_json in cursor.fetchall():
        table = _TABLES[table_name]
        key = json.loads(key_json)
        after: dict[str, Any] = json.loads(after_json)
        before = {"values": {}, "from": {}} if before_json is None else json.loads(before_json)
        row = db.execute(_select(table), key).fetchone()
        current = {} if row is None else dict(zip(table.fields, row, strict=True))
        sources = _provenance(db, table.name, key_json)
        writes: dict[str, Any] = {}
        for field, value in after.items():
            previous = before["values"].get(field)
            if row is not None and current[field] == value and sources.get(field) == import_id:
                writes[field] = previous
                restored += 1
            else:
                kept.append(
                    FieldChange(table.name, tuple(map(str, key)), field, value, current.get(field))
                )
        if not writes:
            continue
        if before_json is None and _emptied(table, current, writes, after):
            where = " AND ".join(f"{k} = ?" for k in table.key)
            db.execute(f"DELETE FROM {table.name} WHERE {where}", key)
            db.execute(
                "DELETE FROM provenance WHERE tbl = ? AND key_json = ?", (table.name, key_json)
            )
            continue
        if before_json is None and not table.empty_is_nothing:
            # A session the import added and someone has rated since stays whole: its
            # required fields cannot go back to nothing.
            restored -= len(writes)
            kept.extend(
                FieldChange(table.name, tuple(map(str, key)), f, after[f], current.get(f))
                for f in writes
            )
            continue
        _write(db, table, key, writes)
        for field in writes:
            origin = before["from"].get(field)
            if origin is None:
                db.execute(
                    "DELETE FROM provenance WHERE tbl = ? AND key_json = ? AND field = ?",
                    (table.name, key_json, field),
                )
            else:
                db.execute(
                    "UPDATE provenance SET import_id = ? WHERE tbl = ? AND key_json = ? "
                    "AND field = ?",
                    (origin, table.name, key_json, field),
                )
    db.execute("UPDATE imports SET undone_at = ? WHERE id = ?", (at.isoformat(), import_id))
    return UndoResult(record(db, import_id), restored, tuple(kept))


def _emptied(
    table: _Table, current: dict[str, Any], writes: dict[str, Any], after: dict[str, Any]
) -> bool:
    """Whether undoing ``writes`` leaves a row the import created with nothing of value."""
    if table.empty_is_nothing:
        return all(v is None for v in {**current, **writes}.values())
    # A session goes only if nothing was added to it since (an RPE rated after the import).
    return len(writes) == len(after) and all(
        v is None for f, v in current.items() if f not in after
    )

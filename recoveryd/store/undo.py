# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Undoing an import: restore exactly what it replaced, and keep what changed since.

A value is restored only where the import's value still stands and still comes from it (its
provenance); a value a later import or a command changed is kept and named. A row the import
created goes when nothing of value is left in it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from recoveryd.store.journal import (
    TABLES,
    FieldChange,
    ImportRecord,
    JournalError,
    Table,
    provenance_of,
    record,
    select_sql,
    write_values,
)


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undoing an import did: values restored, values left because changed since."""

    record: ImportRecord
    restored: int
    kept: tuple[FieldChange, ...]


def undo(db: sqlite3.Connection, import_id: int, at: datetime) -> UndoResult:
    """Restore what import ``import_id`` replaced; must run inside a transaction.

    A value is restored only where the import's value still stands and still comes from it;
    a value changed since (a later import, a command) is kept and listed.

    Raises:
        JournalError: when there is no such import or it was undone before.
    """
    found = record(db, import_id)
    if found.undone_at is not None:
        raise JournalError(
            f"import {import_id} was undone at {found.undone_at:%Y-%m-%d %H:%M %Z}",
            undone_at=found.undone_at,
        )
    restored = 0
    kept: list[FieldChange] = []
    cursor = db.execute(
        "SELECT tbl, key_json, before_json, after_json FROM import_changes "
        "WHERE import_id = ? ORDER BY seq DESC",
        (import_id,),
    )
    for table_name, key_json, before_json, after_json in cursor.fetchall():
        table = TABLES[table_name]
        key = json.loads(key_json)
        after: dict[str, Any] = json.loads(after_json)
        before = {"values": {}, "from": {}} if before_json is None else json.loads(before_json)
        row = db.execute(select_sql(table), key).fetchone()
        current = {} if row is None else dict(zip(table.fields, row, strict=True))
        sources = provenance_of(db, table.name, key_json)
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
        write_values(db, table, key, writes)
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
    table: Table, current: dict[str, Any], writes: dict[str, Any], after: dict[str, Any]
) -> bool:
    """Whether undoing ``writes`` leaves a row the import created with nothing of value."""
    if table.empty_is_nothing:
        return all(v is None for v in {**current, **writes}.values())
    # A session goes only if nothing was added to it since (an RPE rated after the import).
    return len(writes) == len(after) and all(
        v is None for f, v in current.items() if f not in after
    )

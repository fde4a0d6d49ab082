# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""SQLite store: nights, check-ins and decisions, with versioned schema migrations.

WAL mode, so the daemon can read while ``recoveryd import`` writes from another process.
Observations are merged by (athlete, date, source) field by field: re-importing the same
data changes nothing, a changed value replaces the old one, and a missing value never
replaces a stored one; every import is journalled and can be undone
(``recoveryd.store.journal``). Decisions are append-only revisions:
a re-decision for the same day adds a revision, it never overwrites the reasons of the last.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Self

from pydantic import TypeAdapter

from recoveryd.domain.models import (
    CHECKIN_ITEMS,
    NIGHT_METRICS,
    SAFE_COMMANDS,
    Action,
    CheckIn,
    DayPlan,
    Decision,
    Night,
    Protocol,
)
from recoveryd.engine.load import CompletedSession
from recoveryd.engine.morning_reading import MorningReading, as_night
from recoveryd.home.device_ledger import LoggedAction
from recoveryd.store import journal
from recoveryd.store.journal import ImportRecord, Origin, UndoResult

SCHEMA_VERSION: Final = 8
# The night columns of the first schema; later metrics arrive by migration.
_V1_NIGHT_METRICS: Final = NIGHT_METRICS[: NIGHT_METRICS.index("spo2_pct") + 1]
_BUSY_TIMEOUT_S: Final = 5.0

_MIGRATIONS: Final[dict[int, str]] = {
    1: f"""
    CREATE TABLE nights (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        source TEXT NOT NULL,
        {", ".join(f"{m} REAL" for m in _V1_NIGHT_METRICS)},
        PRIMARY KEY (athlete, date, source)
    ) WITHOUT ROWID;
    CREATE TABLE checkins (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        {", ".join(f"{c} INTEGER" for c in CHECKIN_ITEMS)},
        PRIMARY KEY (athlete, date)
    ) WITHOUT ROWID;
    CREATE TABLE decisions (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        revision INTEGER NOT NULL,
        protocol TEXT NOT NULL,
        plan_json TEXT NOT NULL,
        inputs_digest TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        published_at TEXT,
        PRIMARY KEY (athlete, date, revision)
    ) WITHOUT ROWID;
    """,
    2: """
    CREATE TABLE sessions (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        source TEXT NOT NULL,
        start TEXT NOT NULL,
        sport TEXT NOT NULL,
        duration_min REAL NOT NULL,
        rpe REAL,
        avg_hr REAL,
        PRIMARY KEY (athlete, date, source, start)
    ) WITHOUT ROWID;
    CREATE TABLE overrides (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        protocol TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (athlete, date)
    ) WITHOUT ROWID;
    """,
    3: """
    CREATE TABLE action_log (
        key TEXT NOT NULL,
        date TEXT NOT NULL,
        athlete TEXT NOT NULL,
        device TEXT NOT NULL,
        command TEXT NOT NULL,
        planned_at TEXT NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        logged_at TEXT NOT NULL
    );
    CREATE INDEX action_log_date ON action_log (date, key);
    """,
    4: """
    CREATE TABLE day_controls (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        control TEXT NOT NULL,
        value TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (athlete, date, control)
    ) WITHOUT ROWID;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    5: """
    CREATE TABLE morning_readings (
        athlete TEXT NOT NULL,
        date TEXT NOT NULL,
        source TEXT NOT NULL,
        reading_json TEXT NOT NULL,
        good INTEGER NOT NULL,
        PRIMARY KEY (athlete, date, source)
    ) WITHOUT ROWID;
    """,
    6: """
    ALTER TABLE nights ADD COLUMN hrv_sdnn_ms REAL;
    """,
    # What a switch-on's session is and when it ends, so that its switch-off is owed from
    # the log whatever later plans say.
    7: """
    ALTER TABLE action_log ADD COLUMN modality TEXT;
    ALTER TABLE action_log ADD COLUMN ends_at TEXT;
    """,
    # The import journal and every value's provenance.
    8: journal.MIGRATION,
}

# Outcomes after which an action is never run again. ``sending`` is logged before a
# switch-on goes out: if the daemon stops before the device answers, the device may be on,
# and the switch-on is not sent again (its switch-off is owed instead).
FINAL_STATUSES: Final = ("done", "refused", "missed", "dry_run", "failed", "paused", "sending")

# States an action passes through on its way to an outcome.
_PASSING_STATUSES: Final = frozenset({"sending", "unsent"})

_PLAN = TypeAdapter(DayPlan)
_READING = TypeAdapter(MorningReading)
_NIGHT_COLUMNS: Final = ("athlete", "date", "source", *NIGHT_METRICS)
_CHECKIN_COLUMNS: Final = ("athlete", "date", *CHECKIN_ITEMS)


class StoreError(Exception):
    """The store cannot be opened or is from a newer recoveryd."""


_SESSION_COLUMNS: Final = journal.SESSIONS.columns
# What a decision reads of a session: its title is not among it.
_SESSION_INPUTS: Final = tuple(c for c in _SESSION_COLUMNS if c != "title")
_DIRECT: Final = Origin("direct")


class Store:
    """The daemon's SQLite database. One instance per process; not shared across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Health data and a rotated WHOOP refresh token live here: a new store is the
            # owner's alone (SQLite gives its -wal and -shm files the database's mode).
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            # A short busy timeout: the daemon's event loop waits on it, and importers commit fast.
            self._db = sqlite3.connect(path, isolation_level=None, timeout=_BUSY_TIMEOUT_S)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            # Commits of this connection, so that a cached read knows when to read again
            # (data_version only moves for other connections' commits).
            self._commits = 0
            self._sources_cache: dict[str, tuple[tuple[int, int], dict[str, tuple[int, date]]]] = {}
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None

    def close(self) -> None:
        """Checkpoint and close the database."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
            self._commits += 1
        except BaseException:
            # SQLite rolls some failures back itself (a full disk, for one); the original
            # error is the one to report.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this recoveryd "
                f"understands ({SCHEMA_VERSION}); upgrade recoveryd"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction() as db:
                for statement in _MIGRATIONS[target].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits (SQLite ``PRAGMA data_version``)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # Observations -------------------------------------------------------------------------

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
                     _READING.dump_json(reading).decode(), int(reading.good)),
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
            return journal.undo(db, import_id, at or datetime.now(UTC))

    def provenance(self, athlete: str, day: date) -> dict[tuple[str, str], ImportRecord]:
        """Which import wrote each stored night value of ``day``: by (source, metric)."""
        cursor = self._db.execute(
            "SELECT p.key_json, p.field, p.import_id FROM provenance p "
            "WHERE p.tbl = 'nights' AND p.key_json LIKE ?",
            (json.dumps([athlete, day.isoformat()])[:-1] + ", %",),
        )
        found: dict[tuple[str, str], ImportRecord] = {}
        records: dict[int, ImportRecord] = {}
        for key_json, field, import_id in cursor:
            key = json.loads(key_json)
            if key[0] != athlete or key[1] != day.isoformat():
                continue
            if import_id not in records:
                records[import_id] = journal.record(self._db, import_id)
            found[(str(key[2]), str(field))] = records[import_id]
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
        return [Night(*r) for r in self._rows("nights", _NIGHT_COLUMNS, athlete, first, last)]

    def checkins(self, athlete: str, first: date, last: date) -> list[CheckIn]:
        """The athlete's check-ins dated ``first`` to ``last`` inclusive."""
        rows = self._rows("checkins", _CHECKIN_COLUMNS, athlete, first, last)
        return [CheckIn(*r) for r in rows]

    def sessions(self, athlete: str, first: date, last: date) -> list[CompletedSession]:
        """The athlete's completed sessions dated ``first`` to ``last`` inclusive."""
        rows = self._rows("sessions", _SESSION_COLUMNS, athlete, first, last)
        return [CompletedSession(*r) for r in rows]

    def set_override(self, athlete: str, day: date, protocol: Protocol, at: datetime) -> bool:
        """Make ``protocol`` the athlete's protocol for ``day``; whether that changed it."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO overrides (athlete, date, protocol, set_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (athlete, date) DO UPDATE SET protocol = excluded.protocol, "
                "set_at = excluded.set_at WHERE overrides.protocol IS NOT excluded.protocol",
                (athlete, day.isoformat(), protocol.value, at.isoformat()),
            )
            return cursor.rowcount > 0

    def clear_override(self, athlete: str, day: date) -> bool:
        """Remove the override for ``day``; whether there was one."""
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM overrides WHERE athlete = ? AND date = ?", (athlete, day.isoformat())
            )
            return cursor.rowcount > 0

    def overrides(self, athlete: str, first: date, last: date) -> dict[date, Protocol]:
        """The athlete's overrides between ``first`` and ``last``."""
        cursor = self._db.execute(
            "SELECT date, protocol FROM overrides WHERE athlete = ? AND date BETWEEN ? AND ?",
            (athlete, first.isoformat(), last.isoformat()),
        )
        return {date.fromisoformat(d): Protocol(p) for d, p in cursor}

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
        return [_READING.validate_json(row[0]) for row in cursor]

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

    def set_day_control(
        self, athlete: str, day: date, control: str, value: str | None, at: datetime
    ) -> None:
        """Set (or, with ``None``, remove) one of the day's controls, e.g. ``skip``."""
        with self._transaction() as db:
            if value is None:
                db.execute(
                    "DELETE FROM day_controls WHERE athlete = ? AND date = ? AND control = ?",
                    (athlete, day.isoformat(), control),
                )
                return
            db.execute(
                "INSERT INTO day_controls (athlete, date, control, value, set_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (athlete, date, control) "
                "DO UPDATE SET value = excluded.value, set_at = excluded.set_at",
                (athlete, day.isoformat(), control, value, at.isoformat()),
            )

    def day_controls(self, athlete: str, day: date) -> dict[str, str]:
        """The day's controls of the athlete, by name."""
        cursor = self._db.execute(
            "SELECT control, value FROM day_controls WHERE athlete = ? AND date = ?",
            (athlete, day.isoformat()),
        )
        return {str(c): str(v) for c, v in cursor}

    def set_setting(self, key: str, value: str) -> None:
        """Store one household setting (e.g. ``paused``)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def setting(self, key: str) -> str | None:
        """One household setting, ``None`` when never set."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def log_action(self, action: Action, status: str, detail: str, at: datetime) -> None:
        """Record what happened to ``action`` (every heat action is logged with its reason)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO action_log (key, date, athlete, device, command, planned_at, status, "
                "detail, logged_at, modality, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    action.key,
                    action.at.date().isoformat(),
                    action.athlete,
                    action.device,
                    action.command,
                    action.at.isoformat(),
                    status,
                    detail,
                    at.isoformat(),
                    action.modality,
                    None if action.ends_at is None else action.ends_at.isoformat(),
                ),
            )

    def settled_actions(self, day: date) -> set[str]:
        """Keys of the day's actions that must not run again (by their latest outcome)."""
        cursor = self._db.execute(
            "SELECT key, command, status FROM action_log WHERE date = ? ORDER BY rowid",
            (day.isoformat(),),
        )
        latest = {str(key): (str(command), str(status)) for key, command, status in cursor}
        # A turn-off that failed is not settled: it must run again, after any restart. A
        # turn-on held back while the broker was away (``unsent``) may still go.
        return {
            key for key, (command, status) in latest.items()
            if status in FINAL_STATUSES and not (status == "failed" and command in SAFE_COMMANDS)
        }  # fmt: skip

    def action_history(self, day: date) -> list[tuple[str, str, str, str]]:
        """(key, command, status, detail) of the day's logged actions, oldest first.

        The passing states of an action (``sending``, and ``unsent`` while the broker was
        away) are left out once a later row for it is logged.
        """
        cursor = self._db.execute(
            "SELECT key, command, status, detail FROM action_log WHERE date = ? ORDER BY rowid",
            (day.isoformat(),),
        )
        rows = [(str(k), str(c), str(s), str(d)) for k, c, s, d in cursor]
        last = {k: i for i, (k, _, _, _) in enumerate(rows)}
        return [
            row for i, row in enumerate(rows)
            if row[2] not in _PASSING_STATUSES or last[row[0]] == i
        ]  # fmt: skip

    def action_log(self, first: date, last: date) -> list[LoggedAction]:
        """Every logged action planned from ``first`` to ``last``, in the order logged."""
        cursor = self._db.execute(
            "SELECT key, athlete, modality, device, command, planned_at, ends_at, status, "
            "logged_at FROM action_log WHERE date BETWEEN ? AND ? ORDER BY rowid",
            (first.isoformat(), last.isoformat()),
        )
        return [
            LoggedAction(
                str(key), str(athlete), str(modality or ""), str(device), str(command),
                datetime.fromisoformat(planned),
                None if ends is None else datetime.fromisoformat(ends),
                str(status), datetime.fromisoformat(logged),
            )
            for key, athlete, modality, device, command, planned, ends, status, logged in cursor
        ]  # fmt: skip

    def count_nights(self, athlete: str | None = None) -> int:
        """How many nights are stored, for one athlete or all."""
        if athlete is None:
            return int(self._db.execute("SELECT count(*) FROM nights").fetchone()[0])
        row = self._db.execute("SELECT count(*) FROM nights WHERE athlete = ?", (athlete,))
        return int(row.fetchone()[0])

    def inputs_digest(self, athlete: str, first: date, last: date) -> str:
        """A digest of every observation that can influence a decision on ``last``."""
        digest = hashlib.sha256()
        # The rows as the dataclasses would hold them (the same repr as astuple of each,
        # a session's title left out: no rule reads it), without building them: this runs
        # before every decision.
        for table, columns in (
            ("nights", _NIGHT_COLUMNS),
            ("checkins", _CHECKIN_COLUMNS),
            ("sessions", _SESSION_INPUTS),
        ):
            for row in self._rows(table, columns, athlete, first, last):
                digest.update(repr(row).encode())
        digest.update(repr(sorted(self.overrides(athlete, first, last).items())).encode())
        return digest.hexdigest()

    # Decisions ----------------------------------------------------------------------------

    def save_decision(self, plan: DayPlan, decided_at: datetime, inputs_digest: str) -> Decision:
        """Store ``plan`` as the next revision for its athlete and day."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT coalesce(max(revision), 0) FROM decisions WHERE athlete = ? AND date = ?",
                (plan.athlete, plan.date.isoformat()),
            ).fetchone()
            revision = int(row[0]) + 1
            db.execute(
                "INSERT INTO decisions (athlete, date, revision, protocol, plan_json, "
                "inputs_digest, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    plan.athlete,
                    plan.date.isoformat(),
                    revision,
                    plan.protocol.value,
                    _PLAN.dump_json(plan).decode(),
                    inputs_digest,
                    decided_at.isoformat(),
                ),
            )
        return Decision(plan, revision, decided_at, inputs_digest)

    def latest_decision(self, athlete: str, day: date) -> Decision | None:
        """The newest revision of the decision for ``athlete`` on ``day``."""
        row = self._db.execute(
            "SELECT plan_json, revision, decided_at, inputs_digest, published_at FROM decisions "
            "WHERE athlete = ? AND date = ? ORDER BY revision DESC LIMIT 1",
            (athlete, day.isoformat()),
        ).fetchone()
        if row is None:
            return None
        return Decision(
            plan=_PLAN.validate_json(row[0]),
            revision=int(row[1]),
            decided_at=datetime.fromisoformat(row[2]),
            inputs_digest=str(row[3]),
            published_at=datetime.fromisoformat(row[4]) if row[4] else None,
        )

    def decision_count(self, athlete: str, day: date) -> int:
        """How many revisions exist for ``athlete`` on ``day``."""
        row = self._db.execute(
            "SELECT count(*) FROM decisions WHERE athlete = ? AND date = ?",
            (athlete, day.isoformat()),
        ).fetchone()
        return int(row[0])

    def mark_published(self, decision: Decision, at: datetime) -> None:
        """Record that ``decision`` reached the broker."""
        with self._transaction() as db:
            db.execute(
                "UPDATE decisions SET published_at = ? "
                "WHERE athlete = ? AND date = ? AND revision = ?",
                (
                    at.isoformat(),
                    decision.plan.athlete,
                    decision.plan.date.isoformat(),
                    decision.revision,
                ),
            )

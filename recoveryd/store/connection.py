# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The store's connection: WAL mode, a short busy timeout, the schema migrated on opening.

WAL mode, so the daemon can read while ``recoveryd import`` writes from another process.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, Self

from recoveryd.store.migrations import MIGRATIONS, SCHEMA_VERSION

_BUSY_TIMEOUT_S: Final = 5.0
_SHORT_BUSY_MS: Final = 250


class StoreError(Exception):
    """The store cannot be opened or is from a newer recoveryd."""


class Connection:
    """One SQLite connection to the store; not shared across threads."""

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

    @contextmanager
    def _at_once(self) -> Iterator[None]:
        """Within: a store another process is writing is an error soon (a short busy wait).

        Long enough for another process's short write (a worker saving its column block),
        short against an import holding the store.
        """
        self._db.execute(f"PRAGMA busy_timeout = {_SHORT_BUSY_MS}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this recoveryd "
                f"understands ({SCHEMA_VERSION}); upgrade recoveryd"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction() as db:
                statement = ""
                # A trigger's body holds semicolons of its own: a statement ends where SQLite
                # says it is complete.
                for piece in MIGRATIONS[target].split(";"):
                    statement += piece + ";"
                    if sqlite3.complete_statement(statement):
                        if statement.strip(" \n;"):
                            db.execute(statement)
                        statement = ""
                db.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def data_version(self) -> int:
        """Changes whenever another connection commits (SQLite ``PRAGMA data_version``)."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

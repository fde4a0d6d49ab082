# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The store's schema, version by version: each migration runs once, in one transaction."""

from __future__ import annotations

from typing import Final

from recoveryd.domain.models import (
    CHECKIN_ITEMS,
    NIGHT_METRICS,
)

SCHEMA_VERSION: Final = 11
# The night columns of the first schema; later metrics arrive by migration.
_V1_NIGHT_METRICS: Final = NIGHT_METRICS[: NIGHT_METRICS.index("spo2_pct") + 1]


def _row_version_triggers(table: str) -> str:
    """Triggers that count up an athlete's row version of ``table`` on every change of it."""

    def bump(row: str) -> str:
        return (
            f"INSERT INTO row_versions (athlete, kind, version) VALUES ({row}.athlete, "
            f"'{table}', 1) ON CONFLICT (athlete, kind) DO UPDATE SET version = version + 1;"
        )

    return "\n".join(
        f"CREATE TRIGGER {table}_{name} AFTER {event} ON {table} BEGIN "
        f"{' '.join(bump(row) for row in rows)} END;"
        for name, event, rows in (
            ("inserted", "INSERT", ("NEW",)),
            ("updated", "UPDATE", ("OLD", "NEW")),
            ("deleted", "DELETE", ("OLD",)),
        )
    )


_ROW_VERSION_TRIGGERS: Final = "\n".join(
    _row_version_triggers(table) for table in ("nights", "checkins", "sessions")
)

# Every table whose rows are the store's content. Derived tables (``row_versions``,
# ``column_blocks``: rebuilt from these) and ``store_revision`` itself are not: a command that
# only refreshes what is derived leaves the revision, and so its own earlier answer, standing.
CONTENT_TABLES: Final = (
    "nights", "checkins", "decisions", "sessions", "overrides", "action_log", "day_controls",
    "settings", "morning_readings", "imports", "import_changes", "provenance",
)  # fmt: skip


# The daemon's own bookkeeping in ``settings`` (its sign of life at every store poll, a
# probe of a failing store): no answer reads them, so they do not move the revision.
BOOKKEEPING_SETTINGS: Final = ("daemon_alive_at", "store_checked_at")


def _revision_triggers(table: str) -> str:
    """Triggers that count the store's revision up on every change of ``table``."""
    kept_out = ", ".join(f"'{key}'" for key in BOOKKEEPING_SETTINGS)

    def when(row: str) -> str:
        return f"WHEN {row}.key NOT IN ({kept_out}) " if table == "settings" else ""

    return "\n".join(
        f"CREATE TRIGGER {table}_revision_{event.lower()} AFTER {event} ON {table} "
        f"{when(row)}BEGIN UPDATE store_revision SET counter = counter + 1; END;"
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )


MIGRATIONS: Final[dict[int, str]] = {
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
    8: """
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
""",
    # Each athlete's nights, check-ins and sessions as column blocks (arrays as bytes, see
    # recoveryd.store.blocks). Every change of an athlete's rows of a kind counts up its row
    # version in the same transaction, whoever makes the change; a block is read only while
    # the version it was built at is the current one.
    9: """
CREATE TABLE row_versions (
    athlete TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (athlete, kind)
) WITHOUT ROWID;
CREATE TABLE column_blocks (
    athlete TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    header TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (athlete, kind)
) WITHOUT ROWID;
"""
    + _ROW_VERSION_TRIGGERS,
    # When sleep began and ended (sleep need, regularity and bedtime), and body weight.
    10: """
    ALTER TABLE nights ADD COLUMN sleep_onset_min REAL;
    ALTER TABLE nights ADD COLUMN sleep_offset_min REAL;
    ALTER TABLE nights ADD COLUMN body_weight_kg REAL;
    """,
    # The store's identity and revision: any change of its content, by any connection,
    # counts it up in the same transaction (recoveryd.cli.answers reuses an answer only
    # while the revision it was given at is the current one).
    11: """
CREATE TABLE store_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    store_id TEXT NOT NULL,
    counter INTEGER NOT NULL
);
INSERT INTO store_revision VALUES (1, lower(hex(randomblob(16))), 0);
"""
    + "\n".join(_revision_triggers(table) for table in CONTENT_TABLES),
}

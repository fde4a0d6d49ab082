# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The store's identity and revision, read without the store's own modules (a quick look)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import NamedTuple


class Revision(NamedTuple):
    """Which store (random at its creation) and how many changes of its content it has seen."""

    store_id: str
    counter: int


def read_revision(path: Path) -> Revision | None:
    """``path``'s revision; None when there is none to read (no file, an older schema, busy)."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return None
    try:
        row = db.execute("SELECT store_id, counter FROM store_revision").fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return None if row is None else Revision(str(row[0]), int(row[1]))

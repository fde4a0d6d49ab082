# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The answers kept on disk, and the digest of what each rests on (recoveryd.cli.answers).

One file per command line as typed, where it was typed: its output, its exit status, what
it read (files, variables, the store and the household's zone) and the digest of all of it
as it was. Private to the user (0700, 0600), the newest :data:`KEPT_ANSWERS`; a folder that
cannot be written only means every run is in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from recoveryd.identity import code_identity, config_identity

FORMAT: Final = 1
CACHE_DIR_ENV: Final = "RECOVERYD_CACHE_DIR"
# What decides where the configuration is and how the output looks (rich reads these to
# choose colour and width), besides the variables the configuration itself names.
ALWAYS_ENV: Final = (
    "RECOVERYD_CONFIG", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE",
    "TTY_INTERACTIVE", "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES", "TZ",
    "PYTHONIOENCODING",
)  # fmt: skip
KEPT_ANSWERS: Final = 64  # the newest this many stay; older ones go when one is written


def read_entry(argv: Sequence[str]) -> dict[str, Any] | None:
    """The answer kept for ``argv`` here, if one is and it is of this format.

    Raises:
        OSError, ValueError: none kept, or not readable as one.
    """
    kept = json.loads(entry_path(argv).read_text(encoding="utf-8"))
    return kept if isinstance(kept, dict) and kept.get("format") == FORMAT else None


def keep_answer(
    argv: Sequence[str],
    kept: dict[str, Any],
    stdout: str,
    *,
    day: str | None,
    revision: tuple[str, int] | None = None,
    status: int = 0,
) -> None:
    """Write the answer with the digest of what it rests on (``day``, ``revision``: as given)."""
    entry = {key: kept[key] for key in ("files", "environment", "store", "zone")}
    entry |= {"format": FORMAT, "digest": digest(argv, entry, day, revision)}
    entry |= {"stdout": stdout, "status": status}
    path = entry_path(argv)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(entry, file)
        scratch.replace(path)
        _prune(path.parent)
    except OSError:
        return  # a folder that cannot be written: the next run answers in full


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEPT_ANSWERS:]:
        old.unlink(missing_ok=True)


def _cache_dir() -> Path:
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "recoveryd" / "answers"


def entry_path(argv: Sequence[str]) -> Path:
    """Where the answer to ``argv`` is kept: one per command line as typed, where typed."""
    name = json.dumps([str(Path.cwd()), list(argv), os.environ.get("RECOVERYD_CONFIG")])
    return _cache_dir() / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"


def digest(
    argv: Sequence[str],
    kept: dict[str, Any],
    day: str | None = None,
    revision: tuple[str, int] | None = None,
) -> str:
    """The digest of everything an answer rests on, as it is now.

    ``day`` and ``revision``: the household's date and the store's revision the answer was
    given for, where they may have moved on since.
    """
    store, zone = kept["store"], kept["zone"]
    facts = {
        "format": FORMAT,
        "code": code_identity(),
        "command": [str(Path.cwd()), list(argv)],
        "terminal": terminal(),
        "environment": {name: os.environ.get(name) for name in ALWAYS_ENV},
        "configuration": config_identity(kept["files"], kept["environment"]),
        "store": None if store is None else _store_fingerprint(Path(str(store)), revision),
        "day": None if zone is None else day or _household_day(str(zone)),
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def terminal() -> dict[str, Any]:
    """What the output's look depends on: the terminal's sizes, whether it is one, encoding."""
    return {
        "sizes": [_terminal_size(fd) for fd in (0, 1, 2)],
        "isatty": sys.stdout.isatty(),
        "encoding": sys.stdout.encoding,
    }


def _store_fingerprint(path: Path, revision: tuple[str, int] | None) -> list[Any] | None:
    from recoveryd.store.revision import read_revision  # noqa: PLC0415

    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_dev, info.st_ino, list(revision or read_revision(path) or ()) or None]


def _household_day(zone: str) -> str:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    return datetime.now(ZoneInfo(zone)).date().isoformat()


def _terminal_size(fd: int) -> list[int] | None:
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return [size.columns, size.lines]

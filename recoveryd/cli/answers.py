# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Answers given again: a command's earlier output while nothing it read has changed.

``check-config`` and ``today`` answer from what they read: the configuration file and every
file it names, the environment variables it uses, the store (for ``today``), the household's
date, the terminal they write to, and recoveryd's own code and libraries. A run that succeeds
and writes nothing to stderr is kept with a digest of all of that; the next identical command
line recomputes the digest first and, when it is the same, writes the kept output without
importing the configuration's models, the engine or the renderer. Any change (a byte of an
included plan, a night imported by any process, midnight in the household's zone, an upgrade,
a wider terminal) gives a different digest and the command runs in full.

The store's part is its identity and revision (``store_revision``: every change of its
content counts it up, in the same transaction, whoever makes it; migration 11).

``RECOVERYD_NO_CACHE=1`` turns this off; ``RECOVERYD_CACHE_DIR`` moves the kept answers
(default ``$XDG_CACHE_HOME/recoveryd/answers``, else ``~/.cache/recoveryd/answers``). Where
the folder cannot be written the commands simply run in full.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TextIO

from recoveryd.config.reads import Reads, current, recording
from recoveryd.identity import code_identity, config_identity

FORMAT: Final = 1
COMMANDS: Final = frozenset({"check-config", "today"})
NO_CACHE_ENV: Final = "RECOVERYD_NO_CACHE"
CACHE_DIR_ENV: Final = "RECOVERYD_CACHE_DIR"
# What decides where the configuration is and how the output looks (rich reads these to
# choose colour and width), besides the variables the configuration itself names.
ALWAYS_ENV: Final = (
    "RECOVERYD_CONFIG", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE",
    "TTY_INTERACTIVE", "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES", "TZ",
    "PYTHONIOENCODING",
)  # fmt: skip
_KEPT_ANSWERS: Final = 64  # the newest this many stay; older ones go when one is written


def enabled(argv: Sequence[str]) -> bool:
    """Whether ``argv`` names a command whose answer can be given again."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return False
    if "-v" in argv or "--verbose" in argv:  # who asks for the logs wants a run
        return False
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command in COMMANDS


def given_before(argv: Sequence[str]) -> int | None:
    """Write the kept answer to ``argv`` and return its exit status, if it still holds."""
    if not enabled(argv):
        return None
    try:
        kept = json.loads(_entry_path(argv).read_text(encoding="utf-8"))
        if kept.get("format") != FORMAT or kept["digest"] != _digest(argv, kept):
            return None
        stdout, status = str(kept["stdout"]), int(kept["status"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none kept, or not readable as one: answer in full
    try:
        sys.stdout.write(stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as the full answer does.
        sys.stderr.close()
    return status


def answer(argv: Sequence[str], run: Callable[[], int]) -> int:
    """``run()``, keeping its answer for :func:`given_before` when it may be given again."""
    if not enabled(argv):
        return run()
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        with recording() as reads:
            status = run()
    finally:
        sys.stdout, sys.stderr = out.original, err.original
    if status == 0 and not err.kept.getvalue() and _store_unchanged(reads):
        _keep(argv, reads, out.kept.getvalue(), status)
    return status


def note_store(path: Path, *, zone: str | None, day: str) -> None:
    """The command reads the store at ``path``, for ``day``.

    ``zone`` is the household's when ``day`` is its today (the answer holds for that date
    only), ``None`` when the command was given its date.
    """
    from recoveryd.store.revision import read_revision  # noqa: PLC0415 - store commands only

    reads = current()
    if reads is not None:
        reads.store, reads.zone, reads.day = path.absolute(), zone, day
        reads.revision = read_revision(path)


def _store_unchanged(reads: Reads) -> bool:
    """Nothing was written to the store between the command's first look and its end."""
    if reads.store is None:
        return True
    from recoveryd.store.revision import read_revision  # noqa: PLC0415

    return reads.revision is not None and read_revision(reads.store) == reads.revision


def _keep(argv: Sequence[str], reads: Reads, stdout: str, status: int) -> None:
    kept: dict[str, Any] = {
        "format": FORMAT,
        "files": [str(path) for path in reads.files],
        "environment": reads.environment,
        "store": None if reads.store is None else str(reads.store),
        "zone": reads.zone,
    }
    # The day the command answered for, though midnight may have passed while it ran.
    kept["digest"] = _digest(argv, kept, reads.day)
    kept |= {"stdout": stdout, "status": status}
    path = _entry_path(argv)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(kept, file)
        scratch.replace(path)
        _prune(path.parent)
    except OSError:
        return  # a folder that cannot be written: the next run answers in full


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[_KEPT_ANSWERS:]:
        old.unlink(missing_ok=True)


def _cache_dir() -> Path:
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "recoveryd" / "answers"


def _entry_path(argv: Sequence[str]) -> Path:
    # One kept answer per command line as typed, where it was typed.
    name = json.dumps([str(Path.cwd()), list(argv), os.environ.get("RECOVERYD_CONFIG")])
    return _cache_dir() / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"


def _digest(
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
        "terminal": _terminal(),
        "environment": {name: os.environ.get(name) for name in ALWAYS_ENV},
        "configuration": config_identity(kept["files"], kept["environment"]),
        "store": None if store is None else _store_fingerprint(Path(str(store)), revision),
        "day": None if zone is None else day or _household_day(str(zone)),
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _terminal() -> dict[str, Any]:
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


class _Tee(io.TextIOBase):
    """Writes through to ``original`` and keeps a copy; looks like it to whoever asks."""

    def __init__(self, original: TextIO) -> None:
        super().__init__()
        self.original = original
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.original.write(text)

    def flush(self) -> None:
        self.original.flush()

    def isatty(self) -> bool:
        return self.original.isatty()

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.original.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.original.errors

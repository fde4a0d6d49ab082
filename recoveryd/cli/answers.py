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
content counts it up, in the same transaction, whoever makes it; migration 11). Where the
kept answer no longer holds and ``recoveryd run`` runs on the store, ``today`` asks it
(:mod:`recoveryd.cli.asking`). The kept answers and their digests: :mod:`recoveryd.cli.kept`.

``RECOVERYD_NO_CACHE=1`` turns this off; ``RECOVERYD_CACHE_DIR`` moves the kept answers
(default ``$XDG_CACHE_HOME/recoveryd/answers``, else ``~/.cache/recoveryd/answers``). Where
the folder cannot be written the commands simply run in full.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from recoveryd.cli.kept import (
    CACHE_DIR_ENV,
    FORMAT,
    digest,
    keep_answer,
    read_entry,
)
from recoveryd.config.reads import Reads, current, recording

__all__ = [
    "CACHE_DIR_ENV", "COMMANDS", "NO_CACHE_ENV", "answer", "enabled", "given_before",
    "note_store",
]  # fmt: skip

COMMANDS: Final = frozenset({"check-config", "today"})
NO_CACHE_ENV: Final = "RECOVERYD_NO_CACHE"


def enabled(argv: Sequence[str]) -> bool:
    """Whether ``argv`` names a command whose answer can be given again."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return False
    if "-v" in argv or "--verbose" in argv:  # who asks for the logs wants a run
        return False
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command in COMMANDS


def given_before(argv: Sequence[str]) -> int | None:
    """Write the kept answer to ``argv`` and return its exit status, if it still holds.

    When the kept one no longer holds but the daemon of its store runs the same code on the
    same configuration, the daemon's answer (kept in turn); else ``None``: answer in full.
    """
    if not enabled(argv):
        return None
    try:
        kept = read_entry(argv)
        if kept is None:
            return None
        stdout: str | None = None
        status = 0
        if kept["digest"] == digest(argv, kept):
            stdout, status = str(kept["stdout"]), int(kept["status"])
        else:
            from recoveryd.cli.asking import from_daemon  # noqa: PLC0415 - only then

            stdout = from_daemon(argv, kept)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # none kept, or not readable as one: answer in full
    if stdout is None:
        return None
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
    keep_answer(argv, kept, stdout, day=reads.day, status=status)


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

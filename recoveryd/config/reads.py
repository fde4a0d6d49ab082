# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What reading the configuration read: files and environment variables.

A command that answers only from what it read can give its earlier answer again while none of
it changed (:mod:`recoveryd.cli.answers`); this is how it learns what that was. Outside
:func:`recording` nothing is kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path


class Reads:
    """What was read while recording: files and variables in first-read order, the store."""

    # A plain class: the answer given again imports this module, and dataclasses costs it
    # more than everything else it needs.
    def __init__(self) -> None:
        self.files: list[Path] = []
        self.environment: list[str] = []
        self.store: Path | None = None
        self.zone: str | None = None  # the household's zone: an answer holds for its date
        self.day: str | None = None  # that date, when the command first looked
        self.revision: tuple[str, int] | None = None  # the store's, when first looked at


_RECORDING: ContextVar[Reads | None] = ContextVar("recoveryd_reads", default=None)


@contextmanager
def recording() -> Iterator[Reads]:
    """Keep every file and environment variable read inside the block."""
    outer = _RECORDING.get()
    reads = Reads()
    token = _RECORDING.set(reads)
    try:
        yield reads
    finally:
        _RECORDING.reset(token)
        if outer is not None:  # a recording inside another: the outer one read it too
            outer.files += [path for path in reads.files if path not in outer.files]
            outer.environment += [n for n in reads.environment if n not in outer.environment]


def current() -> Reads | None:
    """What is being recorded, if anything is."""
    return _RECORDING.get()


def note_file(path: Path) -> None:
    """``path`` was read (or looked for): an answer depends on its bytes."""
    reads = _RECORDING.get()
    if reads is not None:
        absolute = path.absolute()
        if absolute not in reads.files:
            reads.files.append(absolute)


def environ(name: str) -> str | None:
    """``os.environ.get(name)``, noted: an answer depends on the variable's value."""
    reads = _RECORDING.get()
    if reads is not None and name not in reads.environment:
        reads.environment.append(name)
    return os.environ.get(name)

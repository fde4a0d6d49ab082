# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What every command family shares: exit codes, the ``--config`` help, its handlers' shape."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.config.basics import CONFIG_ENV

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.store.database import Store

# 0 success; 1 the command ran but something was rejected or failed; 2 the configuration or
# the command line is wrong.
EXIT_OK, EXIT_REJECTED, EXIT_CONFIG = 0, 1, 2

CONFIG_HELP = f"configuration file (default: ${CONFIG_ENV}, then /etc/recoveryd/recoveryd.yaml)"


@dataclass(frozen=True, slots=True)
class Handlers:
    """A command family's commands by name: with the configuration loaded, or without."""

    with_config: Mapping[str, Callable[[Config, argparse.Namespace], int]] = field(
        default_factory=dict
    )
    without_config: Mapping[str, Callable[[argparse.Namespace], int]] = field(default_factory=dict)


def open_store(config: Config, *, keep_blocks: bool = False, existing: bool = False) -> Store:
    """The configured store, opened (imported here: ``--help`` and the parser need none of it).

    ``keep_blocks``: save the column blocks read (see :class:`~recoveryd.store.database.Store`);
    ``existing``: a command that only reads refuses a store that is not there (a mistyped
    ``storage.path`` would otherwise create an empty one and answer "no data").
    """
    from recoveryd.store.database import Store, StoreError  # noqa: PLC0415

    path = config.storage.path
    if existing and not path.exists():
        raise StoreError(
            f"no store at {path} (storage.path): `recoveryd run` or an import creates it; "
            "is the path right?"
        )
    return Store(path, keep_blocks=keep_blocks)


def unwritable(path: Path) -> str | None:
    """Why an output file cannot be written, checked before any work; ``None`` when it can."""
    folder = path.parent
    if not folder.is_dir():
        return f"cannot write {path}: no folder {folder}"
    if path.is_dir():
        return f"cannot write {path}: it is a folder"
    if not os.access(folder, os.W_OK):
        return f"cannot write {path}: the folder is not writable"
    return None


def write_output(path: Path, data: bytes) -> bool:
    """Write an output file; on failure say why in one line on stderr."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        sys.stderr.write(f"cannot write {path}: {exc.strerror or exc}\n")
        return False
    return True


def clock_time(text: str) -> str:
    """A command-line time of day (``HH:MM``, 24-hour), as stored: ``07:05``; blank: none."""
    if not text.strip():
        return ""
    try:
        parsed = datetime.strptime(text.strip(), "%H:%M")  # noqa: DTZ007 - a time of day only
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time of day (HH:MM, 24-hour): {text!r}") from None
    return f"{parsed:%H:%M}"


def iso_date(text: str) -> date:
    """A command-line date (``YYYY-MM-DD``); argparse names the option and the value."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def positive_seconds(text: str) -> float:
    """A duration in seconds, above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0 seconds, got {text!r}")
    return value

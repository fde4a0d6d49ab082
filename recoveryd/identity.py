# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What an answer rests on besides the store: the code that gives it, the configuration read.

And where the command asks the daemon that runs on its store.

Two processes that compute the same identities run the same recoveryd with the same
libraries, and read the same configuration (the same files, byte for byte and mode for mode,
and the same values of the environment variables it names). An answer kept by one command
(:mod:`recoveryd.cli.answers`), or given by the running daemon for the command line
(:mod:`recoveryd.daemon.answering`), is only used where they agree.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from recoveryd import __version__

_PACKAGE = Path(__file__).resolve().parent
# How the command asks the daemon of its store (recoveryd.daemon.answering): this format of
# request, on this socket; both sides import it from here, the command without the daemon.
ASKING_FORMAT = 1


def daemon_socket(store: Path) -> Path:
    """Where the daemon of the store at ``store`` answers the command line."""
    return store.with_name(store.name + ".sock")


def code_identity() -> str:
    """Recoveryd's installed files, the interpreter and the import path's folders, digested."""
    facts = [__version__, _code_fingerprint(), sys.version, sys.executable, _libraries()]
    return _digest(facts)


def config_identity(files: Iterable[str | Path], names: Iterable[str]) -> str:
    """The files a configuration was read from and the variables it used, as they are now."""
    facts = {
        "files": {str(path): file_fingerprint(Path(path)) for path in files},
        "environment": {name: os.environ.get(name) for name in names},
    }
    return _digest(facts)


def file_fingerprint(path: Path) -> list[Any] | None:
    """The file's bytes and mode (a secret others may read is warned of), or None if gone."""
    try:
        return [path.stat().st_mode, hashlib.sha256(path.read_bytes()).hexdigest()]
    except OSError:
        return None


def _digest(facts: object) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _code_fingerprint() -> list[list[Any]]:
    """The files of recoveryd as they are installed: an edit or an upgrade changes it."""
    found = []
    for folder, _, names in os.walk(_PACKAGE, followlinks=True):
        for name in names:
            if name.endswith((".py", ".yaml", ".j2")):
                info = Path(folder, name).stat()
                found.append([folder, name, info.st_mtime_ns, info.st_size])
    found.sort()
    return found


def _libraries() -> list[Any]:
    """The import path's folders: installing or removing a library changes one of them."""
    found: list[Any] = []
    for entry in sys.path:
        try:
            found.append([entry, Path(entry or ".").stat().st_mtime_ns])
        except OSError:
            found.append([entry, None])
    return found

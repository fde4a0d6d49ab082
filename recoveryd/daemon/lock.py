# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One daemon per store.

Two daemons on one store send every device command twice and log each action twice. The
daemon holds an exclusive ``flock`` on ``<store>.lock`` (holding its process id) while it
runs: the kernel releases it when the process ends, however it ends, so a SIGKILL never
blocks the next start. Command-line tools (imports, ``today``, ``timeline``) do not take it
and keep working beside the daemon; SQLite's WAL keeps their writes apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class DaemonRunningError(Exception):
    """Another daemon holds the store; the message is one line naming it."""


def lock_path(store: Path) -> Path:
    """The lock file beside ``store``."""
    return store.with_name(store.name + ".lock")


@contextlib.contextmanager
def daemon_lock(store: Path) -> Iterator[None]:
    """Hold the store's daemon lock for the ``with`` block.

    Raises:
        DaemonRunningError: another process holds it.
    """
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise DaemonRunningError(
                f"another recoveryd daemon (pid {owner}) already runs on {store}; stop it "
                "first (one daemon per store)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock

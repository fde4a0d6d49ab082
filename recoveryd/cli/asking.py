# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``today`` asked of the daemon that runs on the store, when the kept answer no longer holds.

The daemon's side is :mod:`recoveryd.daemon.answering`; what both compare is
:mod:`recoveryd.identity`. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from recoveryd.cli.kept import ALWAYS_ENV, keep_answer, terminal
from recoveryd.identity import ASKING_FORMAT, code_identity, config_identity, daemon_socket

ASK_TIMEOUT_S: Final = 2.0  # a daemon that answers later is not waited for
MAX_REPLY_BYTES: Final = 4 << 20


def today_request(argv: Sequence[str]) -> dict[str, Any] | None:
    """``today --athlete A [--date D] [--json] [--config C]`` as a request; else ``None``."""
    request: dict[str, Any] = {"athlete": None, "date": None, "json": False}
    args = list(argv)
    if not args or args.pop(0) != "today":
        return None
    while args:
        arg = args.pop(0)
        name, _, value = arg.partition("=")
        if name == "--json" and not value:
            request["json"] = True
        elif name in {"--athlete", "--date", "--config"}:
            if not value:
                if not args:
                    return None
                value = args.pop(0)
            if name != "--config":
                request[name.removeprefix("--")] = value
        else:
            return None  # anything else: the command itself says what it makes of it
    return request if request["athlete"] else None


def from_daemon(argv: Sequence[str], kept: dict[str, Any]) -> str | None:
    """The running daemon's answer to ``today``, kept for the next time; ``None`` if none."""
    request = today_request(argv)
    store = kept.get("store")
    if request is None or store is None:
        return None
    where = daemon_socket(Path(str(store)))
    if not where.exists():
        return None
    request |= {
        "format": ASKING_FORMAT, "code": code_identity(),
        "configuration": config_identity(kept["files"], kept["environment"]),
        "terminal": terminal(),
        "environ": {k: v for k, v in os.environ.items() if k in ALWAYS_ENV},
    }  # fmt: skip
    reply = _ask(where, request)
    if reply is None or not isinstance(reply.get("stdout"), str):
        return None
    revision = reply.get("revision")
    if isinstance(revision, list) and len(revision) == 2:  # noqa: PLR2004
        # Kept with the revision and the day the daemon answered for: a write since, or
        # midnight, makes the next look ask again.
        keep_answer(argv, kept, reply["stdout"], day=str(reply.get("day")),
                     revision=(str(revision[0]), int(revision[1])))  # fmt: skip
    return str(reply["stdout"])


def _ask(where: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """One request on the daemon's socket, one reply; ``None`` if it cannot or will not."""
    import socket  # noqa: PLC0415 - only when the daemon is asked

    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(ASK_TIMEOUT_S)
            connection.connect(str(where))
            connection.sendall(json.dumps(request).encode() + b"\n")
            received = bytearray()
            while chunk := connection.recv(65_536):
                received += chunk
                if len(received) > MAX_REPLY_BYTES:
                    return None
        reply = json.loads(received)
    except (OSError, ValueError):
        return None  # no daemon there (or not ours to ask): answer in full
    return reply if isinstance(reply, dict) and "refused" not in reply else None

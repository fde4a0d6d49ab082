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
from recoveryd.identity import ASKING_FORMAT, code_identity, config_identity, daemon_socket

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
ASK_TIMEOUT_S: Final = 2.0  # a daemon that answers later is not waited for
MAX_REPLY_BYTES: Final = 4 << 20
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
    """Write the kept answer to ``argv`` and return its exit status, if it still holds.

    When the kept one no longer holds but the daemon of its store runs the same code on the
    same configuration, the daemon's answer (kept in turn); else ``None``: answer in full.
    """
    if not enabled(argv):
        return None
    try:
        kept = json.loads(_entry_path(argv).read_text(encoding="utf-8"))
        if kept.get("format") != FORMAT:
            return None
        stdout: str | None = None
        status = 0
        if kept["digest"] == _digest(argv, kept):
            stdout, status = str(kept["stdout"]), int(kept["status"])
        else:
            stdout = _from_daemon(argv, kept)
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


def _today_request(argv: Sequence[str]) -> dict[str, Any] | None:
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


def _from_daemon(argv: Sequence[str], kept: dict[str, Any]) -> str | None:
    """The running daemon's answer to ``today``, kept for the next time; ``None`` if none."""
    request = _today_request(argv)
    store = kept.get("store")
    if request is None or store is None:
        return None
    where = daemon_socket(Path(str(store)))
    if not where.exists():
        return None
    request |= {
        "format": ASKING_FORMAT, "code": code_identity(),
        "configuration": config_identity(kept["files"], kept["environment"]),
        "terminal": _terminal(),
        "environ": {k: v for k, v in os.environ.items() if k in ALWAYS_ENV},
    }  # fmt: skip
    reply = _ask(where, request)
    if reply is None or not isinstance(reply.get("stdout"), str):
        return None
    revision = reply.get("revision")
    if isinstance(revision, list) and len(revision) == 2:  # noqa: PLR2004
        # Kept with the revision and the day the daemon answered for: a write since, or
        # midnight, makes the next look ask again.
        _keep_answer(argv, kept, reply["stdout"], day=str(reply.get("day")),
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
    _keep_answer(argv, kept, stdout, day=reads.day, status=status)


def _keep_answer(
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
    entry |= {"format": FORMAT, "digest": _digest(argv, entry, day, revision)}
    entry |= {"stdout": stdout, "status": status}
    path = _entry_path(argv)
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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd today`` answered by the running daemon, on a socket beside its store.

The command's own answer costs it its imports (the configuration's models, the engine, the
renderer: most of a second's fraction); the daemon has them loaded. When the command's kept
answer no longer holds (:mod:`recoveryd.cli.answers`), it asks here: on ``<store>.sock``
(owner only), one JSON line in, one out. The daemon answers only when it runs the same code
(:func:`~recoveryd.identity.code_identity`) on the same configuration the command would read
(:func:`~recoveryd.identity.config_identity` of the files and variables it was loaded from,
as they are now): else it says why, and the command answers itself. The text is the
command's own: the same view of the day (:mod:`recoveryd.daemon.today_view`), drawn by the
same function on a console that sees the command's terminal as rich would see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Final

from recoveryd.config.model import Config
from recoveryd.daemon.today_view import today_view
from recoveryd.identity import ASKING_FORMAT, code_identity, config_identity, daemon_socket
from recoveryd.present.today import print_today, today_json
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES: Final = 16_384
REQUEST_TIMEOUT_S: Final = 5.0
# The environment rich reads to choose colour, width and whether it writes to a terminal.
RICH_ENV: Final = (
    "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
    "COLUMNS", "LINES",
)  # fmt: skip
_DUMB_TERMINALS: Final = ("dumb", "unknown")


class RequestError(ValueError):
    """A request the daemon does not answer; the message says why in one line."""


class Answering:
    """Listens on the store's socket while the daemon runs; answers ``today`` requests."""

    def __init__(
        self, config: Config, store: Store, *, today: Callable[[], tuple[date, datetime]]
    ) -> None:
        self._config, self._store, self._today = config, store, today
        self._code = code_identity()
        self._configuration = config_identity(*config.read_from)
        self._path = daemon_socket(config.storage.path)
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen (a socket left by a daemon that died is replaced: the store's lock is ours)."""
        if not self._config.read_from[0]:
            return  # not read from files (a test's or the add-on's text): nothing to compare
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self._path), limit=MAX_REQUEST_BYTES
            )
            self._path.chmod(0o600)
        except OSError as exc:
            log.warning("no answers for the command line on %s: %s", self._path, exc)
            self._server = None

    async def stop(self) -> None:
        """Stop listening and remove the socket."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                line = await reader.readline()
            reply = self.answer(json.loads(line))
        except (RequestError, ValueError, KeyError, TypeError, TimeoutError) as exc:
            reply = {"refused": f"{type(exc).__name__}: {exc}"[:200]}
        try:
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except OSError:
            pass  # the command went away
        finally:
            writer.close()

    def answer(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The command's answer to ``request``, with the store's revision and the day it is for.

        Raises:
            RequestError: the request is not one this daemon answers as the command would.
        """
        if request.get("format") != ASKING_FORMAT:
            raise RequestError("another format of request")
        if request.get("code") != self._code:
            raise RequestError("the daemon runs other code than the command (restart it)")
        if request.get("configuration") != self._configuration:
            raise RequestError("the configuration changed since the daemon read it")
        athlete = request.get("athlete")
        if not isinstance(athlete, str) or athlete not in {a.id for a in self._config.athletes}:
            raise RequestError(f"no athlete {str(athlete)[:32]!r}")
        asked = request.get("date")
        day = self._today()[0] if asked is None else date.fromisoformat(str(asked))
        revision = self._store.revision()
        seen = today_view(self._store, self._config, athlete, day)
        if request.get("json"):
            text = today_json(seen.plan, seen.stored, seen.unlisted)
        else:
            console, out = _console(request.get("terminal"), request.get("environ"))
            print_today(console, seen.plan, athlete_name=self._config.athlete(athlete).name,
                        stored=seen.stored, unlisted=seen.unlisted,
                        zone=self._config.zone)  # fmt: skip
            text = out.getvalue()
        log.info("answered today for %s from the command line", athlete)
        return {"stdout": text, "day": day.isoformat(), "revision": revision}


class _TerminalOutput(io.StringIO):
    """Text kept here that rich takes for the command's own stdout."""

    def __init__(self, isatty: bool, encoding: str) -> None:
        super().__init__()
        self._isatty, self._encoding = isatty, encoding

    def isatty(self) -> bool:
        return self._isatty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


def _console(terminal: object, environ: object) -> tuple[Any, _TerminalOutput]:
    """A rich console that draws as the command's own would on its terminal.

    Raises:
        RequestError: the terminal or the environment is not described as expected.
    """
    from rich.console import Console  # noqa: PLC0415 - loaded at the first answer only

    if not isinstance(terminal, Mapping) or not isinstance(environ, Mapping):
        raise RequestError("no terminal described")
    env = {str(k): str(v) for k, v in environ.items() if k in RICH_ENV}
    sizes = [s for s in terminal.get("sizes") or [] if isinstance(s, list) and len(s) == 2]  # noqa: PLR2004
    out = _TerminalOutput(bool(terminal.get("isatty")), str(terminal.get("encoding") or "utf-8"))
    width = height = None
    if env.get("TERM", "").lower() not in _DUMB_TERMINALS:
        # As rich measures: the first of stdin, stdout, stderr that is a terminal, then
        # COLUMNS and LINES over it (rich would measure the daemon's own terminal otherwise).
        width, height = (int(sizes[0][0]), int(sizes[0][1])) if sizes else (80, 25)
        width = int(env["COLUMNS"]) if env.get("COLUMNS", "").isdigit() else width
        height = int(env["LINES"]) if env.get("LINES", "").isdigit() else height
    console = Console(file=out, highlight=False, width=width, height=height, _environ=env)
    return console, out

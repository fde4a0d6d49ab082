# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One homeassistant-api client session per call, closed whatever happens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import niquests
from homeassistant_api import AsyncClient, AsyncWebsocketClient


def why(exc: BaseException) -> str:
    """The root of a failed call, in one line.

    niquests wraps a refused connection three deep (``ConnectionError`` of ``MaxRetryError``
    of ``NewConnectionError``, each repeating the others' text with object addresses); the
    innermost cause says it plainly: ``[Errno 111] Connect call failed ('127.0.0.1', 8123)``.
    """
    root, seen = exc, {id(exc)}
    # A chain may loop back on itself (a library re-raising an exception it caught inside
    # the one it raised): the walk stops at the first exception seen before.
    while (
        (inner := root.__cause__ or root.__context__) is not None
        and str(inner)
        and id(inner) not in seen
    ):
        seen.add(id(inner))
        root = inner
    return " ".join(str(root).split()) or type(root).__name__


@asynccontextmanager
async def ha_client(api_url: str, token: str, *, verify: bool | str) -> AsyncIterator[AsyncClient]:
    """An entered :class:`AsyncClient`; its HTTP session is closed on every way out.

    ``verify`` is niquests': True (the system's CAs), False, or a CA certificate file.
    """
    client = AsyncClient(api_url, token)
    client.global_request_kwargs["verify"] = verify
    try:
        await client.__aenter__()
    except BaseException:
        # The library's enter checks the API and leaks its session when that fails (a
        # wrong token, Home Assistant still starting): close it here.
        await client.__aexit__(None, None, None)
        raise
    try:
        yield client
    finally:
        await client.__aexit__(None, None, None)


@asynccontextmanager
async def ha_websocket(
    url: str, token: str, *, verify: bool | str, read_timeout_s: float | None = None
) -> AsyncIterator[AsyncWebsocketClient]:
    """An authenticated WebSocket client on ``url`` (``ws(s)://…/api/websocket``).

    It has its own HTTP session, closed on every way out: the client's enter does not close
    it when Home Assistant cannot be reached. ``read_timeout_s`` is how long a read may wait
    for the next message (niquests' default, 30 s, when ``None``).
    """
    async with (
        VerifyingSession(verify, read_timeout_s) as http,
        AsyncWebsocketClient(url, token, session=http) as ws,
    ):
        yield ws


class VerifyingSession(niquests.AsyncSession):
    """A session whose every request verifies against ``verify`` (a CA file, or a bool).

    niquests 3.x honours a CA file given with each request, not one set on the session, and
    the WebSocket client makes its requests without one.
    """

    def __init__(self, verify: bool | str, timeout: float | None = None) -> None:
        super().__init__()
        self._ca = verify
        self._timeout = timeout

    async def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]  # noqa: ANN401
        """The session's request, with ``verify`` (and the timeout) filled in when not given."""
        if kwargs.get("verify") is None:
            kwargs["verify"] = self._ca
        if self._timeout is not None and kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return await super().request(*args, **kwargs)

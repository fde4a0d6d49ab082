# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One homeassistant-api client session per call, closed whatever happens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from homeassistant_api import AsyncClient


def why(exc: BaseException) -> str:
    """The root of a failed call, in one line.

    niquests wraps a refused connection three deep (``ConnectionError`` of ``MaxRetryError``
    of ``NewConnectionError``, each repeating the others' text with object addresses); the
    innermost cause says it plainly: ``[Errno 111] Connect call failed ('127.0.0.1', 8123)``.
    """
    root = exc
    while (inner := root.__cause__ or root.__context__) is not None and str(inner):
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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One GET with the manners cloud APIs ask for, shared by the Oura and WHOOP clients.

A 429 waits for ``Retry-After`` (capped); network errors and 5xx back off with jitter; 401/403
and other statuses end at once. Every error is one line that names the API and never
carries a token.
"""

from __future__ import annotations

import asyncio
import random
from typing import Final

import httpx

ATTEMPTS: Final = 5
_RETRY_AFTER_CAP_S: Final = 300.0
_OK, _TOO_MANY, _SERVER_ERROR = 200, 429, 500
_REFUSED: Final = frozenset({401, 403})


class ApiError(Exception):
    """The API could not be read; one line says why (the token is never in it)."""


class UnauthorisedError(ApiError):
    """The API refused the token (401/403): an expired access token may be refreshed."""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(float(value), _RETRY_AFTER_CAP_S) if value is not None else None
    except ValueError:
        return None


async def get_content(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, str],
    *,
    api: str,
    backoff_s: float,
) -> bytes:
    """The body of a successful GET.

    Raises:
        UnauthorisedError: 401 or 403.
        ApiError: another status, or still failing after :data:`ATTEMPTS` tries.
    """
    problem = ""
    for attempt in range(ATTEMPTS):
        pause = random.uniform(0, backoff_s * 2**attempt)  # noqa: S311 - jitter
        try:
            response = await client.get(path, params=params)
        except httpx.TransportError as exc:
            problem = f"{api} unreachable: {type(exc).__name__}"
            await asyncio.sleep(pause)
            continue
        status = response.status_code
        if status == _TOO_MANY:
            wait = _retry_after(response) or pause
            problem = f"{api} rate limit (429); waited {wait:g} s"
            await asyncio.sleep(wait)
            continue
        if status >= _SERVER_ERROR:
            problem = f"{api} answered {status}"
            await asyncio.sleep(pause)
            continue
        if status in _REFUSED:
            raise UnauthorisedError(f"{api} refused the token ({status})")
        if status != _OK:
            raise ApiError(f"{api} answered {status} for {path}")
        return response.content
    raise ApiError(f"{problem} (gave up after {ATTEMPTS} attempts)")

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""WHOOP API v2: recoveries and sleeps through OAuth 2 with refresh, through httpx.

``GET /developer/v2/recovery`` (``score.hrv_rmssd_milli``, WHOOP's HRV is rMSSD in ms;
``score.resting_heart_rate``; ``score.spo2_percentage``) and ``GET /developer/v2/activity/sleep``
(``score.stage_summary`` in milliseconds, ``score.respiratory_rate``), paged with
``next_token`` (sent back as ``nextToken``). Only ``SCORED`` records count. A record's night is
the local date its sleep ended on. WHOOP's ``skin_temp_celsius`` is an absolute skin
temperature, not a deviation from a baseline, so it is not stored as one.

Access tokens last an hour: on a 401 the client asks ``/oauth/oauth2/token`` for a new one
with the refresh token (``grant_type=refresh_token``, scope ``offline``), and hands the new
refresh token (WHOOP rotates it) to ``on_refresh`` to be kept. Tokens are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final, Self
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from recoveryd.domain.models import Night
from recoveryd.domain.plausible import keep_plausible
from recoveryd.integrations.wearables.http_api import ApiError, UnauthorisedError, get_content

log = logging.getLogger(__name__)

API: Final = "https://api.prod.whoop.com"
TOKEN_PATH: Final = "/oauth/oauth2/token"  # noqa: S105 - a path, not a secret
SOURCE: Final = "whoop"
_SCORED: Final = "SCORED"
_PAGE: Final = "25"


class WhoopError(Exception):
    """The API could not be read; one line says why."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _RecoveryScore(_Loose):
    resting_heart_rate: float | None = None
    hrv_rmssd_milli: float | None = None
    spo2_percentage: float | None = None


class Recovery(_Loose):
    """One recovery record (the fields recoveryd uses)."""

    sleep_id: str | None = None
    score_state: str
    score: _RecoveryScore | None = None


class _Stages(_Loose):
    total_in_bed_time_milli: float | None = None
    total_awake_time_milli: float | None = None
    total_light_sleep_time_milli: float | None = None
    total_slow_wave_sleep_time_milli: float | None = None
    total_rem_sleep_time_milli: float | None = None


class _SleepScore(_Loose):
    stage_summary: _Stages | None = None
    respiratory_rate: float | None = None


class Sleep(_Loose):
    """One sleep record (the fields recoveryd uses)."""

    id: str
    end: datetime
    nap: bool = False
    score_state: str
    score: _SleepScore | None = None


class _Page(_Loose):
    records: list[dict[str, Any]]
    next_token: str | None = None


class _Token(_Loose):
    access_token: str
    refresh_token: str | None = None


def _minutes(milli: float | None) -> float | None:
    return None if milli is None else round(milli / 60_000, 1)


def nights_from(
    recoveries: list[Recovery], sleeps: list[Sleep], athlete: str, zone: ZoneInfo
) -> list[Night]:
    """One night per main sleep, with the recovery scored after it."""
    by_sleep = {r.sleep_id: r for r in recoveries if r.score_state == _SCORED and r.score}
    nights: dict[date, Night] = {}
    for sleep in sorted(sleeps, key=lambda s: s.end):
        if sleep.nap or sleep.score_state != _SCORED or sleep.score is None:
            continue
        stages = sleep.score.stage_summary or _Stages()
        light = _minutes(stages.total_light_sleep_time_milli)
        deep = _minutes(stages.total_slow_wave_sleep_time_milli)
        rem = _minutes(stages.total_rem_sleep_time_milli)
        asleep = [m for m in (light, deep, rem) if m is not None]
        values: dict[str, float | None] = {
            "sleep_total_min": round(sum(asleep), 1) if asleep else None,
            "sleep_light_min": light, "sleep_deep_min": deep, "sleep_rem_min": rem,
            "sleep_awake_min": _minutes(stages.total_awake_time_milli),
            "resp_rate": sleep.score.respiratory_rate,
        }  # fmt: skip
        recovery = by_sleep.get(sleep.id)
        if recovery is not None and recovery.score is not None:
            values["hrv_rmssd_ms"] = recovery.score.hrv_rmssd_milli
            values["rhr_bpm"] = recovery.score.resting_heart_rate
            values["spo2_pct"] = recovery.score.spo2_percentage
        kept, problems = keep_plausible(values)
        day = sleep.end.astimezone(zone).date()
        for problem in problems:
            log.warning("whoop %s: %s; left out", day, problem)
        if kept:
            nights[day] = Night(athlete, day, SOURCE, **kept)
    return [nights[d] for d in sorted(nights)]


class WhoopClient:
    """Reads recoveries and sleeps, refreshing the access token when it has expired."""

    def __init__(
        self,
        *,
        access_token: str,
        refresh_token: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        on_refresh: Callable[[str], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_s: float = 1.0,
    ) -> None:
        self._client = httpx.AsyncClient(base_url=API, transport=transport, timeout=30.0)
        self._access = access_token
        self._refresh = refresh_token
        self._client_id, self._client_secret = client_id, client_secret
        self._on_refresh = on_refresh
        self._backoff = backoff_s

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def records(self, path: str, first: datetime, last: datetime) -> list[dict[str, Any]]:
        """Every record of a collection between two instants, all pages."""
        found: list[dict[str, Any]] = []
        params = {"start": first.isoformat(), "end": last.isoformat(), "limit": _PAGE}
        token: str | None = None
        while True:
            query = {**params, "nextToken": token} if token else params
            page = _Page.model_validate_json(await self._get(path, query))
            found += page.records
            token = page.next_token
            if not token:
                return found

    async def _get(self, path: str, params: dict[str, str]) -> bytes:
        for refreshed in (False, True):
            self._client.headers["Authorization"] = f"Bearer {self._access}"
            try:
                return await get_content(
                    self._client, path, params, api="WHOOP API", backoff_s=self._backoff
                )
            except UnauthorisedError as exc:
                if refreshed or self._refresh is None:
                    raise WhoopError(f"{exc}; reconnect recoveryd to WHOOP") from None
                await self._renew()
            except ApiError as exc:
                raise WhoopError(str(exc)) from None
        raise WhoopError("WHOOP API refused the token after a refresh")

    async def _renew(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._refresh or "",
            "client_id": self._client_id or "",
            "client_secret": self._client_secret or "",
            "scope": "offline",
        }
        try:
            response = await self._client.post(TOKEN_PATH, data=form)
        except httpx.TransportError as exc:
            raise WhoopError(f"WHOOP token refresh failed: {type(exc).__name__}") from None
        if response.status_code != 200:  # noqa: PLR2004
            raise WhoopError(
                f"WHOOP token refresh refused ({response.status_code}); reconnect recoveryd"
            )
        try:
            token = _Token.model_validate_json(response.content)
        except ValidationError:
            raise WhoopError("WHOOP token refresh answered without an access token") from None
        self._access = token.access_token
        if token.refresh_token and token.refresh_token != self._refresh:
            self._refresh = token.refresh_token
            if self._on_refresh is not None:
                self._on_refresh(token.refresh_token)


async def fetch_nights(
    client: WhoopClient, athlete: str, first: datetime, last: datetime, zone: ZoneInfo
) -> list[Night]:
    """The athlete's WHOOP nights whose sleep ended between ``first`` and ``last``.

    Raises:
        WhoopError: the API could not be read, or answered in another shape.
    """
    try:
        recoveries = [
            Recovery.model_validate(r)
            for r in await client.records("/developer/v2/recovery", first, last)
        ]
        sleeps = [
            Sleep.model_validate(r)
            for r in await client.records("/developer/v2/activity/sleep", first, last)
        ]
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise WhoopError(
            f"WHOOP API response of an unexpected shape at {where}: {error['msg']}"
        ) from None
    return nights_from(recoveries, sleeps, athlete, zone)

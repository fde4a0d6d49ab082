# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Oura API v2: nights from the ring with a personal access token, through httpx.

``GET /v2/usercollection/sleep?start_date=&end_date=`` returns sleep periods, paged with
``next_token``; the day's main sleep (``type`` ``long_sleep``, else the longest) gives the
night: ``average_hrv`` (Oura's HRV is rMSSD, in ms), ``lowest_heart_rate`` (the nightly
resting HR), ``average_breath`` (breaths per minute), ``total_sleep_duration``,
``deep_sleep_duration``, ``rem_sleep_duration``, ``light_sleep_duration`` and ``awake_time``
(seconds), and ``readiness.temperature_deviation`` (°C). A 429 waits for ``Retry-After``;
network errors and 5xx back off; a response that does not fit the model is one line, and
nothing of that page is stored. The token is sent, never logged.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Final, Self

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from recoveryd.domain.models import Night
from recoveryd.domain.plausible import keep_plausible
from recoveryd.integrations.wearables.http_api import ApiError, UnauthorisedError, get_content

log = logging.getLogger(__name__)

API: Final = "https://api.ouraring.com"
SOURCE: Final = "oura"


class OuraError(Exception):
    """The API could not be read; one line says why (the token is never in it)."""


class _Readiness(BaseModel):
    model_config = ConfigDict(extra="ignore")
    temperature_deviation: float | None = None


class SleepPeriod(BaseModel):
    """The fields of an Oura sleep period recoveryd uses (the API sends many more)."""

    model_config = ConfigDict(extra="ignore")

    day: date
    type: str | None = None
    average_hrv: float | None = None
    lowest_heart_rate: float | None = None
    average_breath: float | None = None
    total_sleep_duration: float | None = None
    deep_sleep_duration: float | None = None
    rem_sleep_duration: float | None = None
    light_sleep_duration: float | None = None
    awake_time: float | None = None
    readiness: _Readiness | None = None


class _Page(BaseModel):
    model_config = ConfigDict(extra="ignore")
    data: list[SleepPeriod]
    next_token: str | None = None


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def nights_from(periods: list[SleepPeriod], athlete: str) -> list[Night]:
    """One night per day from its main sleep; implausible values are left out."""
    by_day: dict[date, SleepPeriod] = {}
    for period in periods:
        best = by_day.get(period.day)
        main = period.type == "long_sleep"
        if (
            best is None
            or (main and best.type != "long_sleep")
            or ((main or best.type != "long_sleep")
                and (period.total_sleep_duration or 0) > (best.total_sleep_duration or 0))
        ):  # fmt: skip
            by_day[period.day] = period
    nights = []
    for day in sorted(by_day):
        p = by_day[day]
        values: dict[str, Any] = {
            "hrv_rmssd_ms": p.average_hrv,
            "rhr_bpm": p.lowest_heart_rate,
            "resp_rate": p.average_breath,
            "sleep_total_min": _minutes(p.total_sleep_duration),
            "sleep_deep_min": _minutes(p.deep_sleep_duration),
            "sleep_rem_min": _minutes(p.rem_sleep_duration),
            "sleep_light_min": _minutes(p.light_sleep_duration),
            "sleep_awake_min": _minutes(p.awake_time),
            "skin_temp_dev_c": p.readiness.temperature_deviation if p.readiness else None,
        }
        kept, problems = keep_plausible(values)
        for problem in problems:
            log.warning("oura %s: %s; left out", day, problem)
        if kept:
            nights.append(Night(athlete, day, SOURCE, **kept))
    return nights


class OuraClient:
    """Reads sleep periods for a date range."""

    def __init__(
        self,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str = API,
        backoff_s: float = 1.0,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=30.0,
        )
        self._backoff = backoff_s

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def sleep(self, first: date, last: date) -> list[SleepPeriod]:
        """Every sleep period from ``first`` to ``last``, all pages.

        Raises:
            OuraError: unauthorised, gave up after retries, or a response of another shape.
        """
        periods: list[SleepPeriod] = []
        params = {"start_date": first.isoformat(), "end_date": last.isoformat()}
        token: str | None = None
        while True:
            query = {**params, "next_token": token} if token else params
            page = await self._get("/v2/usercollection/sleep", query)
            periods += page.data
            token = page.next_token
            if not token:
                return periods

    async def _get(self, path: str, params: dict[str, str]) -> _Page:
        try:
            content = await get_content(
                self._client, path, params, api="Oura API", backoff_s=self._backoff
            )
        except UnauthorisedError as exc:
            raise OuraError(f"{exc}; check oura token or token_file") from None
        except ApiError as exc:
            raise OuraError(str(exc)) from None
        try:
            return _Page.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise OuraError(
                f"Oura API response of an unexpected shape at {where}: {first['msg']}"
            ) from None


async def fetch_nights(
    token: str,
    athlete: str,
    first: date,
    last: date,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    backoff_s: float = 1.0,
) -> list[Night]:
    """The athlete's Oura nights from ``first`` to ``last`` (one request per page)."""
    # Oura files a sleep under the day it ends; ask one day wider on both sides.
    async with OuraClient(token, transport=transport, backoff_s=backoff_s) as oura:
        periods = await oura.sleep(first - timedelta(days=1), last + timedelta(days=1))
    return [n for n in nights_from(periods, athlete) if first <= n.date <= last]

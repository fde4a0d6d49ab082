# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Nights pulled from the athletes' cloud APIs and Home Assistant sensors.

A composition module, like ``measuring.py``: it knows which of an athlete's sources can be
pulled (an Oura token, WHOOP credentials, Home Assistant sensor mappings) and turns each into
nights, never touching the store. ``recoveryd import oura|whoop|homeassistant`` and the
daemon's morning pull both use it; they store what it returns.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from recoveryd.config.athletes import AthleteConfig
from recoveryd.config.model import Config
from recoveryd.domain.models import Night
from recoveryd.domain.pulled import Pulled, PullSource

if TYPE_CHECKING:
    import httpx


MISSING: dict[PullSource, str] = {
    "oura": "no oura_token in the configuration",
    "whoop": "no whoop credentials",
    "homeassistant": "no ha_sensors mappings",
}
"""What an athlete lacks when a source cannot be pulled for them."""


def whoop_refresh_key(athlete: str) -> str:
    """The store setting that keeps the athlete's latest WHOOP refresh token."""
    return f"whoop_refresh:{athlete}"


def pull_sources(config: Config, athlete: AthleteConfig) -> tuple[PullSource, ...]:
    """The sources the configuration lets recoveryd pull for ``athlete``."""
    sources: list[PullSource] = []
    if athlete.oura_token is not None:
        sources.append("oura")
    if athlete.whoop is not None:
        sources.append("whoop")
    ha = config.homeassistant
    if athlete.ha_sensors and ha.url is not None and ha.token is not None:
        sources.append("homeassistant")
    return tuple(sources)


async def pull(
    config: Config,
    athlete_id: str,
    source: PullSource,
    first: date,
    last: date,
    *,
    refresh_token: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Pulled:
    """The athlete's nights from ``source`` for the mornings ``first`` to ``last``.

    Never raises for what the network or the service does: a failure is ``Pulled.error``.
    """
    athlete = config.athlete(athlete_id)
    if source == "oura":
        return await _oura(athlete, first, last, transport)
    if source == "whoop":
        return await _whoop(
            config, athlete, first, last, refresh_token=refresh_token, transport=transport
        )
    return await _ha_sensors(config, athlete, first, last)


async def _oura(
    athlete: AthleteConfig, first: date, last: date, transport: httpx.AsyncBaseTransport | None
) -> Pulled:
    from recoveryd.integrations.wearables.oura import OuraError, fetch_nights  # noqa: PLC0415

    if athlete.oura_token is None:
        return Pulled("oura", error=f"{athlete.id} has {MISSING['oura']}")
    token = athlete.oura_token.get_secret_value()
    try:
        nights = await fetch_nights(token, athlete.id, first, last, transport=transport)
    except OuraError as exc:
        return Pulled("oura", error=str(exc))
    return Pulled("oura", tuple(nights))


async def _whoop(
    config: Config,
    athlete: AthleteConfig,
    first: date,
    last: date,
    *,
    refresh_token: str | None,
    transport: httpx.AsyncBaseTransport | None,
) -> Pulled:
    from recoveryd.integrations.wearables.whoop import WhoopClient, WhoopError, fetch_nights  # noqa: PLC0415

    credentials = athlete.whoop
    if credentials is None:
        return Pulled("whoop", error=f"{athlete.id} has {MISSING['whoop']}")
    rotated: list[str] = []
    access = credentials.access_token
    client = WhoopClient(
        access_token=access.get_secret_value() if access else "",
        refresh_token=refresh_token or credentials.refresh_token.get_secret_value(),
        client_id=credentials.client_id.get_secret_value(),
        client_secret=credentials.client_secret.get_secret_value(),
        on_refresh=rotated.append,
        transport=transport,
    )
    zone = config.zone
    try:
        async with client:
            nights = await fetch_nights(
                client, athlete.id,
                datetime.combine(first, time(0), zone),
                datetime.combine(last + timedelta(days=1), time(0), zone),
                zone,
            )  # fmt: skip
    except WhoopError as exc:
        return Pulled("whoop", error=str(exc), refresh_token=rotated[-1] if rotated else None)
    return Pulled("whoop", tuple(nights), refresh_token=rotated[-1] if rotated else None)


async def _ha_sensors(config: Config, athlete: AthleteConfig, first: date, last: date) -> Pulled:
    from recoveryd.domain.sensor_nights import sensor_nights  # noqa: PLC0415
    from recoveryd.integrations.homeassistant.history import HistoryError, entity_histories  # noqa: PLC0415

    ha = config.homeassistant
    if not athlete.ha_sensors or ha.url is None or ha.token is None:
        return Pulled("homeassistant", error=f"{athlete.id} has {MISSING['homeassistant']}")
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    nights: list[Night] = []
    problems: list[str] = []
    for mapping in athlete.ha_sensors:
        start = datetime.combine(first - timedelta(days=1), mapping.at, config.zone)
        end = datetime.combine(last, mapping.at, config.zone)
        try:
            histories = await entity_histories(
                ha.url, ha.token.get_secret_value(), list(mapping.metrics.values()), start, end,
                verify=ha.verify,
            )  # fmt: skip
        except HistoryError as exc:
            return Pulled("homeassistant", error=str(exc))
        found, left_out = sensor_nights(
            athlete.id, mapping.source, histories,
            metrics={str(k): v for k, v in mapping.metrics.items()},
            scales={str(k): v for k, v in mapping.scales.items()},
            days=days, at=mapping.at, zone=config.zone,
        )  # fmt: skip
        nights += found
        problems += left_out
    return Pulled("homeassistant", tuple(nights), tuple(problems))

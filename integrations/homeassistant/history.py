# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Entity histories from Home Assistant (``GET /api/history/period``) through homeassistant-api."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import niquests
from homeassistant_api.errors import EndpointNotFoundError, HomeassistantAPIError
from recoveryd.domain.sensor_nights import Reading
from recoveryd.integrations.homeassistant.session import ha_client, why

_TRANSIENT = (HomeassistantAPIError, niquests.exceptions.RequestException, OSError, TimeoutError)


class HistoryError(Exception):
    """Home Assistant could not give the histories; one line says why."""


async def entity_histories(
    url: str,
    token: str,
    entities: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    verify: bool | str = True,
) -> dict[str, list[Reading]]:
    """Every state change of ``entities`` between ``start`` and ``end``, per entity.

    Home Assistant's ``history`` integration must be loaded (``default_config`` has it).

    Raises:
        HistoryError: Home Assistant unreachable, or an entity it does not know.
    """
    api = url.rstrip("/").removesuffix("/api") + "/api"
    found: dict[str, list[Reading]] = {entity: [] for entity in entities}
    try:
        async with ha_client(api, token, verify=verify) as client:
            known = []
            for entity_id in entities:
                try:
                    entity = await client.get_entity(entity_id=entity_id)
                except EndpointNotFoundError:
                    entity = None
                if entity is None:
                    raise HistoryError(f"Home Assistant has no entity {entity_id}")
                known.append(entity)
            async for history in client.get_entity_histories(
                entities=tuple(known), start_timestamp=start, end_timestamp=end
            ):
                for state in history.states:
                    found.setdefault(state.entity_id, []).append((state.last_changed, state.state))
    except _TRANSIENT as exc:
        raise HistoryError(
            f"Home Assistant at {api} could not give the history: {why(exc)}"
        ) from None
    return found

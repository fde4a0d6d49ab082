# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Home Assistant MQTT discovery: every entity of an athlete's device and of the household's.

Per-entity discovery (``<prefix>/<component>/<object_id>/config``, the form Home Assistant
2024.3 understands), one HA device per athlete plus one for the daemon, a stable
``unique_id`` per entity, the ``origin`` block and the daemon's availability topic; what each
entity is lives in :mod:`recoveryd.integrations.mqtt.entities`.
See https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from recoveryd import __version__
from recoveryd.integrations.mqtt.entities import (
    CONTRIBUTORS,
    EVENT_TYPES,
    Entity,
    athlete_entities,
    household_entities,
    object_id,
)
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Message, Topics

__all__ = [
    "CONTRIBUTORS",
    "EVENT_TYPES",
    "ORIGIN",
    "Entity",
    "athlete_entities",
    "discovery_messages",
    "household_discovery",
    "household_entities",
    "object_id",
]

ORIGIN = {
    "name": "recoveryd",
    "sw_version": __version__,
    "support_url": "https://github.com/recoveryd/recoveryd",
}


def _messages(
    topics: Topics, owner: str, device: dict[str, Any], entities: list[Entity]
) -> list[Message]:
    messages = []
    for entity in entities:
        oid = object_id(owner, entity.key)
        config = {
            **entity.config,
            "unique_id": oid,
            "object_id": oid,
            "availability": [{"topic": topics.availability}],
            "device": device,
            "origin": ORIGIN,
        }
        topic = topics.discovery(entity.component, oid)
        messages.append(Message(topic, json.dumps(config, sort_keys=True)))
    return messages


def discovery_messages(
    topics: Topics,
    athlete: str,
    athlete_name: str,
    sources: Sequence[str] = (),
    *,
    fuel: bool = True,
) -> list[Message]:
    """The retained discovery config of every entity of ``athlete``."""
    device = {
        "identifiers": [f"recoveryd_{athlete}"],
        "name": f"{athlete_name} recovery",
        "manufacturer": "recoveryd",
        "model": "Recovery coach",
        "sw_version": __version__,
        "via_device": f"recoveryd_{HOUSEHOLD}",
    }
    return _messages(topics, athlete, device, athlete_entities(topics, athlete, sources, fuel=fuel))


def household_discovery(topics: Topics, household_name: str) -> list[Message]:
    """The retained discovery configs of the daemon's own device."""
    device = {
        "identifiers": [f"recoveryd_{HOUSEHOLD}"],
        "name": f"{household_name} recoveryd",
        "manufacturer": "recoveryd",
        "model": "Recovery orchestration daemon",
        "sw_version": __version__,
    }
    return _messages(topics, HOUSEHOLD, device, household_entities(topics))

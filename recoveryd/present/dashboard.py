# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A Lovelace dashboard to start from: one view per athlete, core cards only.

Built from the same entity list that MQTT discovery publishes
(:func:`integrations.mqtt.discovery.athlete_entities`), so every entity it names exists once
discovery has run, and a new entity cannot be named wrong. Each view: readiness (a gauge) and
the protocol with the day's session; tonight's sleep need and bedtime; the fuel hints (when
on); the 30-day chart; the next action; the controls (protocol override, start now, skip,
decide again); the morning check-in and the last session's RPE; the contributors; the week's
readiness and HRV as a history graph.

``recoveryd dashboard > recoveryd.yaml`` writes it; README says where it goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recoveryd.config.model import Config
from recoveryd.domain.models import CHECKIN_ITEMS
from recoveryd.integrations.mqtt.discovery import (
    Entity,
    athlete_entities,
    household_entities,
    object_id,
)
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Topics


def _ids(entities: Sequence[Entity], owner: str) -> dict[str, str]:
    """Entity ids by key, as Home Assistant names discovered entities (component.object_id)."""
    return {e.key: f"{e.component}.{object_id(owner, e.key)}" for e in entities}


def _entities(title: str, ids: dict[str, str], keys: Sequence[str]) -> dict[str, Any]:
    return {"type": "entities", "title": title, "entities": [ids[k] for k in keys if k in ids]}


def athlete_view(topics: Topics, athlete: str, name: str, *, fuel: bool) -> dict[str, Any]:
    """One athlete's view."""
    ids = _ids(athlete_entities(topics, athlete, fuel=fuel), athlete)
    contributors = [k for k in ids if k.startswith("contributor_")]
    cards: list[dict[str, Any]] = [
        {
            "type": "gauge", "entity": ids["readiness"], "name": "Readiness", "min": 0,
            "max": 100, "severity": {"green": 70, "yellow": 45, "red": 0},
        },
        _entities("Today", ids, ["protocol", "training", "hrv_pattern", "illness",
                                 "next_action", "session_running"]),
        _entities("Tonight", ids, ["sleep_need", "target_bedtime", "sleep_debt"]),
        {"type": "picture-entity", "entity": ids["chart"], "name": "30 days",
         "show_state": False},
        _entities("Controls", ids, ["protocol_override", "start_session", "skip_today",
                                    "redecide"]),
        _entities("Morning check-in", ids,
                  [f"checkin_{item}" for item in CHECKIN_ITEMS] + ["last_session_rpe"]),
        _entities("Why", ids, contributors),
        {"type": "history-graph", "title": "The last week", "hours_to_show": 168,
         "entities": [ids["readiness"], ids["ln_rmssd"], ids["resting_hr"]]},
    ]  # fmt: skip
    if fuel:
        cards.insert(3, _entities("Fuel", ids, ["carbohydrate", "protein", "fluid",
                                                "caffeine_cutoff", "weight_before",
                                                "weight_after"]))  # fmt: skip
    return {"title": name, "path": athlete, "icon": "mdi:heart-pulse", "cards": cards}


def dashboard(config: Config) -> dict[str, Any]:
    """The whole dashboard: a view per athlete, then the household's pause and health."""
    topics = Topics(
        base=config.mqtt.base_topic,
        discovery_prefix=config.homeassistant.discovery_prefix,
        ha_status=config.homeassistant.status_topic,
    )
    views = [athlete_view(topics, a.id, a.name, fuel=a.fuel.enabled) for a in config.athletes]
    household = _ids(household_entities(topics), HOUSEHOLD)
    views.append({
        "title": "Household", "path": "household", "icon": "mdi:home-heart",
        "cards": [_entities("recoveryd", household, list(household))],
    })  # fmt: skip
    return {"title": "Recovery", "views": views}


def entity_ids(board: dict[str, Any]) -> set[str]:
    """Every entity id a dashboard names (to check them against Home Assistant)."""
    found: set[str] = set()
    for view in board["views"]:
        for card in view["cards"]:
            found.update(card.get("entities", ()))
            if "entity" in card:
                found.add(card["entity"])
    return found

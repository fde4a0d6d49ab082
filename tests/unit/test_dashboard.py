# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The Lovelace dashboard: core cards only, and only entities that discovery publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from recoveryd.cli.main import main
from recoveryd.config.loader import parse_config
from recoveryd.integrations.mqtt.discovery import athlete_entities, household_entities, object_id
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Topics
from recoveryd.present.dashboard import dashboard, entity_ids

CORE_CARDS = {"gauge", "entities", "picture-entity", "history-graph"}
ROOT = Path(__file__).resolve().parents[2]


def test_every_entity_named_is_discovered_and_every_card_is_a_core_card(tmp_path: Path) -> None:
    config = parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [oura]}\n"
        "  - {id: sam, name: Sam, sources: [garmin], fuel: false}\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    board = dashboard(config)
    topics = Topics("recoveryd", "homeassistant", "homeassistant/status")
    discovered = {
        f"{e.component}.{object_id(owner, e.key)}"
        for owner, entities in (
            ("alex", athlete_entities(topics, "alex")),
            ("sam", athlete_entities(topics, "sam", fuel=False)),
            (HOUSEHOLD, household_entities(topics)),
        )
        for e in entities
    }
    named = entity_ids(board)
    assert named <= discovered
    assert [v["title"] for v in board["views"]] == ["Alex", "Sam", "Household"]
    assert {c["type"] for v in board["views"] for c in v["cards"]} <= CORE_CARDS
    assert "sensor.recoveryd_alex_target_bedtime" in named
    assert "select.recoveryd_alex_protocol_override" in named
    assert "sensor.recoveryd_alex_carbohydrate" in named
    assert not any(e.startswith("sensor.recoveryd_sam_carbohydrate") for e in named)  # fuel off
    assert "switch.recoveryd_household_pause" in named


def test_the_command_writes_it_without_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MQTT_PASSWORD", "HA_TOKEN", "ALEX_NTFY_URL", "SAM_NTFY_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "recoveryd.yaml"
    config = ROOT / "config" / "recoveryd.example.yaml"
    assert main(["dashboard", "--config", str(config), "--out", str(out)]) == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [v["path"] for v in written["views"]] == ["alex", "sam", "household"]
    assert main(["dashboard", "--config", str(config), "--out", str(tmp_path / "no" / "x")]) == 1

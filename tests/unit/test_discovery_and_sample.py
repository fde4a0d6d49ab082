# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Discovery payloads, the state payload, and the sample histories the demo relies on."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from recoveryd import __version__
from recoveryd.cli.sampledata import DEFAULT_DAYS, PROFILES, generate
from recoveryd.config.model import Config
from recoveryd.daemon.day_state import live_state
from recoveryd.daemon.deciding import decide_range
from recoveryd.domain.models import CheckIn, Decision, Night, Protocol
from recoveryd.integrations.mqtt.discovery import (
    athlete_entities,
    discovery_messages,
    household_entities,
)
from recoveryd.integrations.mqtt.payloads import live_message, state_message
from recoveryd.integrations.mqtt.topics import Topics
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

TOPICS = Topics(
    base="recoveryd", discovery_prefix="homeassistant", ha_status="homeassistant/status"
)


def test_discovery_config_of_one_entity() -> None:
    messages = discovery_messages(TOPICS, "alex", "Alex")
    assert [m.topic for m in messages] == [
        f"homeassistant/{e.component}/recoveryd_alex_{e.key}/config"
        for e in athlete_entities(TOPICS, "alex")
    ]
    assert all(m.retain and m.qos == 1 for m in messages)
    by_key = {m.topic.split("/")[2].removeprefix("recoveryd_alex_"): m for m in messages}
    rhr = json.loads(by_key["resting_hr"].payload)
    assert rhr == {
        "name": "Resting heart rate",
        "unique_id": "recoveryd_alex_resting_hr",
        "object_id": "recoveryd_alex_resting_hr",
        "state_topic": "recoveryd/alex/state",
        "value_template": "{{ value_json.rhr_bpm }}",
        "availability": [{"topic": "recoveryd/status"}],
        "icon": "mdi:heart-pulse",
        "unit_of_measurement": "bpm",
        "state_class": "measurement",
        "suggested_display_precision": 0,
        "device": {
            "identifiers": ["recoveryd_alex"],
            "name": "Alex recovery",
            "manufacturer": "recoveryd",
            "model": "Recovery coach",
            "sw_version": __version__,
            "via_device": "recoveryd_household",
        },
        "origin": {
            "name": "recoveryd",
            "sw_version": __version__,
            "support_url": "https://github.com/recoveryd/recoveryd",
        },
    }
    protocol = json.loads(by_key["protocol"].payload)
    assert protocol["device_class"] == "enum"
    assert protocol["options"] == [p.value for p in Protocol]
    assert protocol["json_attributes_topic"] == "recoveryd/alex/state"


def test_state_payload_matches_the_decision(
    sample_store: tuple[Config, Store], sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config, store = sample_store
    [plan] = decide_range(store, config, "alex", SAMPLE_END, SAMPLE_END)
    decided = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    message = state_message(TOPICS, Decision(plan, 1, decided, "digest"))
    state = json.loads(message.payload)
    [night] = [n for n in sample[0] if n.athlete == "alex" and n.date == SAMPLE_END]
    assert message.topic == "recoveryd/alex/state"
    assert state["protocol"] == plan.protocol.value
    assert state["readiness"] == plan.readiness.score
    assert state["rmssd_ms"] == night.hrv_rmssd_ms
    assert night.hrv_rmssd_ms is not None
    assert state["ln_rmssd"] == round(math.log(night.hrv_rmssd_ms), 3)
    assert state["rhr_bpm"] == night.rhr_bpm
    assert night.sleep_total_min is not None
    assert state["sleep_h"] == round(night.sleep_total_min / 60, 2)
    assert state["attributes"]["reasons"] == list(plan.reasons)
    assert set(state["attributes"]["contributors"]) == {
        c.signal for c in plan.readiness.contributors
    }


def test_sample_is_deterministic_and_long_enough() -> None:
    nights, checkins = generate(SAMPLE_END)
    again, _ = generate(SAMPLE_END)
    assert nights == again
    for profile in PROFILES:
        own = [n for n in nights if n.athlete == profile.athlete]
        assert len(own) >= 120
        assert {n.source for n in own} == {profile.source}
        assert own[-1].date == SAMPLE_END
        assert own[0].date >= SAMPLE_END - timedelta(days=DEFAULT_DAYS - 1)
    assert generate(SAMPLE_END, seed=1)[0] != nights
    assert all(1 <= c.soreness <= 5 for c in checkins if c.soreness is not None)


def test_sample_last_fourteen_days_show_at_least_three_protocols(
    sample_store: tuple[Config, Store],
) -> None:
    config, store = sample_store
    for athlete in ("alex", "sam"):
        plans = decide_range(store, config, athlete, SAMPLE_END - timedelta(days=13), SAMPLE_END)
        protocols = Counter(p.protocol for p in plans)
        assert len(protocols) >= 3, (athlete, protocols)
    # The illness episode (6-9 days back for alex) is caught as rest.
    illness = decide_range(
        store, config, "alex", SAMPLE_END - timedelta(days=9), SAMPLE_END - timedelta(days=6)
    )
    assert all(p.readiness.illness and p.protocol is Protocol.REST for p in illness)


def test_sample_steady_stretch_keeps_most_days_hard(sample_store: tuple[Config, Store]) -> None:
    """A coach that cries wolf is ignored: outside the episodes most days stay hard."""
    config, store = sample_store
    # Sam between the illness (77-80 days back) and the block (13 days back), with a week of
    # margin on each side.
    plans = decide_range(
        store, config, "sam", SAMPLE_END - timedelta(days=69), SAMPLE_END - timedelta(days=20)
    )
    hard = sum(p.protocol.is_hard for p in plans)
    assert hard / len(plans) >= 0.8, Counter(p.protocol for p in plans)


def test_every_control_publishes_at_qos_1() -> None:
    # At QoS 0 (Home Assistant's default) the broker would not keep a press made while
    # recoveryd is down in its persistent session.
    topics = Topics("recoveryd", "homeassistant", "homeassistant/status")
    entities = [*athlete_entities(topics, "alex"), *household_entities(topics)]
    controls = [e for e in entities if "command_topic" in e.config]
    assert {e.component for e in controls} == {"select", "number", "button", "switch"}
    assert all(e.config["qos"] == 1 for e in controls)


def test_each_source_has_its_last_night_and_a_stale_problem(tmp_path: Path) -> None:
    entities = {e.key: e for e in athlete_entities(TOPICS, "alex", ["oura", "whoop"])}
    last = entities["last_night_oura"].config
    assert (last["device_class"], last["state_topic"]) == ("date", "recoveryd/alex/live")
    assert entities["stale_whoop"].config["device_class"] == "problem"
    today = date(2026, 3, 20)
    with Store(tmp_path / "r.db") as store:
        store.upsert([Night("alex", date(2026, 3, 19), "oura", rhr_bpm=50.0),
                      Night("alex", date(2026, 3, 10), "whoop", rhr_bpm=52.0)])  # fmt: skip
        live = live_state(
            store, "alex", datetime(2026, 3, 20, 7, 0, tzinfo=UTC), [], ["oura", "whoop", "polar"],
            quiet_days=7,
        )  # fmt: skip
    payload = json.loads(live_message(TOPICS, "alex", live).payload)
    assert payload["sources"] == {
        "oura": {"last_night": "2026-03-19", "days_silent": 1, "nights": 1, "stale": False},
        "whoop": {"last_night": "2026-03-10", "days_silent": 10, "nights": 1, "stale": True},
        "polar": {"last_night": None, "days_silent": None, "nights": 0, "stale": True},
    }
    assert today.isoformat() == payload["date"]

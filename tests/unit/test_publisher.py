# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The publishing collaborator alone: a fake broker link, a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from recoveryd.config.loader import parse_config
from recoveryd.daemon.deciding import decide_and_store
from recoveryd.daemon.health import Health
from recoveryd.daemon.publishing import OUTBOX_MAX, Publisher
from recoveryd.domain.models import CheckIn, Night
from recoveryd.integrations.mqtt.link import MqttLink
from recoveryd.integrations.mqtt.topics import Message, Topics
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

NOW = datetime.combine(SAMPLE_END, time(7, 5), ZoneInfo("Europe/Berlin"))
TOPICS = Topics(
    base="recoveryd", discovery_prefix="homeassistant", ha_status="homeassistant/status"
)


class Link:
    """Stands in for the MQTT link: records what was published."""

    def __init__(self) -> None:
        self.connected = False
        self.sent: list[str] = []

    async def publish(self, topic: str, payload: object, *, retain: bool, qos: int) -> None:
        del payload, retain, qos
        self.sent.append(topic)


async def test_outbox_live_states_and_decisions_go_out_once(
    tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = parse_config(
        f"household: {{timezone: Europe/Berlin}}\nstorage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    link = Link()
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        publisher = Publisher(
            config, store, TOPICS, cast("MqttLink", link), Health(), timeline=list
        )
        event = Message("recoveryd/alex/event", "first", retain=False)
        publisher.post(replace(event, supersedes="skip"))
        publisher.post(replace(event, payload="second", supersedes="skip"))  # replaces it
        for k in range(OUTBOX_MAX + 20):
            publisher.post(Message("recoveryd/alex/event", str(k), retain=False))
        assert not await publisher.flush(SAMPLE_END, NOW)  # the broker is away
        assert link.sent == []
        link.connected = True
        decision = decide_and_store(store, config, "alex", SAMPLE_END, NOW)
        assert decision is not None
        assert await publisher.flush(SAMPLE_END, NOW)
        assert link.sent.count("recoveryd/alex/event") == OUTBOX_MAX  # the newest only
        assert "recoveryd/alex/state" in link.sent  # the decision, once
        assert {"recoveryd/household/state", "recoveryd/alex/live"} <= set(link.sent)
        stored = store.latest_decision("alex", SAMPLE_END)
        assert stored is not None
        assert stored.published_at == NOW
        link.sent.clear()
        assert await publisher.flush(SAMPLE_END, NOW)
        assert link.sent == []  # nothing changed: nothing goes out
        publisher.reconnected()
        assert await publisher.flush(SAMPLE_END, NOW)
        assert sorted(link.sent) == ["recoveryd/alex/live", "recoveryd/household/state"]

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning collaborator alone: a fake queue, a fake sender, a real store."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime, time
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from recoveryd.config.loader import parse_config
from recoveryd.daemon.deciding import decide_and_store
from recoveryd.daemon.morning import Morning, notified_key
from recoveryd.domain.events import ChartDue, ChartRendered, Event, NotificationSent
from recoveryd.domain.models import Action, CheckIn, Night
from recoveryd.home.notification import SentSummary
from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier
from recoveryd.integrations.mqtt.topics import Message, Topics
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime.combine(SAMPLE_END, time(7, 5), BERLIN)
TOPICS = Topics(
    base="recoveryd", discovery_prefix="homeassistant", ha_status="homeassistant/status"
)


class Sender:
    """Stands in for Home Assistant's notify service: records what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []

    async def send(self, target: str, notice: object, image: str | None) -> bool:
        self.sent.append((target, getattr(notice, "title", ""), image))
        return True


async def test_a_decision_sends_one_summary_with_its_chart_and_records_it(
    tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = parse_config(
        f"household: {{timezone: Europe/Berlin}}\nstorage: {{path: {tmp_path / 'r.db'}}}\n"
        "homeassistant: {url: 'http://127.0.0.1:8123', token: t}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura], notify: [mobile_app_alex]}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    events: list[Event] = []
    spawned: list[tuple[Coroutine[Any, Any, None], str]] = []
    published: list[Message] = []
    sender = Sender()

    async def publish(messages: list[Message]) -> bool:
        published.extend(messages)
        return True

    with Store(config.storage.path) as store:
        store.upsert(*sample)
        decision = decide_and_store(store, config, "alex", SAMPLE_END, NOW)
        assert decision is not None
        morning = Morning(
            config, store, TOPICS, notifier=cast("HomeAssistantNotifier", sender),
            put=events.append, spawn=lambda work, name: spawned.append((work, name)),
            publish=publish, timeline=list, connected=lambda: True,
        )  # fmt: skip
        morning.decided("alex")
        morning.send_due(NOW)
        assert spawned == []  # the summary waits for its chart
        assert bool(morning.busy)
        await morning.handle(ChartDue("alex"), NOW)  # the chart's moment: drawn beside
        assert [name for _, name in spawned] == ["chart alex"]
        await morning.handle(ChartRendered("alex", b"\x89PNG"), NOW)
        assert [m.topic for m in published] == ["recoveryd/alex/chart"]
        assert [name for _, name in spawned] == ["chart alex", "summary alex"]
        await spawned[1][0]
        [(target, _, image)] = sender.sent
        assert (target, image) == ("mobile_app_alex", "image.recoveryd_alex_chart")
        [done] = [e for e in events if isinstance(e, NotificationSent)]
        await morning.handle(done, NOW)
        stored = SentSummary.from_json(store.setting(notified_key("alex", SAMPLE_END)))
        assert stored is not None
        assert (stored.protocol, stored.at) == (decision.plan.protocol.value, NOW)
        assert not bool(morning.busy)
        # The same decision again: nothing new to say, nothing sent.
        morning.decided("alex")
        await morning.handle(ChartRendered("alex", None), NOW)
        morning.send_due(NOW)
        assert [name for _, name in spawned] == ["chart alex", "summary alex"]
        morning.cancel()
        spawned[0][0].close()  # the chart's child process was never started


def test_the_daemon_gives_the_morning_todays_timeline_as_it_stands(
    tmp_path: Path,
) -> None:
    from recoveryd.daemon.service import Daemon  # noqa: PLC0415 - the whole daemon

    config = parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    daemon = Daemon(config)
    try:
        lamp = Action(NOW, "alex", "wind_down", "scene_on", "lamp")
        daemon.actions.timeline = {lamp.key: lamp}  # a rebuild replaces the dict
        assert list(daemon.morning._timeline()) == [lamp]  # what the summary lists
    finally:
        daemon.store.close()

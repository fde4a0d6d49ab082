# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon's morning pull: the Oura API (httpx's MockTransport) into a real store and broker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from recoveryd.config.model import Config
from recoveryd.daemon.morning_pull import Fetch, MorningPull
from recoveryd.daemon.pulling import pull
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import PullDone
from recoveryd.domain.models import CheckIn, Night
from recoveryd.domain.pulled import Pulled, PullSource
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, make_config
from tests.integration.test_daemon_mqtt import (
    MORNING,
    TIMEOUT_S,
    FixedClock,
    Received,
    watching,
)
from tests.unit.test_oura import period

pytestmark = pytest.mark.integration

TOKEN = "oura-token-never-logged"  # noqa: S105 - a test value


def with_oura(config: Config) -> Config:
    alex, sam = config.athletes
    alex = alex.model_copy(update={"oura_token": SecretStr(TOKEN)})
    return config.model_copy(update={"athletes": [alex, sam]})


def oura_fetch(
    config: Config, api: httpx.MockTransport, seen: list[tuple[str, date, date]]
) -> Fetch:
    def fetch(
        athlete: str, source: PullSource, first: date, last: date, refresh: str | None
    ) -> Awaitable[Pulled]:
        seen.append((athlete, first, last))
        return pull(config, athlete, source, first, last, refresh_token=refresh, transport=api)

    return fetch


def seeded(
    tmp_path: Path, broker: BrokerAddress, sample: tuple[list[Night], list[CheckIn]]
) -> Config:
    nights, checkins = sample
    config = with_oura(make_config(tmp_path, port=broker.port))
    today = [n for n in nights if n.athlete == "alex" and n.date == SAMPLE_END]
    with Store(config.storage.path) as store:
        store.upsert([n for n in nights if n not in today], checkins)
    return config


async def test_the_morning_pull_stores_the_night_and_decides_again(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> None:
    config = seeded(tmp_path, mosquitto, sample)
    requests: list[httpx.Request] = []

    def oura(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        page = {"data": [period("2026-03-04", "long_sleep", 25200, 25.0)], "next_token": None}
        return httpx.Response(200, json=page)

    seen: list[tuple[str, date, date]] = []
    fetch = oura_fetch(config, httpx.MockTransport(oura), seen)
    stop = asyncio.Event()
    daemon = Daemon(config, clock=FixedClock(MORNING), fetch=fetch)
    async with watching(mosquitto) as watcher:
        task = asyncio.create_task(daemon.run(stop))

        def states() -> list[Received]:
            return watcher.on("recoveryd/alex/state")

        await watcher.until(
            lambda: any(m.json()["revision"] == 2 for m in states()), "the decision after the pull"
        )
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)
    # Decided at start without the night (revision 1), again once the pull stored it.
    newest = states()[-1].json()
    assert (newest["rmssd_ms"], newest["revision"]) == (25.0, 2)
    assert seen == [("alex", date(2026, 3, 2), SAMPLE_END)]  # the last three mornings
    assert requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert requests[0].url.params["start_date"] == "2026-03-01"
    with Store(config.storage.path) as store:
        (night,) = [n for n in store.nights("alex", SAMPLE_END, SAMPLE_END) if n.source == "oura"]
    assert (night.hrv_rmssd_ms, night.sleep_total_min) == (25.0, 420)


async def test_a_failed_pull_is_one_line_on_the_event_entity_and_stores_nothing(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = seeded(tmp_path, mosquitto, sample)
    refused = httpx.MockTransport(lambda _: httpx.Response(401, json={"detail": "bad token"}))
    daemon = Daemon(config, clock=FixedClock(MORNING), fetch=oura_fetch(config, refused, []))
    stop = asyncio.Event()
    async with watching(mosquitto) as watcher:
        task = asyncio.create_task(daemon.run(stop))

        def errors() -> list[dict[str, str]]:
            events = [e.json() for e in watcher.on("recoveryd/alex/event")]
            return [e for e in events if e.get("control") == "pull oura"]

        await watcher.until(lambda: bool(errors()), "the pull's error")
        await watcher.until(lambda: len(watcher.on("recoveryd/alex/state")) == 1, "a decision")
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)
    (error,) = errors()
    assert error["event_type"] == "error"
    assert "401" in error["error"]
    assert "\n" not in error["error"]
    assert TOKEN not in error["error"]
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    with Store(config.storage.path) as store:
        assert store.nights("alex", SAMPLE_END, SAMPLE_END) == []
    assert len(watcher.on("recoveryd/alex/state")) == 1  # nothing new to decide on


def test_a_pull_in_flight_is_not_started_twice(tmp_path: Path) -> None:
    config = with_oura(make_config(tmp_path))
    spawned: list[str] = []

    def spawn(work: Coroutine[Any, Any, None], name: str) -> None:
        work.close()  # only which pulls start matters here
        spawned.append(name)

    with Store(config.storage.path) as store:
        pulls = MorningPull(config, store, spawn=spawn, put=lambda _: None)
        pulls.start(SAMPLE_END)
        pulls.start(SAMPLE_END)
        assert spawned == ["pull ('alex', 'oura')"]
        changed, error = pulls.finish(
            PullDone("alex", Pulled("oura", error="Oura API answered 500"))
        )
        assert (changed, error) == (0, "Oura API answered 500")
        pulls.start(SAMPLE_END)
    assert len(spawned) == 2  # after it finished, the next pull may run

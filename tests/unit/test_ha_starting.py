# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A Home Assistant that answers but is still starting is not yet there.

While it starts, its API answers before its entities have their states: a presence sensor
reads "unknown", which the start check would take for nobody there. A small HTTP server on
127.0.0.1 plays a Home Assistant stuck in that state (a real core passes through it in a
second or two, too briefly to hit on purpose).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import Action
from recoveryd.home.safety import Sensors
from recoveryd.integrations.homeassistant.actuator import HomeAssistant

from tests.stand_ins import JsonHandler

BOOTS = DeviceConfig(kind="compression", via="homeassistant", entity="switch.boots")
SAUNA = DeviceConfig(
    kind="sauna", via="homeassistant", entity="climate.sauna",
    presence_entity="binary_sensor.sauna_presence",
)  # fmt: skip


class _Starting(JsonHandler):
    asked: list[str]
    state = "NOT_RUNNING"
    service_status = 200  # what a service call is answered with

    def _answer(self) -> None:
        self.asked.append(f"{self.command} {self.path}")
        body: dict[str, object] = {"message": "API running."}
        status = 200
        if self.path.startswith("/api/config"):
            body = {"state": self.state, "version": "2024.3.3"}
        elif self.path.startswith("/api/services/") and self.service_status != 200:
            status, body = self.service_status, {"message": "Service not found."}
        elif self.path.startswith("/api/states/"):
            changed = "2026-03-04T18:00:00+00:00"
            body = {"entity_id": self.path.rsplit("/", 1)[1], "state": "unknown",
                    "attributes": {}, "last_changed": changed, "last_updated": changed,
                    "context": {"id": "x"}}  # fmt: skip
        self.answer_json(status, body)

    do_GET = do_POST = _answer  # noqa: N815 - http.server's names


@pytest.fixture
def starting() -> Iterator[tuple[str, list[str]]]:
    yield from _serve({})


@pytest.fixture
def refusing() -> Iterator[tuple[str, list[str]]]:
    """A running Home Assistant that answers every service call with 400."""
    yield from _serve({"state": "RUNNING", "service_status": 400})


def _serve(settings: dict[str, object]) -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []
    handler = type("Handler", (_Starting,), {"asked": asked, **settings})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


async def test_a_starting_home_assistant_is_retried_and_nothing_is_read_or_called(
    starting: tuple[str, list[str]],
) -> None:
    url, asked = starting
    ha = HomeAssistant(url, "token", attempts=2, backoff_s=0.01)
    boots = Action(
        datetime.now(ZoneInfo("Europe/Berlin")), "alex", "compression", "turn_on", "boots",
        (("minutes", "20"),),
    )  # fmt: skip
    result = await ha.execute(boots, BOOTS)
    assert (result.status, result.detail) == (
        "failed",
        f"Home Assistant at {url}/api unreachable: still starting (state NOT_RUNNING) "
        "(gave up after 2 attempts in 0 s)",
    )
    assert await ha.sensors(SAUNA) == Sensors()  # not "nobody there": not known
    assert await ha.entity_state("binary_sensor.sauna_presence") is None
    assert not [a for a in asked if a.startswith("POST")]  # no service was called
    assert not [a for a in asked if "/api/states/" in a]  # no "unknown" state was read
    assert asked.count("GET /api/config") == 4  # each attempt and read asked


async def test_a_switch_on_is_retried_until_its_grace_window_ends(
    starting: tuple[str, list[str]],
) -> None:
    url, asked = starting
    ha = HomeAssistant(url, "token", attempts=2, backoff_s=0.05)
    boots = Action(
        datetime.now(ZoneInfo("Europe/Berlin")), "alex", "compression", "turn_on", "boots",
        (("minutes", "20"), ("retry_s", "1")),
    )  # fmt: skip
    result = await ha.execute(boots, BOOTS)
    tries = asked.count("GET /api/config")
    # 0.05 + 0.1 + 0.2 + 0.4 s of pauses fit in the second; the next (0.8 s) would not.
    assert tries == 5
    assert result.detail.endswith("(gave up after 5 attempts in 1 s)")


async def test_a_refused_call_is_one_line_and_not_retried(
    refusing: tuple[str, list[str]],
) -> None:
    url, asked = refusing
    ha = HomeAssistant(url, "token", attempts=5, backoff_s=0.01)
    boots = Action(
        datetime.now(ZoneInfo("Europe/Berlin")),
        "alex",
        "compression",
        "turn_off",
        "boots",
    )
    result = await ha.execute(boots, BOOTS)
    assert (result.status, result.detail) == (
        "failed",
        "Home Assistant refused turn_off of switch.boots: 400 Bad Request: Service not found. "
        "(not retried: check the device's entity and kind)",
    )
    assert [a for a in asked if a.startswith("POST")] == ["POST /api/services/switch/turn_off"]

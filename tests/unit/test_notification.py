# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning notification: its text, its buttons, and apprise delivering it with the chart."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from recoveryd.domain.commands import CommandError, DayButton, SetProtocol
from recoveryd.domain.models import Action, DayPlan, HrvStatus, Protocol, Readiness
from recoveryd.domain.training import Session
from recoveryd.home.notification import (
    SentSummary,
    action_command,
    morning_notice,
    summary_due,
    summary_of,
)
from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier, notify_data
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.integrations.notify.apprise_sender import AppriseSender

ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 4)


def plan(protocol: Protocol = Protocol.ACTIVE_RECOVERY, *, illness: bool = False) -> DayPlan:
    readiness = Readiness(
        score=48, confidence=1.0, hrv_status=HrvStatus.BELOW, acute_hrv_drop=False,
        illness=illness, flags=(), contributors=(), hrv_valid_days=60, hrv_source="oura",
    )  # fmt: skip
    session = Session("Easy aerobic", "run", 40, "easy")
    reasons = ("7-day ln rMSSD 4.01 is below your normal range 4.10-4.27", "b", "c", "d")
    return DayPlan("alex", DAY, protocol, readiness, reasons, None, session)


def test_the_morning_notice() -> None:
    boots = Action(datetime(2026, 3, 4, 19, 0, tzinfo=ZONE), "alex", "compression", "turn_on",
                   "boots", (("minutes", "20"),))  # fmt: skip
    other = replace(boots, athlete="sam")
    notice = morning_notice(plan(), "Alex", [other, boots])
    assert notice.title == "Alex: active recovery"
    assert notice.message.splitlines() == [
        "Readiness 48/100 · active recovery",
        "• 7-day ln rMSSD 4.01 is below your normal range 4.10-4.27",
        "• b",
        "• c",
        "Training: Easy aerobic, 40 min, easy",
        "Recovery:",
        "19:00 compression: turn_on boots (20 min)",
    ]
    assert notice.tag == "recoveryd-alex-2026-03-04"
    assert notify_data(notice, "image.recoveryd_alex_chart")["data"] == {
        "tag": "recoveryd-alex-2026-03-04",
        "group": "recoveryd",
        "image": "/api/image_proxy/image.recoveryd_alex_chart",
        "actions": [
            {"action": "RECOVERYD_ACCEPT_alex", "title": "Accept"},
            {"action": "RECOVERYD_EASIER_alex", "title": "Easier"},
            {"action": "RECOVERYD_HARDER_alex", "title": "Harder"},
            {"action": "RECOVERYD_SKIP_alex", "title": "Skip"},
        ],
    }


def test_the_buttons_as_commands() -> None:
    athletes = ["alex", "sam"]
    today = plan(Protocol.MOBILITY)
    assert action_command("RECOVERYD_ACCEPT_alex", athletes, today) == ("alex", None)
    assert action_command("RECOVERYD_EASIER_alex", athletes, today) == (
        "alex", SetProtocol("alex", Protocol.ACTIVE_RECOVERY),
    )  # fmt: skip
    assert action_command("RECOVERYD_HARDER_alex", athletes, today) == (
        "alex", SetProtocol("alex", Protocol.AS_PLANNED),
    )  # fmt: skip
    assert action_command("RECOVERYD_EASIER_alex", athletes, plan(Protocol.REST))[1] == (
        SetProtocol("alex", Protocol.REST)
    )
    assert action_command("RECOVERYD_SKIP_sam", athletes, None) == (
        "sam", DayButton("sam", "skip_today"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("action", "today", "message"),
    [
        ("RECOVERYD_HARDER_alex", plan(Protocol.REST, illness=True),
         "harder: not on a day with the illness pattern"),
        ("RECOVERYD_EASIER_alex", None, "easier: there is no decision for today to change"),
        ("RECOVERYD_NAP_alex", None, "notification action 'RECOVERYD_NAP_alex' is not recoveryd's"),
        ("OTHER_APP_ACTION", None, "notification action 'OTHER_APP_ACTION' is not recoveryd's"),
        ("RECOVERYD_SKIP_kim", None, "notification action for unknown athlete 'kim'"),
    ],
)  # fmt: skip
def test_buttons_that_cannot_be_followed(action: str, today: DayPlan | None, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        action_command(action, ["alex", "sam"], today)
    assert str(caught.value) == message


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A JSON webhook on 127.0.0.1, standing in for a notification service."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()


def test_apprise_delivers_the_summary_with_the_chart(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    notice = morning_notice(plan(), "Alex", [])
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    assert AppriseSender([url]).send(notice, png)
    [payload] = received
    assert payload["title"] == "Alex: active recovery"
    assert payload["message"] == notice.message
    [attachment] = payload["attachments"]
    assert base64.b64decode(attachment["base64"]) == png
    assert attachment["mimetype"] == "image/png"


def test_a_bad_apprise_url_is_refused_without_echoing_it(caplog: pytest.LogCaptureFixture) -> None:
    sender = AppriseSender(["notaservice://secret-token@example"])
    assert not sender.send(morning_notice(plan(), "Alex", []), None)
    assert [
        r.getMessage() for r in caplog.records if r.name.startswith("recoveryd.integrations")
    ] == ["apprise: a notaservice:// URL was not accepted; check it"]
    assert all("secret-token" not in r.getMessage() for r in caplog.records)


async def test_the_action_listener_retries_an_absent_home_assistant_and_stops_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notifier = HomeAssistantNotifier(f"http://127.0.0.1:{free_port()}", "token")
    stop = asyncio.Event()
    listening = asyncio.create_task(notifier.listen(lambda _: None, stop))

    async def first_warning() -> None:
        while not any(r.levelname == "WARNING" for r in caplog.records):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(first_warning(), 15)
    stop.set()
    await asyncio.wait_for(listening, 15)
    warning = next(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert warning.startswith("Home Assistant WebSocket: ")
    assert "token" not in warning


def test_one_summary_a_day_then_only_for_a_new_protocol_or_session_and_not_often() -> None:
    interval = timedelta(minutes=30)
    morning = datetime(2026, 3, 4, 7, 0, tzinfo=ZONE)
    today = plan(Protocol.AS_PLANNED)
    assert summary_due(None, today, morning, interval) == morning  # the first of the day
    sent = summary_of(today, morning)
    later = morning + timedelta(minutes=5)
    # A re-decision that changes neither protocol nor session: nothing, ever.
    assert summary_due(sent, today, later, interval) is None
    assert summary_due(sent, today, morning + timedelta(hours=5), interval) is None
    # The protocol changed five minutes later: sent when the interval is over, not before.
    easier = plan(Protocol.ACTIVE_RECOVERY)
    assert summary_due(sent, easier, later, interval) == morning + interval
    assert summary_due(sent, easier, morning + timedelta(hours=1), interval) == morning + (
        timedelta(hours=1)
    )
    # The same protocol with another session is news too.
    assert today.session is not None
    shorter = replace(today, session=replace(today.session, duration_min=20))
    assert summary_due(sent, shorter, morning + interval, interval) == morning + interval
    # What was sent survives a restart through the store.
    assert SentSummary.from_json(sent.to_json()) == sent
    assert SentSummary.from_json("2") is None  # a revision number from an older version

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The WHOOP API v2 client against httpx's MockTransport: pages, OAuth refresh, the night."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest
from recoveryd.domain.models import Night
from recoveryd.integrations.wearables.whoop import WhoopClient, WhoopError, fetch_nights

ZONE = ZoneInfo("Europe/Berlin")
FIRST, LAST = datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)
EXPIRED, FRESH = "expired-access", "fresh-access"


def recovery(sleep_id: str, hrv: float, state: str = "SCORED") -> dict[str, Any]:
    return {"cycle_id": 93845, "sleep_id": sleep_id, "user_id": 10129,
            "created_at": "2026-03-04T06:25:00.000Z", "updated_at": "2026-03-04T06:25:00.000Z",
            "score_state": state,
            "score": {"user_calibrating": False, "recovery_score": 44, "resting_heart_rate": 54,
                      "hrv_rmssd_milli": hrv, "spo2_percentage": 95.6875,
                      "skin_temp_celsius": 33.7}}  # fmt: skip


def sleep(sleep_id: str, end: str, *, nap: bool = False) -> dict[str, Any]:
    return {"id": sleep_id, "user_id": 10129, "start": "2026-03-03T22:10:00.000Z",
            "end": end, "timezone_offset": "+01:00", "nap": nap, "score_state": "SCORED",
            "score": {"stage_summary": {"total_in_bed_time_milli": 28_800_000,
                                        "total_awake_time_milli": 1_800_000,
                                        "total_light_sleep_time_milli": 13_800_000,
                                        "total_slow_wave_sleep_time_milli": 6_000_000,
                                        "total_rem_sleep_time_milli": 7_200_000},
                      "respiratory_rate": 16.1, "sleep_performance_percentage": 98}}  # fmt: skip


class Api:
    """Answers like WHOOP: the first access token has expired; refresh rotates tokens."""

    def __init__(self, *, refuse_refresh: bool = False, hrv: float = 31.8) -> None:
        self.refuse_refresh = refuse_refresh
        self.hrv = hrv
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:  # noqa: PLR0911 - a router
        self.requests.append(request)
        path = request.url.path
        if path == "/oauth/oauth2/token":
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["refresh_token"]
            assert form["refresh_token"] == ["refresh-1"]
            if self.refuse_refresh:
                return httpx.Response(400, json={"error": "invalid_grant"})
            token = {"access_token": FRESH, "refresh_token": "refresh-2", "expires_in": 3600,
                     "token_type": "bearer"}  # fmt: skip
            return httpx.Response(200, json=token)
        if request.headers["Authorization"] != f"Bearer {FRESH}":
            return httpx.Response(401)
        if path == "/developer/v2/recovery":
            if request.url.params.get("nextToken") == "p2":
                return httpx.Response(200, json={"records": [recovery("s0", 70, "UNSCORABLE")],
                                                 "next_token": None})  # fmt: skip
            return httpx.Response(200, json={"records": [recovery("s1", self.hrv)],
                                             "next_token": "p2"})  # fmt: skip
        if path == "/developer/v2/activity/sleep":
            return httpx.Response(200, json={"records": [
                sleep("s1", "2026-03-04T06:10:00.000Z"),
                sleep("nap", "2026-03-04T14:30:00.000Z", nap=True),
            ], "next_token": None})  # fmt: skip
        return httpx.Response(404)


def client(api: Api, kept: list[str]) -> WhoopClient:
    return WhoopClient(access_token=EXPIRED, refresh_token="refresh-1",  # noqa: S106
                       client_id="id", client_secret="secret", on_refresh=kept.append,  # noqa: S106
                       transport=httpx.MockTransport(api), backoff_s=0)  # fmt: skip


async def test_refresh_pages_and_the_night() -> None:
    api, kept = Api(), list[str]()
    async with client(api, kept) as whoop:
        nights = await fetch_nights(whoop, "sam", FIRST, LAST, ZONE)
    assert nights == [
        Night(
            "sam",
            date(2026, 3, 4),
            "whoop",
            hrv_rmssd_ms=31.8,
            rhr_bpm=54,
            sleep_total_min=450.0,
            sleep_deep_min=100.0,
            sleep_rem_min=120.0,
            sleep_light_min=230.0,
            sleep_awake_min=30.0,
            resp_rate=16.1,
            spo2_pct=95.6875,
        ),
    ]  # fmt: skip  (the nap is no night; WHOOP's skin temperature is absolute, not a deviation)
    assert kept == ["refresh-2"]  # the rotated refresh token, to be kept
    first = api.requests[0]
    assert dict(first.url.params) == {
        "start": FIRST.isoformat(), "end": LAST.isoformat(), "limit": "25",
    }  # fmt: skip
    assert [r.url.path for r in api.requests][:3] == [
        "/developer/v2/recovery", "/oauth/oauth2/token", "/developer/v2/recovery",
    ]  # fmt: skip


async def test_a_refused_refresh_is_one_line_without_tokens() -> None:
    api = Api(refuse_refresh=True)
    with pytest.raises(WhoopError) as caught:
        async with client(api, []) as whoop:
            await fetch_nights(whoop, "sam", FIRST, LAST, ZONE)
    assert str(caught.value) == "WHOOP token refresh refused (400); reconnect recoveryd"
    assert "refresh-1" not in str(caught.value)


def test_the_command_needs_credentials(
    cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    config = cli_config("athletes: [{id: sam, name: Sam, sources: [whoop]}]\n")
    assert main(["import", "whoop", "--athlete", "sam"]) == 2
    assert capsys.readouterr().err == "import whoop: sam has no whoop credentials\n"
    config.write_text(
        "athletes: [{id: sam, name: Sam, sources: [whoop], whoop: {client_id: x}}]\n",
        encoding="utf-8",
    )
    assert main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "r.yaml: athletes[0].whoop.client_secret: is required but missing",
        "r.yaml: athletes[0].whoop.refresh_token: is required but missing",
    ]


async def test_an_implausible_value_is_left_out_and_said(caplog: pytest.LogCaptureFixture) -> None:
    async with client(Api(hrv=900), []) as whoop:
        [night] = await fetch_nights(whoop, "sam", FIRST, LAST, ZONE)
    assert (night.hrv_rmssd_ms, night.rhr_bpm) == (None, 54)
    assert [r.getMessage() for r in caplog.records if r.name.endswith("whoop")] == [
        "whoop 2026-03-04: hrv_rmssd_ms 900 is outside 3-300; left out"
    ]


async def test_a_response_of_another_shape_is_one_line() -> None:
    def handle(_: httpx.Request) -> httpx.Response:
        # A sleep record without its id: neither page can be used.
        return httpx.Response(200, json={"records": [{"score_state": "SCORED"}]})

    whoop = WhoopClient(access_token=FRESH, transport=httpx.MockTransport(handle), backoff_s=0)
    with pytest.raises(WhoopError) as caught:
        async with whoop:
            await fetch_nights(whoop, "sam", FIRST, LAST, ZONE)
    assert str(caught.value) == ("WHOOP API response of an unexpected shape at id: Field required")

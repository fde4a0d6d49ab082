# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The Oura API v2 client against httpx's MockTransport, with payloads in the API's own shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from recoveryd.domain.models import Night
from recoveryd.integrations.wearables.oura import OuraError, fetch_nights

TOKEN = "oura-personal-token-123"  # noqa: S105 - a test value


def period(day: str, kind: str, total_s: int, hrv: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{day}-{kind}", "day": day, "type": kind, "average_hrv": hrv,
        "lowest_heart_rate": 48, "average_heart_rate": 52.5, "average_breath": 14.75,
        "total_sleep_duration": total_s, "deep_sleep_duration": 5400,
        "rem_sleep_duration": 6300, "light_sleep_duration": total_s - 11700,
        "awake_time": 1800, "efficiency": 91, "bedtime_start": f"{day}T00:10:00+01:00",
        "readiness": {"score": 80, "temperature_deviation": 0.12,
                      "contributors": {"hrv_balance": 80}},
        **extra,
    }  # fmt: skip


def transport(responses: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return httpx.MockTransport(handle)


async def test_pages_main_sleep_and_the_fields_used() -> None:
    page1 = {"data": [period("2026-03-03", "long_sleep", 27000, 61),
                      period("2026-03-04", "sleep", 1800, 80)], "next_token": "abc"}  # fmt: skip
    page2 = {"data": [period("2026-03-04", "long_sleep", 25200, 55)], "next_token": None}
    seen: list[httpx.Request] = []
    nights = await fetch_nights(
        TOKEN, "alex", date(2026, 3, 3), date(2026, 3, 4),
        transport=transport([httpx.Response(200, json=page1), httpx.Response(200, json=page2)],
                            seen), backoff_s=0,
    )  # fmt: skip
    assert nights == [
        Night(
            "alex",
            date(2026, 3, 3),
            "oura",
            hrv_rmssd_ms=61,
            rhr_bpm=48,
            sleep_total_min=450,
            sleep_deep_min=90,
            sleep_rem_min=105,
            sleep_light_min=255,
            sleep_awake_min=30,
            resp_rate=14.75,
            skin_temp_dev_c=0.12,
        ),
        Night(
            "alex",
            date(2026, 3, 4),
            "oura",
            hrv_rmssd_ms=55,
            rhr_bpm=48,
            sleep_total_min=420,
            sleep_deep_min=90,
            sleep_rem_min=105,
            sleep_light_min=225,
            sleep_awake_min=30,
            resp_rate=14.75,
            skin_temp_dev_c=0.12,
        ),
    ]  # fmt: skip  (the 30-minute nap is not the night)
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen[0].url.path == "/v2/usercollection/sleep"
    assert dict(seen[0].url.params) == {"start_date": "2026-03-02", "end_date": "2026-03-05"}
    assert seen[1].url.params["next_token"] == "abc"  # noqa: S105 - a page token


async def test_429_waits_for_retry_after_then_reads() -> None:
    page = {"data": [period("2026-03-04", "long_sleep", 25200, 55)], "next_token": None}
    seen: list[httpx.Request] = []
    responses = [httpx.Response(429, headers={"Retry-After": "0.01"}),
                 httpx.Response(503), httpx.Response(200, json=page)]  # fmt: skip
    nights = await fetch_nights(TOKEN, "alex", date(2026, 3, 4), date(2026, 3, 4),
                                transport=transport(responses, seen), backoff_s=0)  # fmt: skip
    assert [n.hrv_rmssd_ms for n in nights] == [55]
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([httpx.Response(401)],
         "Oura API refused the token (401); check oura token or token_file"),
        ([httpx.Response(200, content=json.dumps({"data": [{"day": "yesterday"}]}))],
         "Oura API response of an unexpected shape at data.0.day: Input should be a valid date "
         "or datetime, input is too short"),
        ([httpx.Response(502)] * 5, "Oura API answered 502 (gave up after 5 attempts)"),
    ],
)  # fmt: skip
async def test_failures_are_one_line_without_the_token(
    responses: list[httpx.Response], message: str
) -> None:
    with pytest.raises(OuraError) as caught:
        await fetch_nights(TOKEN, "alex", date(2026, 3, 4), date(2026, 3, 4),
                           transport=transport(list(responses), []), backoff_s=0)  # fmt: skip
    assert str(caught.value) == message
    assert TOKEN not in str(caught.value)


async def test_implausible_values_are_left_out(caplog: pytest.LogCaptureFixture) -> None:
    page = {"data": [period("2026-03-04", "long_sleep", 25200, 900)], "next_token": None}
    [night] = await fetch_nights(
        TOKEN, "alex", date(2026, 3, 4), date(2026, 3, 4),
        transport=transport([httpx.Response(200, json=page)], []), backoff_s=0,
    )  # fmt: skip
    assert (night.hrv_rmssd_ms, night.rhr_bpm) == (None, 48)
    assert [r.getMessage() for r in caplog.records] == [
        "oura 2026-03-04: hrv_rmssd_ms 900 is outside 3-300; left out"
    ]


def test_the_command_needs_a_token(
    cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [oura]}]\n")
    assert main(["import", "oura", "--athlete", "alex"]) == 2
    assert capsys.readouterr().err == "import oura: alex has no oura_token in the configuration\n"
    for source in ("oura", "whoop", "homeassistant"):
        backwards = ["--from", "2026-03-05", "--to", "2026-03-04"]
        assert main(["import", source, "--athlete", "alex", *backwards]) == 2
        assert capsys.readouterr().err == (
            f"import {source}: --to 2026-03-04 is before --from 2026-03-05\n"
        )

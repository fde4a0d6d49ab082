# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Every entry point that takes outside data, fed with what hypothesis makes up.

``make test`` runs each briefly (hypothesis' default 100 cases); ``make fuzz`` runs 10,000
each. The properties: no exception other than the entry point's own error, every rejection
one line, and nothing stored from a rejected input.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import string
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.commands import ATHLETE_CONTROLS, CommandError, parse_command
from recoveryd.domain.events import CommandReceived
from recoveryd.domain.ingest import KINDS, IngestError, parse_ingest
from recoveryd.integrations.ble.gatt_values import GattError
from recoveryd.integrations.ble.health_devices import (
    parse_body_composition,
    parse_plx_spot_check,
    parse_temperature,
    parse_weight,
)
from recoveryd.integrations.ble.heart_rate import parse_battery_level, parse_heart_rate
from recoveryd.integrations.wearables.apple_health import parse_export
from recoveryd.integrations.wearables.generic_csv import COLUMNS, parse_csv
from recoveryd.integrations.wearables.hrv4training import parse_text
from recoveryd.integrations.wearables.oura import OuraError, fetch_nights
from recoveryd.integrations.wearables.whoop import WhoopClient, WhoopError
from recoveryd.integrations.wearables.whoop import fetch_nights as whoop_nights
from recoveryd.store.database import Store

from tests.conftest import make_config

pytestmark = pytest.mark.fuzz
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# JSON-ish payloads: mostly valid JSON of the right and wrong shapes, sometimes raw bytes.
_SCALARS = (
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats() | st.text(max_size=20)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
_FIELDS = st.sampled_from(
    ["date", "source", "hrv_rmssd_ms", "rhr_bpm", "sleep_total_min", "soreness", "energy",
     "minutes", "rpe", "sport", "start", "avg_hr", "value", "protocol"]
)  # fmt: skip
_SHAPED = st.dictionaries(_FIELDS, _SCALARS | st.just("2026-03-04"), max_size=6)
PAYLOADS = (
    _SHAPED.map(lambda d: json.dumps(d).encode())
    | _JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=64)
    | st.text(max_size=40).map(str.encode)
)


def one_line(message: str) -> None:
    assert message
    assert "\n" not in message


def refusal(call: Callable[[], object], error: type[Exception]) -> str | None:
    """The one-line reason ``call`` refused its input, or ``None`` when it accepted it."""
    try:
        call()
    except error as exc:
        one_line(str(exc))
        return str(exc)
    return None


def snapshot(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return list(db.iterdump())


@pytest.fixture
def daemon(tmp_path: Path, sample: tuple[list[Any], list[Any]]) -> Daemon:
    config = make_config(tmp_path)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
    return Daemon(config)


@FUZZ
@given(control=st.sampled_from(ATHLETE_CONTROLS) | st.text(max_size=12), payload=PAYLOADS)
async def test_commands_through_the_daemon(daemon: Daemon, control: str, payload: bytes) -> None:
    reason = refusal(lambda: parse_command("alex", control, payload), CommandError)
    before = snapshot(daemon.config.storage.path)
    daemon.consumer.received(CommandReceived(f"recoveryd/alex/set/{control}", payload))
    if reason is not None:
        assert snapshot(daemon.config.storage.path) == before
    for task in list(daemon._running):
        task.cancel()
    await asyncio.sleep(0)


@FUZZ
@given(kind=st.sampled_from(KINDS) | st.text(max_size=10), payload=PAYLOADS)
async def test_ingest_through_the_daemon(daemon: Daemon, kind: str, payload: bytes) -> None:
    assume("/" not in kind and "+" not in kind and "#" not in kind and kind)
    topic = f"recoveryd/alex/ingest/{kind}"
    reason = refusal(lambda: parse_ingest("alex", kind, payload), IngestError)
    before = snapshot(daemon.config.storage.path)
    daemon.ingest.received(topic, payload)
    if reason is not None:
        assert snapshot(daemon.config.storage.path) == before
        (error,) = [m for m in daemon.publisher._outbox if m.topic.endswith("/ingest/error")]
        assert json.loads(error.payload)["error"] == reason
        daemon.publisher._outbox.clear()


PARSERS = [parse_heart_rate, parse_battery_level, parse_weight, parse_body_composition,
           parse_plx_spot_check, parse_temperature]  # fmt: skip


@FUZZ
@given(parser=st.sampled_from(PARSERS), data=st.binary(max_size=48))
def test_gatt_parsers(parser: Any, data: bytes) -> None:
    try:
        parser(data)
    except GattError as exc:
        one_line(str(exc))


_CELLS = st.text(alphabet=string.printable, max_size=12) | st.sampled_from(
    ["2026-03-04", "oura", "55.5", "-", "", "1e309", "nan", "3"]
)


@FUZZ
@given(
    header=st.lists(
        st.sampled_from([*COLUMNS, "rMSSD", "HR", "SDNN", "x"]), min_size=1, max_size=8
    ),
    rows=st.lists(st.lists(_CELLS, max_size=9), max_size=6),
    separator=st.sampled_from([",", ";", "\t"]),
)
def test_csv_imports(header: list[str], rows: list[list[str]], separator: str) -> None:
    text = "\n".join(separator.join(r) for r in [header, *rows])
    for parse in (parse_csv, parse_text):
        parsed = parse(text, "alex", "f.csv")
        for line in parsed.errors:
            one_line(line)
        assert all(night.has_any_metric() for night in parsed.nights)


_RECORD = st.fixed_dictionaries({
    "type": st.sampled_from(["HKQuantityTypeIdentifierRestingHeartRate",
                             "HKQuantityTypeIdentifierHeartRateVariabilitySDNN",
                             "HKCategoryTypeIdentifierSleepAnalysis", "Other"]),
    "startDate": st.sampled_from(["2026-03-04 02:00:00 +0100", "yesterday", ""]),
    "endDate": st.sampled_from(["2026-03-04 06:00:00 +0100", "2026-03-03 01:00:00 +0100"]),
    "value": st.sampled_from(["55", "-3", "HKCategoryValueSleepAnalysisAsleepDeep", "x", "1e9"]),
})  # fmt: skip


@FUZZ
@given(records=st.lists(_RECORD, max_size=8), cut=st.integers(0, 2000))
def test_apple_health_export(tmp_path: Path, records: list[dict[str, str]], cut: int) -> None:
    body = "".join(
        "<Record " + " ".join(f'{k}="{v}"' for k, v in r.items()) + "/>" for r in records
    )
    text = f'<?xml version="1.0"?><HealthData locale="en">{body}</HealthData>'
    path = tmp_path / "export.xml"
    path.write_text(text[: cut or None], encoding="utf-8")
    try:
        parsed = parse_export(path, "alex")
    except ValueError as exc:
        one_line(str(exc))
        return
    for line in parsed.errors:
        one_line(line)


def _api(body: bytes, status: int) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _: httpx.Response(status, content=body))


@FUZZ
@given(
    body=_JSON.map(lambda v: json.dumps({"data": v, "next_token": None}).encode())
    | _JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40),
    status=st.sampled_from([200, 200, 200, 400, 401, 404, 500]),
)
async def test_api_responses(body: bytes, status: int) -> None:
    first, last = date(2026, 3, 1), date(2026, 3, 4)
    try:
        await fetch_nights("t", "alex", first, last, transport=_api(body, status), backoff_s=0)
    except OuraError as exc:
        one_line(str(exc))
    whoop = WhoopClient(access_token="t", transport=_api(body, status), backoff_s=0)  # noqa: S106
    zone = ZoneInfo("Europe/Berlin")
    try:
        async with whoop:
            from datetime import datetime  # noqa: PLC0415

            await whoop_nights(
                whoop, "alex", datetime(2026, 3, 1, tzinfo=zone), datetime(2026, 3, 5, tzinfo=zone),
                zone,
            )  # fmt: skip
    except WhoopError as exc:
        one_line(str(exc))


_KEYS = st.sampled_from(
    ["household", "storage", "mqtt", "homeassistant", "engine", "athletes", "devices",
     "recovery", "dry_run", "timezone", "decide_at", "id", "name", "sources", "port", "tls",
     "kind", "via", "entity", "plan", "notify", "x"]
)  # fmt: skip
_YAML = st.recursive(
    _SCALARS | st.sampled_from(["oura", "07:00", "Europe/Berlin", "sauna", "alex"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=14,
)


@FUZZ
@given(document=st.dictionaries(_KEYS, _YAML, max_size=6) | _YAML, raw=st.text(max_size=60))
def test_configuration_files(tmp_path: Path, document: Any, raw: str) -> None:
    for text in (yaml.safe_dump(document), raw):
        problems: list[str] = []
        try:
            parse_config(text, label="r.yaml", base_dir=tmp_path)
        except ConfigError as exc:
            problems = exc.problems or ["(a ConfigError without problems)"]
        for line in problems:
            one_line(line)
            assert line.startswith("r.yaml: ")

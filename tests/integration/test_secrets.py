# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Known secret values through a whole day of failures: never in a log line, message or error.

Home Assistant is unreachable (every service call, notification and state read fails and is
logged), the Oura and WHOOP APIs refuse and echo the credentials they were sent in their
error bodies, and the configuration is checked with mistakes next to the secrets.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon.morning_pull import Fetch
from recoveryd.daemon.pulling import pull
from recoveryd.daemon.service import Daemon
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.domain.pulled import Pulled, PullSource
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress
from tests.integration.test_daemon_mqtt import FixedClock, watching

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
SECRETS = {
    "HA_TOKEN": "ha-token-5f0c1e9a",
    "MQTT_PASSWORD": "mqtt-password-77d2",
    "OURA_TOKEN": "oura-token-a81b",
    "WHOOP_SECRET": "whoop-client-secret-c3",
    "WHOOP_REFRESH": "whoop-refresh-9e4d",
}


def household(tmp_path: Path, broker: BrokerAddress) -> str:
    closed = free_port()  # nothing listens here: Home Assistant is down all day
    return f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {broker.port}, username: recoveryd, password: "${{MQTT_PASSWORD}}",
       reconnect_max_s: 1}}
homeassistant: {{url: "http://127.0.0.1:{closed}", token: "${{HA_TOKEN}}", attempts: 1,
                rediscovery_delay_max_s: 0.1}}
athletes:
  - id: alex
    name: Alex
    sources: [oura, whoop]
    notify: [alex_phone]
    oura_token: "${{OURA_TOKEN}}"
    whoop: {{client_id: recoveryd-app, client_secret: "${{WHOOP_SECRET}}",
            refresh_token: "${{WHOOP_REFRESH}}"}}
devices:
  lights: {{kind: scene, via: homeassistant, entity: scene.wind_down}}
recovery:
  active_recovery:
    wind_down: {{device: lights, at: "21:30"}}
"""


def echoing_api(request: httpx.Request) -> httpx.Response:
    """Refuse, and put everything the request carried into the error body."""
    echoed = f"{dict(request.headers)} {request.content.decode(errors='replace')}"
    status = 400 if request.url.path.endswith("/token") else 401
    return httpx.Response(status, text=f"refused: {echoed}")


def fetch_with(config: Config) -> Fetch:
    api = httpx.MockTransport(echoing_api)

    def fetch(
        athlete: str, source: PullSource, first: date, last: date, refresh: str | None
    ) -> Awaitable[Pulled]:
        return pull(config, athlete, source, first, last, refresh_token=refresh, transport=api)

    return fetch


async def test_a_day_of_failures_never_shows_a_secret(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)  # every library's debug lines too
    config = parse_config(household(tmp_path, mosquitto), label="r.yaml", base_dir=tmp_path)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        store.set_override("alex", SAMPLE_END, Protocol.ACTIVE_RECOVERY, datetime.now(UTC))
    async with watching(mosquitto) as watcher:
        for hh, mm in ((7, 5), (12, 0), (21, 31), (23, 0)):
            clock = FixedClock(datetime(2026, 3, 4, hh, mm, tzinfo=BERLIN))
            daemon = Daemon(config, clock=clock, fetch=fetch_with(config))
            stop = asyncio.Event()
            task = asyncio.create_task(daemon.run(stop))

            async def settled(daemon: Daemon = daemon) -> None:
                while not daemon.link.connected or daemon.queue.qsize() or daemon._running:
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(settled(), 60)
            await asyncio.wait_for(settled(), 60)
            stop.set()
            await asyncio.wait_for(task, 30)
        published = [m.payload for m in watcher.messages]
    with Store(config.storage.path) as store:
        history = store.action_history(SAMPLE_END)
    # The day happened, and failed where it had to.
    assert ("scene", "failed") in {(c, s) for _, c, s, _ in history}
    lines = [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    assert any("pulling oura failed" in line for line in lines)
    assert any("pulling whoop failed" in line for line in lines)
    assert any("unreachable" in line for line in lines)
    everything = "\n".join([*lines, *published, *(d for *_, d in history)])
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("r.db*"))  # with -wal and -shm
    for name, value in SECRETS.items():
        assert value not in everything, f"{name} leaked"
        assert value.encode() not in stored, f"{name} stored"


@pytest.mark.parametrize(
    "mistake",
    [
        "mqtt: {password: [SECRET], port: 99999}",
        "mqtt: {password: {x: SECRET}}",
        "mqtt: {pasword: SECRET}",
        "homeassistant: {url: 'http://x', token: [SECRET], verify_ssl: maybe}",
        "athletes: [{id: alex, name: Alex, sources: [oura], oura_token: [SECRET], notify: [x]}]",
    ],
)
def test_check_config_never_prints_a_secret(
    tmp_path: Path, mistake: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    secret = "cfg-secret-31f5"  # noqa: S105 - a test value
    text = mistake.replace("SECRET", secret) + "\n"
    if "athletes" not in text:
        text += "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["check-config", str(path)]) == 2
    out, err = capsys.readouterr()
    assert err
    assert secret not in out + err

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd addon`` against a stand-in Supervisor on 127.0.0.1 and a real mosquitto.

The stand-in (:class:`tests.stand_ins.Supervisor`) answers only what the Supervisor documents
for an add-on with ``services: mqtt:need`` and ``homeassistant_api: true``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from recoveryd.integrations.mqtt.broker import free_port

from tests.conftest import BrokerAddress
from tests.stand_ins import Supervisor

pytestmark = pytest.mark.integration

RECOVERYD = Path(sys.executable).with_name("recoveryd")
TOKEN = "addon-token"  # noqa: S105 - the stand-in's token


@pytest.fixture
def supervisor(mosquitto: BrokerAddress) -> Iterator[Supervisor]:
    stand_in = Supervisor(TOKEN, {"host": "127.0.0.1", "port": mosquitto.port, "ssl": False,
                                  "protocol": "3.1.1", "addon": "core_mosquitto"})  # fmt: skip
    yield stand_in
    stand_in.close()


def folders(tmp_path: Path, options: dict[str, Any]) -> tuple[Path, Path]:
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir(parents=True)
    config.mkdir(parents=True)
    (data / "options.json").write_text(json.dumps(options), encoding="utf-8")
    return data, config


OPTIONS = {
    "athletes": [{"id": "alex", "name": "Alex", "sources": ["oura"], "wake_at": "06:45",
                  "body_weight_kg": 68}],
    "decide_at": "07:30",
    "dry_run": True,
}  # fmt: skip


def environment(supervisor: Supervisor, token: str | None = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SUPERVISOR_TOKEN", "RECOVERYD_CONFIG"}}
    env["SUPERVISOR_URL"] = supervisor.url
    if token is not None:
        env["SUPERVISOR_TOKEN"] = token
    return env


async def test_the_addon_starts_from_the_supervisors_broker_and_its_options(
    supervisor: Supervisor, mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    data, config = folders(tmp_path, OPTIONS)
    panel = free_port()
    async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="ha") as client:
        await client.subscribe("homeassistant/sensor/recoveryd_alex_readiness/config")
        daemon = await asyncio.create_subprocess_exec(
            str(RECOVERYD), "addon", "--data", str(data), "--config-dir", str(config),
            "--panel", f"127.0.0.1:{panel}",
            env=environment(supervisor), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            async with asyncio.timeout(60):
                message = await anext(aiter(client.messages))
            # The panel serves Home Assistant's ingress proxy (172.30.32.2) and no one else.
            refused = await asyncio.to_thread(_status, f"http://127.0.0.1:{panel}/")
            assert refused == 403
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(daemon.communicate(), 30)
    assert daemon.returncode == 0, err.decode()[-2000:]
    discovered = json.loads(message.payload)
    assert discovered["unique_id"] == "recoveryd_alex_readiness"
    assert (data / "recoveryd.db").is_file()  # the store in the add-on's data folder
    assert {path for path, _ in supervisor.asked} == {"/services/mqtt", "/core/api/config"}
    assert {auth for _, auth in supervisor.asked} == {f"Bearer {TOKEN}"}
    assert TOKEN.encode() not in err
    assert not any(TOKEN in p.read_text(errors="ignore") for p in tmp_path.rglob("*.yaml"))


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def check(supervisor: Supervisor, data: Path, config: Path, **env: str) -> tuple[int, str, str]:
    import subprocess  # noqa: PLC0415

    done = subprocess.run(
        [str(RECOVERYD), "addon", "--check", "--data", str(data), "--config-dir", str(config)],
        env={**environment(supervisor), **env}, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout.strip(), done.stderr.strip()


def test_the_options_join_the_users_own_file_and_problems_are_one_line(
    supervisor: Supervisor, mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    data, config = folders(tmp_path, {"athletes": [], "dry_run": True})
    # Devices and recovery from the user's own file in the configuration folder.
    (config / "recoveryd.yaml").write_text(
        "athletes: [{id: sam, name: Sam, sources: [garmin]}]\n"
        "devices: {wind_down: {kind: scene, via: homeassistant, entity: scene.wind_down}}\n"
        "recovery: {rest: {wind_down: {device: wind_down, at: '21:00'}}}\n",
        encoding="utf-8",
    )
    assert check(supervisor, data, config) == (
        0, f"ok: 1 athlete(s), broker 127.0.0.1:{mosquitto.port}", ""
    )  # fmt: skip
    (config / "recoveryd.yaml").unlink()
    assert check(supervisor, data, config)[2] == (
        "add-on options: add at least one athlete (id, name, sources), or list them in "
        "recoveryd.yaml in the add-on's configuration folder"
    )
    data2, config2 = folders(tmp_path / "bad", {"athletes": [{"id": "Alex!", "name": "A",
                                                              "sources": ["oura"]}]})  # fmt: skip
    code, _, err = check(supervisor, data2, config2)
    assert code == 2
    assert err.startswith("add-on configuration: athletes[0].id: ")
    assert check(supervisor, data, config, SUPERVISOR_TOKEN="wrong")[2] == (  # noqa: S106
        f"Supervisor: {supervisor.url}/services/mqtt answered 401 (is the MQTT broker add-on "
        "or integration set up?)"
    )
    supervisor.mqtt = None  # no MQTT service in the household
    data3, config3 = folders(tmp_path / "three", OPTIONS)
    refused = check(supervisor, data3, config3)[2]
    assert refused.endswith(
        "/services/mqtt answered 400 (is the MQTT broker add-on or integration set up?)"
    )
    (data3 / "options.json").write_text("{not json", encoding="utf-8")
    assert check(supervisor, data3, config3)[2].startswith("add-on options: ")
    env = environment(supervisor, token=None)
    import subprocess  # noqa: PLC0415

    done = subprocess.run(
        [str(RECOVERYD), "addon", "--check", "--data", str(data), "--config-dir", str(config)],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (done.returncode, done.stderr.strip()) == (
        2, "SUPERVISOR_TOKEN is not set: is this running as a Home Assistant add-on?"
    )  # fmt: skip

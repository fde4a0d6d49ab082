# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A real Home Assistant core (2024.3.3 from ``.cache/ha-venv``) for the integration tests."""

from __future__ import annotations

import contextlib
import json
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from recoveryd.integrations.mqtt.broker import free_port

ROOT = Path(__file__).resolve().parents[2]
HASS = ROOT / ".cache" / "ha-venv" / "bin" / "hass"
CONFIG = Path(__file__).parent / "homeassistant" / "configuration.yaml"
BLUEPRINTS = ROOT / "config" / "blueprints" / "automation" / "recoveryd"
START_TIMEOUT_S = 180.0


@dataclass
class HomeAssistantCore:
    """A running Home Assistant core and a token for its API."""

    url: str
    token: str
    process: subprocess.Popen[bytes]
    config_dir: Path
    log: Path
    context: ssl.SSLContext | None = None  # for an HTTPS Home Assistant with its own CA

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 10
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL built by the fixture
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=timeout, context=self.context) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def configure_mqtt(self, host: str, port: int) -> None:
        """Add the MQTT integration through the config-flow REST API, as the UI does.

        The first time, Home Assistant installs the integration's packages: allow minutes.
        """
        flow = self.request(
            "POST", "/api/config/config_entries/flow", {"handler": "mqtt"}, timeout=300
        )
        assert flow.get("step_id") == "broker", flow
        result = self.request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"broker": host, "port": port}, timeout=60,
        )  # fmt: skip
        assert result.get("type") == "create_entry", result

    def wait_for(self, entity: str, condition: Any, timeout: float = 30) -> dict[str, Any]:
        """Poll an entity until ``condition(state)`` holds; its last state either way."""
        deadline = time.monotonic() + timeout
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.HTTPError):
                state = self.state(entity)
                if condition(state):
                    return state
            time.sleep(0.2)
        pytest.fail(f"{entity} did not reach the expected state within {timeout:g} s: {state}")

    def state(self, entity: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/api/states/{entity}")
        return result

    def call(self, domain: str, service: str, **data: Any) -> None:
        self.request("POST", f"/api/services/{domain}/{service}", data)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def start(self) -> None:
        """Start the stopped core again and wait until it runs."""
        self.process = _launch(self.config_dir, self.log)
        _wait_until_up(self.url, self.process, self.log, self.context)
        _wait_until_running(self)


def _launch(config_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(HASS), "-c", str(config_dir)], stdout=out, stderr=subprocess.STDOUT
        )


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, context: ssl.SSLContext | None = None
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Home Assistant exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/onboarding", timeout=2, context=context):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    process.terminate()
    pytest.fail(f"Home Assistant did not answer within {START_TIMEOUT_S:g} s")


def _wait_until_running(core: HomeAssistantCore) -> None:
    """Wait for the end of bootstrap: the API answers long before the template entities exist,
    and on a first start Home Assistant is still installing integration packages then."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if core.process.poll() is not None:
            pytest.fail(f"Home Assistant exited: {core.log.read_text()[-2000:]}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            if core.request("GET", "/api/config").get("state") == "RUNNING":
                return
        time.sleep(0.5)
    pytest.fail(f"Home Assistant did not finish starting within {START_TIMEOUT_S:g} s")


def _post(
    url: str, data: bytes, content_type: str, context: ssl.SSLContext | None = None
) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310
        result: dict[str, Any] = json.loads(response.read())
        return result


def start_home_assistant(
    tmp_path_factory: pytest.TempPathFactory, *, https: tuple[Path, Path, Path] | None = None
) -> Generator[HomeAssistantCore, None, None]:
    """A fresh Home Assistant on a free port of 127.0.0.1, onboarded, with a token.

    With ``https`` (CA, certificate and key files), it serves HTTPS with that certificate.
    """
    if not HASS.exists():
        pytest.fail("Home Assistant is not installed: `make test` installs it into .cache/ha-venv")
    config_dir = tmp_path_factory.mktemp("homeassistant")
    port = free_port()
    text = CONFIG.read_text(encoding="utf-8").replace("PORT", str(port))
    context = None
    if https is not None:
        ca, certificate, key = https
        text = text.replace(
            "  server_port:", f"  ssl_certificate: {certificate}\n  ssl_key: {key}\n  server_port:"
        )
        context = ssl.create_default_context(cafile=str(ca))
    (config_dir / "configuration.yaml").write_text(text, encoding="utf-8")
    # The shipped blueprints, where Home Assistant looks for them (and the compose stack
    # mounts them).
    shutil.copytree(BLUEPRINTS, config_dir / "blueprints" / "automation" / "recoveryd")
    log = config_dir / "hass.log"
    url = f"{'https' if https else 'http'}://127.0.0.1:{port}"
    process = _launch(config_dir, log)
    _wait_until_up(url, process, log, context)
    client_id = f"{url}/"
    user = {"client_id": client_id, "name": "Test", "username": "test",
            "password": "a-long-test-password", "language": "en"}  # fmt: skip
    code = _post(
        f"{url}/api/onboarding/users", json.dumps(user).encode(), "application/json", context
    )
    form = urllib.parse.urlencode(
        {"grant_type": "authorization_code", "code": code["auth_code"], "client_id": client_id}
    ).encode()
    token = _post(f"{url}/auth/token", form, "application/x-www-form-urlencoded", context)[
        "access_token"
    ]
    core = HomeAssistantCore(url, token, process, config_dir, log, context)
    _wait_until_running(core)
    try:
        yield core
    finally:
        if core.process.poll() is None:
            core.stop()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Shared fixtures: a real mosquitto broker on 127.0.0.1, sample histories, configurations."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from recoveryd.cli.sampledata import generate
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.domain.models import CheckIn, Night
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.store.database import Store

# `make test` runs every property and fuzz test briefly; `make fuzz` runs the tests marked
# `fuzz` with 10,000 cases each (HYPOTHESIS_PROFILE=fuzz).
FUZZ_EXAMPLES = 10_000
settings.register_profile("default", deadline=None)
settings.register_profile(
    "fuzz", max_examples=FUZZ_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The suite runs with answers given again (recoveryd.cli.answers) on, as users have it: any
# answer given from a kept one that a test's change should have changed fails that test. Kept
# in a folder of the run's own, never in the user's cache.
os.environ["RECOVERYD_CACHE_DIR"] = tempfile.mkdtemp(prefix="recoveryd-answers-")
os.environ.pop("RECOVERYD_NO_CACHE", None)


def fuzz_examples(brief: int) -> int:
    """Cases for a fuzz test that sets its own count: ``brief`` in `make test`, else 10,000."""
    return FUZZ_EXAMPLES if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else brief


SAMPLE_END = date(2026, 3, 4)  # a Wednesday
_BROKER_START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int


def _mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    if found is None:
        pytest.fail("mosquitto is not installed; `make test` installs it with apt-get")
    return found


class Mosquitto:
    """A mosquitto 2 process listening on 127.0.0.1 only; started and stopped by fixtures."""

    def __init__(self, workdir: Path, port: int, settings: str = "allow_anonymous true\n") -> None:
        self.address = BrokerAddress("127.0.0.1", port)
        self._log_path = workdir / f"mosquitto-{port}.log"
        conf = workdir / f"mosquitto-{port}.conf"
        if "persistence" not in settings:
            settings += "persistence false\n"
        conf.write_text(f"listener {port} 127.0.0.1\n{settings}", encoding="utf-8")
        self._log = self._log_path.open("w")
        self._process = subprocess.Popen(
            [_mosquitto_binary(), "-c", str(conf)], stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + _BROKER_START_TIMEOUT_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.address.port), timeout=0.2):
                    return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"mosquitto did not start: {self._log_path.read_text()}")
                time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[Callable[[int], BrokerAddress]]:
    """Start mosquitto on a chosen port at any point of a test; all are stopped afterwards."""
    started: list[Mosquitto] = []

    def start(port: int) -> BrokerAddress:
        broker = Mosquitto(tmp_path, port)
        started.append(broker)
        return broker.address

    yield start
    for broker in started:
        broker.stop()


@pytest.fixture
def mosquitto(mosquitto_factory: Callable[[int], BrokerAddress]) -> BrokerAddress:
    """A fresh mosquitto on a free port of 127.0.0.1, stopped after the test."""
    return mosquitto_factory(free_port())


@pytest.fixture(scope="session")
def sample() -> tuple[list[Night], list[CheckIn]]:
    """The sample histories ending on :data:`SAMPLE_END`."""
    return generate(SAMPLE_END)


def make_config(tmp_path: Path, port: int = 1883, **sections: str) -> Config:
    """A two-athlete configuration with a store in ``tmp_path``; ``sections`` add YAML text."""
    text = f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp_path / "recoveryd.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-test, reconnect_max_s: 1}}
homeassistant: {{rediscovery_delay_max_s: 0.3}}
athletes:
  - id: alex
    name: Alex
    sources: [oura]
    plan:
      wednesday: {{title: "Easy run", sport: run, duration_min: 45, intensity: easy}}
  - id: sam
    name: Sam
    sources: [garmin]
devices:
  sauna: {{kind: sauna, via: dry_run, heat_rate_c_per_min: 2.0, ambient_c: 20}}
  wind_down_scene: {{kind: scene, via: dry_run}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "18:00", minutes: 20, temp_c: 80}}
    wind_down: {{device: wind_down_scene, at: "21:30"}}
  rest:
    sauna: {{device: sauna, ready_by: "18:00", minutes: 20, temp_c: 80}}
    wind_down: {{device: wind_down_scene, at: "20:45"}}
"""
    for extra in sections.values():
        text += extra
    return parse_config(text, label="test.yaml", base_dir=tmp_path)


@pytest.fixture
def sample_store(
    tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> Iterator[tuple[Config, Store]]:
    """A configuration and an open store on disk holding the sample histories."""
    config = make_config(tmp_path)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        yield config, store


@pytest.fixture
def cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write ``r.yaml`` (a store in ``tmp_path``, then ``text``) as the CLI's configuration."""

    def write(text: str) -> Path:
        path = tmp_path / "r.yaml"
        path.write_text(f"storage: {{path: {tmp_path / 'r.db'}}}\n{text}", encoding="utf-8")
        monkeypatch.setenv("RECOVERYD_CONFIG", str(path))
        return path

    return write


async def until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Wait for ``condition``, checked every 20 ms; fail naming ``what`` after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"{what}: not within {timeout:g} s")

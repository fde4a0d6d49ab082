# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon killed with SIGKILL while the sauna heats: the device-side auto-off was armed."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiomqtt
import pytest
from recoveryd.domain.models import Protocol
from recoveryd.store.database import Store

from tests.conftest import BrokerAddress

pytestmark = pytest.mark.integration

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")
HEAT_RATE = 2.0  # °C per minute
TEMP = 80


async def test_sigkill_during_preheat_leaves_the_heater_to_switch_itself_off(
    mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    # A household time zone where the whole session falls on today's local date, whenever
    # the test runs.
    zone = next(z for z in map(ZoneInfo, ZONES) if 2 <= datetime.now(z).hour < 20)
    now = datetime.now(zone)
    lead = math.ceil((TEMP - 20) / HEAT_RATE)
    # Ready so that the pre-heat falls on the current minute: it is due at once.
    ready = (now + timedelta(minutes=lead)).replace(second=0, microsecond=0)
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"household: {{timezone: {zone.key}, decide_at: '00:00'}}\n"
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, keepalive_s: 5}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
        "devices:\n"
        f"  sauna: {{kind: sauna, via: tasmota, topic: sauna_plug,"
        f" heat_rate_c_per_min: {HEAT_RATE}, ambient_c: 20, start_wait_min: 15}}\n"
        "recovery:\n"
        f"  active_recovery: {{sauna: {{device: sauna, ready_by: '{ready:%H:%M}', minutes: 20,"
        f" temp_c: {TEMP}}}}}\n",
        encoding="utf-8",
    )
    with Store(tmp_path / "r.db") as store:
        store.set_override("alex", now.date(), Protocol.ACTIVE_RECOVERY, now)

    received: list[tuple[str, str]] = []
    armed_at: list[datetime] = []
    powered = asyncio.Event()
    async with aiomqtt.Client(
        mosquitto.host, mosquitto.port, identifier="tasmota-sauna"
    ) as firmware:
        await firmware.subscribe("cmnd/sauna_plug/#", qos=1)
        await firmware.subscribe("recoveryd/status", qos=1)

        async def serve() -> None:
            async for message in firmware.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                received.append((str(message.topic), payload.decode()))
                if str(message.topic) == "cmnd/sauna_plug/PulseTime":
                    armed_at.append(datetime.now(zone))
                if str(message.topic) == "cmnd/sauna_plug/POWER":
                    await firmware.publish("stat/sauna_plug/POWER", payload.decode())
                    powered.set()

        served = asyncio.create_task(serve())
        daemon = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "recoveryd", "run", "--config", str(config),
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await asyncio.wait_for(powered.wait(), 30)
        finally:
            daemon.send_signal(signal.SIGKILL)
            await daemon.communicate()

        async def last_will() -> None:
            while ("recoveryd/status", "offline") not in received:
                await asyncio.sleep(0.05)

        await asyncio.wait_for(last_will(), 15)
        served.cancel()

    commands = [(t, p) for t, p in received if t.startswith("cmnd/")]
    # Heating ends 15 min (start wait) + 20 min (session) after ready; the plug was told so
    # before it was switched on, so it switches itself off without the daemon: the rest of
    # the session from the moment of the switch-on (the pre-heat began on this minute).
    end = ready + timedelta(minutes=15 + 20)
    [(pulse_topic, pulse), on] = commands[:2]
    assert (pulse_topic, on) == ("cmnd/sauna_plug/PulseTime", ("cmnd/sauna_plug/POWER", "ON"))
    armed_until = armed_at[0] + timedelta(seconds=int(pulse) - 100)
    assert end <= armed_until <= end + timedelta(seconds=2)
    assert ("cmnd/sauna_plug/POWER", "OFF") not in commands  # the daemon died before the off

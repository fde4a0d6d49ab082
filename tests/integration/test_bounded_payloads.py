# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Payloads are bounded before they are decoded, and huge ones never reach the daemon.

With MQTT 5 the daemon tells mosquitto its Maximum Packet Size, so a stream of 50 MB payloads
on its topics is dropped by the broker: the daemon's memory (read from /proc) stays within
20 MB of what it was idle. A payload above a topic's own limit but within the packet size is
dropped with one line, and the next good message is stored.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
from pathlib import Path

import aiomqtt
import pytest
from recoveryd.daemon.lock import lock_path
from recoveryd.integrations.mqtt.incoming import MAX_BYTES

from tests.conftest import BrokerAddress, until

pytestmark = pytest.mark.integration

RECOVERYD = Path(sys.executable).with_name("recoveryd")
MB = 1 << 20


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1])


def nights(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM nights").fetchone()[0])


async def test_huge_payloads_leave_memory_flat_and_oversized_ones_are_one_line(
    mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    db, log = tmp_path / "r.db", tmp_path / "daemon.log"
    config = tmp_path / "r.yaml"
    config.write_text(
        "household: {timezone: Europe/Berlin}\n"
        f"storage: {{path: {db}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, protocol: '5'}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        encoding="utf-8",
    )
    with log.open("wb") as err:
        daemon = await asyncio.create_subprocess_exec(
            str(RECOVERYD), "run", "--config", str(config),
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        await until(lambda: lock_path(db).exists(), "the daemon holding the store")
        async with aiomqtt.Client(
            "127.0.0.1", mosquitto.port, identifier="sender", timeout=60
        ) as client:
            await client.subscribe("recoveryd/status", qos=1)
            async with asyncio.timeout(30):
                async for message in client.messages:
                    if message.payload == b"online":
                        break
            await asyncio.sleep(1)  # its start-up decision and publishing are over
            idle = rss_kb(daemon.pid)
            huge = b"{" + b" " * (50 * MB) + b"}"
            for i in range(4):
                await client.publish("recoveryd/alex/ingest/night", huge, qos=1)
                await client.publish(f"recoveryd/alex/set/checkin_energy{i}", huge, qos=1)
            peak = rss_kb(daemon.pid)
            # Above the ingest limit but far below the packet size: dropped by the daemon.
            too_long = json.dumps({"date": "2024-01-01", "source": "oura", "note": "x" * 5000})
            await client.publish("recoveryd/alex/ingest/night", too_long, qos=1)
            good = {"date": "2024-01-02", "source": "oura", "hrv_rmssd_ms": 50}
            await client.publish("recoveryd/alex/ingest/night", json.dumps(good), qos=1)
            await until(lambda: nights(db) == 1, "the good night stored")
            after = rss_kb(daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        await asyncio.wait_for(daemon.wait(), 30)
    assert max(peak, after) - idle < 20 * 1024, (idle, peak, after)
    lines = log.read_text(encoding="utf-8").splitlines()
    dropped = [line for line in lines if "ignored a message" in line]
    assert len(dropped) == 1
    assert dropped[0].endswith(
        f"ignored a message of {len(too_long)} bytes on recoveryd/alex/ingest/night: "
        f"at most {MAX_BYTES['ingest']} are read on ingest topics"
    )
    assert not any("Traceback" in line for line in lines)

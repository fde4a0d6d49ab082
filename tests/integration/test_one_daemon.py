# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One daemon per store: a second ``recoveryd run`` refuses in one line; a killed one leaves
nothing that blocks the next start; the command line keeps working beside the daemon."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from recoveryd.daemon.lock import lock_path

from tests.conftest import BrokerAddress, until

pytestmark = pytest.mark.integration

RECOVERYD = Path(sys.executable).with_name("recoveryd")


async def start(config: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(RECOVERYD), "run", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def holder(db: Path) -> str:
    path = lock_path(db)
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


async def test_a_second_daemon_on_one_store_refuses_and_a_killed_one_blocks_nothing(
    mosquitto: BrokerAddress, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    config = tmp_path / "r.yaml"
    config.write_text(
        "household: {timezone: Europe/Berlin}\n"
        f"storage: {{path: {db}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {mosquitto.port}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        encoding="utf-8",
    )
    first = await start(config)
    try:
        await until(lambda: holder(db) == str(first.pid), "the first daemon holding the store")
        second = await start(config)
        _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert err.decode().splitlines() == [
            f"recoveryd run: another recoveryd daemon (pid {first.pid}) already runs on {db}; "
            "stop it first (one daemon per store)"
        ]
        # The command line works beside the daemon.
        timeline = await asyncio.create_subprocess_exec(
            str(RECOVERYD), "timeline", "--json", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(timeline.communicate(), 60)
        assert (timeline.returncode, out.strip()) == (0, b"[]")
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    # Killed: the kernel released the lock, and the next daemon starts at once.
    third = await start(config)
    try:
        await until(lambda: holder(db) == str(third.pid), "the next daemon holding the store")
    finally:
        third.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(third.wait(), 30) == 0

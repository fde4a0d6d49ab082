# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""SIGKILL at 100 random points: 50 daemons (deciding and acting) and 50 imports, at once.

Each round starts ``recoveryd run`` (its day's wind-down and compression are due, so it
decides and acts at once) and ``recoveryd import csv`` on the same store, and kills both
with SIGKILL after random delays. Afterwards the store must be sound, one clean import and
one clean run must give the same history and decision as a store that was never killed, and
no action may have run twice.
"""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from recoveryd.cli.sampledata import generate
from recoveryd.integrations.wearables.generic_csv import write_csv
from recoveryd.store.database import Store

from tests.conftest import BrokerAddress

pytestmark = pytest.mark.integration

ROUNDS = 50  # two kills each: 100 in all
RECOVERYD = Path(sys.executable).with_name("recoveryd")


def household(tmp_path: Path, broker: BrokerAddress, db: Path) -> tuple[Path, datetime]:
    # A fixed-offset zone where it is about noon now: the day's times never cross midnight.
    hours = 12 - datetime.now(UTC).hour
    zone = f"Etc/GMT{-hours:+d}" if hours else "UTC"
    now = datetime.now(UTC) + timedelta(hours=hours)
    due = [(now - timedelta(minutes=m)).strftime("%H:%M") for m in (2, 1)]
    recovery = "\n".join(
        f"  {p}: {{compression: {{device: boots, at: '{due[0]}', minutes: 20}},"
        f" wind_down: {{device: lamp, at: '{due[1]}'}}}}"
        for p in ("rest", "active_recovery", "mobility", "as_planned", "progressive_overload")
    )
    path = tmp_path / f"{db.stem}.yaml"
    path.write_text(
        f"household: {{timezone: '{zone}', decide_at: '00:00'}}\n"
        f"storage: {{path: {db}, poll_interval_s: 0.2}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {broker.port}, reconnect_max_s: 1}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
        "devices:\n  boots: {kind: compression, via: dry_run}\n"
        "  lamp: {kind: scene, via: dry_run}\n"
        f"recovery:\n{recovery}\n",
        encoding="utf-8",
    )
    return path, now


async def run(*args: str, kill_after: float | None = None) -> int | None:
    process = await asyncio.create_subprocess_exec(
        str(RECOVERYD), *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    if kill_after is None:
        return await asyncio.wait_for(process.wait(), 120)
    await asyncio.sleep(kill_after)
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()
    return None


async def clean_run(config: Path) -> None:
    """``recoveryd run`` until it has decided and acted, then SIGTERM."""
    process = await asyncio.create_subprocess_exec(
        str(RECOVERYD), "run", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(6)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 60) == 0


def history(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT * FROM nights ORDER BY athlete, date, source").fetchall()


async def test_sigkill_at_a_hundred_random_points(mosquitto: BrokerAddress, tmp_path: Path) -> None:
    nights, checkins = generate(datetime.now(UTC).date())
    csv = tmp_path / "alex.csv"
    csv.write_text(write_csv([n for n in nights if n.athlete == "alex"],
                             [c for c in checkins if c.athlete == "alex"]), "utf-8")  # fmt: skip
    killed = tmp_path / "killed.db"
    config, now = household(tmp_path, mosquitto, killed)
    rng = random.Random(20261201)
    for _ in range(ROUNDS):
        await asyncio.gather(
            run("run", "--config", str(config), kill_after=rng.uniform(0.3, 2.0)),
            run("import", "csv", str(csv), "--athlete", "alex", "--config", str(config),
                kill_after=rng.uniform(0.2, 1.5)),
        )  # fmt: skip
        with sqlite3.connect(killed) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # One clean import and one clean run, then the same for a store never killed.
    assert await run("import", "csv", str(csv), "--athlete", "alex", "--config", str(config)) == 0
    await clean_run(config)
    reference = tmp_path / "reference.db"
    reference_config, _ = household(tmp_path, mosquitto, reference)
    assert await run("import", "csv", str(csv), "--athlete", "alex",
                     "--config", str(reference_config)) == 0  # fmt: skip
    await clean_run(reference_config)

    assert history(killed) == history(reference)
    today = now.date()  # the household's
    with Store(killed) as store, Store(reference) as clean:
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            a, b = store.latest_decision("alex", day), clean.latest_decision("alex", day)
            assert (a and (a.plan.protocol, a.plan.readiness.score)) == (
                b and (b.plan.protocol, b.plan.readiness.score)
            )
        log = [row for d in (today - timedelta(days=1), today) for row in store.action_history(d)]
    # dry_run devices log "dry_run" where a real one logs "done": either way, it ran. A
    # switch-on killed between "sending" and its outcome keeps "sending", a final outcome
    # (the device may be on: it is never sent again, its switch-off is owed instead).
    ran = [key for key, _, status, _ in log if status in {"done", "dry_run", "sending"}]
    assert {key.split(":")[-2] for key in ran} == {"turn_on", "scene"}, log
    assert len(ran) == len(set(ran)), f"an action ran twice: {log}"

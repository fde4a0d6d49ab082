# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""MQTT ingest: nights per second ``recoveryd run`` stores, sustained for a minute, none lost.

The daemon runs as a user runs it, on a real mosquitto (its queue for the daemon raised, as a
household expecting bulk uploads would). A first burst at full speed measures how fast the
daemon stores; then the benchmark publishes at 80 % of that for 60 s, each message a new
night (QoS 1), and checks that every one reached the store and how far the daemon fell
behind. The reference, measured in the same run, is how fast the same publisher gets the
same messages acknowledged by the broker.

    make bench        # or: .venv/bin/python -m benchmarks.bench_ingest [SECONDS]
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import aiomqtt
from recoveryd.cli.sampledata import generate
from recoveryd.store.database import Store

from benchmarks._mosquitto import mosquitto

SECONDS = 60.0
BURST = 3000
WINDOW = 100  # QoS 1 publishes in flight
FIRST = date(1985, 1, 1)
# Days from FIRST that are all in the past: a faster machine sends more nights than that, so
# every SPAN nights begin a new source (ingest refuses a night dated after tomorrow).
SPAN = 14_000


def stored(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM nights WHERE source LIKE 'bench%'").fetchone()
        return int(count)


def night(i: int) -> str:
    day = FIRST + timedelta(days=i % SPAN)
    return json.dumps({"date": day.isoformat(), "source": f"bench{i // SPAN}",
                       "hrv_rmssd_ms": 40 + i % 30, "rhr_bpm": 50 + i % 9})  # fmt: skip


async def publish(client: aiomqtt.Client, first: int, count: int, rate: float | None) -> float:
    """Publish ``count`` nights from number ``first``; seconds it took."""
    window = asyncio.Semaphore(WINDOW)
    start = time.perf_counter()

    async def one(i: int) -> None:
        try:
            await client.publish("recoveryd/alex/ingest/night", night(i), qos=1)
        finally:
            window.release()

    tasks = []
    for n in range(count):
        if rate is not None:
            due = start + n / rate
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
        await window.acquire()
        tasks.append(asyncio.create_task(one(first + n)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


async def until_stored(path: Path, count: int, deadline_s: float) -> float:
    start = time.perf_counter()
    # The store has no event to wait on from another process: it is polled.
    while stored(path) < count and time.perf_counter() - start < deadline_s:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return time.perf_counter()


async def measure(port: int, folder: Path, seconds: float) -> None:
    path = folder / "r.db"
    nights, checkins = generate(date.today())  # noqa: DTZ011 - the daemon's today
    with Store(path) as store:
        store.upsert([n for n in nights if n.athlete == "alex"],
                     [c for c in checkins if c.athlete == "alex"])  # fmt: skip
    config = folder / "recoveryd.yaml"
    config.write_text(
        f"household: {{timezone: Europe/Berlin}}\nstorage: {{path: {path}}}\n"
        f"mqtt: {{host: 127.0.0.1, port: {port}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [bench]}]\n",
        encoding="utf-8",
    )
    binary = Path(sys.executable).with_name("recoveryd")
    daemon = await asyncio.create_subprocess_exec(
        str(binary), "run", "--config", str(config),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-publisher", max_inflight_messages=WINDOW
        ) as client:
            # The publisher keeps a window of publishes in flight on purpose: not a warning.
            client.pending_calls_threshold = WINDOW
            await client.subscribe("recoveryd/status", qos=1)
            async for message in client.messages:
                if message.payload == b"online":
                    break
            # Full speed: how fast the broker acknowledges, and how fast the daemon stores.
            start = time.perf_counter()
            broker_s = await publish(client, 0, BURST, None)
            done = await until_stored(path, BURST, 120)
            capacity = BURST / (done - start)
            rate = 0.8 * capacity
            count = int(rate * seconds)
            sys.stderr.write(f"daemon stores about {capacity:.0f}/s; now {rate:.0f}/s "
                             f"for {seconds:g} s...\n")  # fmt: skip
            lag_max = 0
            start = time.perf_counter()
            sending = asyncio.create_task(publish(client, BURST, count, rate))
            while not sending.done():
                await asyncio.sleep(1)
                sent = min(count, int((time.perf_counter() - start) * rate))
                lag_max = max(lag_max, BURST + sent - stored(path))
            elapsed = await sending
            end = await until_stored(path, BURST + count, 120)
            total = stored(path)
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(daemon.wait(), 60)
    print(f"broker acknowledges {BURST / broker_s:.0f} nights/s from one publisher (reference)")
    print(f"recoveryd at full speed: {capacity:.0f} nights/s stored "
          f"({capacity / (BURST / broker_s):.2f} of the broker's rate)")  # fmt: skip
    print(f"sustained: {count} nights at {count / elapsed:.0f}/s for {elapsed:.0f} s; "
          f"{total - BURST} of {count} stored ({count - (total - BURST)} lost), all within "
          f"{end - start - elapsed:.1f} s of the last; at most {lag_max} behind")  # fmt: skip
    print(f"SIGTERM: exit code {code}")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else SECONDS
    with mosquitto() as port, tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(port, Path(folder), seconds))


if __name__ == "__main__":
    main()

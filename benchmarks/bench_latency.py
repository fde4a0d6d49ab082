# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From a new night over MQTT to the first device command, against the broker's round trip.

A real mosquitto on 127.0.0.1; the daemon (in this process, on a clock the benchmark sets)
with a Zigbee2MQTT lamp that every protocol dims at 21:30; a simulated Zigbee2MQTT that
confirms each command. Each run is a new day at 21:30:20: the benchmark publishes last
night's data on ``recoveryd/alex/ingest/night`` and times the moment the lamp's ``set``
command arrives: the daemon checks and stores the night, decides the day, builds the
timeline and starts the wind-down that is due. The reference, measured in the same run and
interleaved with it, is one QoS 1 publish from a client to its own subscription.

    make bench        # or: .venv/bin/python benchmarks/bench_latency.py [RUNS]
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiomqtt
from recoveryd.cli.sampledata import generate
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.store.database import Store

from benchmarks._mosquitto import mosquitto

BERLIN = ZoneInfo("Europe/Berlin")
RUNS = 1000
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # as the daemon's own connection
PROTOCOLS = ("rest", "active_recovery", "mobility", "as_planned", "progressive_overload")


@dataclass
class Clock:
    value: datetime

    def now(self) -> datetime:
        return self.value


def config_text(folder: Path, port: int) -> str:
    recovery = "\n".join(f"  {p}: {{wind_down: {{device: lamp, at: '21:30'}}}}" for p in PROTOCOLS)
    return f"""
household: {{timezone: Europe/Berlin}}
storage: {{path: {folder / "r.db"}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-bench}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  lamp: {{kind: light, via: zigbee2mqtt, topic: bedroom_lamp}}
recovery:
{recovery}
"""


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 1000) - 1]


async def settled(daemon: Daemon) -> None:
    # The daemon has no event for "idle"; the benchmark polls its queue and tasks.
    while daemon.queue.qsize() or daemon._running:  # noqa: SLF001, ASYNC110
        await asyncio.sleep(0.001)


async def measure(port: int, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    config = parse_config(config_text(folder, port), label="bench.yaml", base_dir=folder)
    # Every night of the run lies in the past: ingest refuses a date after tomorrow.
    first = datetime.now(BERLIN).date() - timedelta(days=runs + 1)
    nights, checkins = generate(first - timedelta(days=1))
    with Store(config.storage.path) as store:
        store.upsert([n for n in nights if n.athlete == "alex"],
                     [c for c in checkins if c.athlete == "alex"])  # fmt: skip
    before = first - timedelta(days=1)  # the day before, in the morning
    clock = Clock(datetime(before.year, before.month, before.day, 8, 0, tzinfo=BERLIN))
    daemon = Daemon(config, clock=clock)
    stop = asyncio.Event()
    commanded = asyncio.Event()
    latencies: list[float] = []
    round_trips: list[float] = []
    async with (
        aiomqtt.Client("127.0.0.1", port, identifier="bench-lamp", socket_options=NODELAY) as lamp,
        aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-sender", socket_options=NODELAY
        ) as sender,
    ):
        await lamp.subscribe("zigbee2mqtt/bedroom_lamp/set", qos=1)
        await sender.subscribe("bench/round-trip", qos=1)

        async def zigbee2mqtt() -> None:
            async for message in lamp.messages:
                commanded.set()
                assert isinstance(message.payload, bytes)
                state = json.loads(message.payload) | {"linkquality": 120}
                await lamp.publish("zigbee2mqtt/bedroom_lamp", json.dumps(state))

        echoes: asyncio.Queue[float] = asyncio.Queue()

        async def echo() -> None:
            async for _ in sender.messages:
                echoes.put_nowait(time.perf_counter())

        tasks = [asyncio.create_task(zigbee2mqtt()), asyncio.create_task(echo())]
        running = asyncio.create_task(daemon.run(stop))
        while not daemon.link.connected:  # noqa: ASYNC110 - polled, as above
            await asyncio.sleep(0.01)
        await settled(daemon)
        for i in range(runs):
            day = first + timedelta(days=i)
            clock.value = datetime(day.year, day.month, day.day, 21, 30, 20, tzinfo=BERLIN)
            night = {"date": day.isoformat(), "source": "oura", "hrv_rmssd_ms": 55 + i % 7,
                     "rhr_bpm": 50, "sleep_total_min": 450}  # fmt: skip
            commanded.clear()
            start = time.perf_counter()
            await sender.publish("recoveryd/alex/ingest/night", json.dumps(night), qos=1)
            await asyncio.wait_for(commanded.wait(), 30)
            latencies.append(time.perf_counter() - start)
            await settled(daemon)
            start = time.perf_counter()
            await sender.publish("bench/round-trip", b"x", qos=1)
            round_trips.append(await asyncio.wait_for(echoes.get(), 30) - start)
            if (i + 1) % 100 == 0:
                sys.stderr.write(f"\r{i + 1}/{runs} runs")
        sys.stderr.write("\n")
        stop.set()
        await asyncio.wait_for(running, 30)
        for task in tasks:
            task.cancel()
    return latencies, round_trips


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    with mosquitto() as port, tempfile.TemporaryDirectory() as folder:
        latencies, round_trips = asyncio.run(measure(port, Path(folder), runs))
    ms = 1000.0
    p50, p99 = percentile(latencies, 0.5) * ms, percentile(latencies, 0.99) * ms
    r50, r99 = percentile(round_trips, 0.5) * ms, percentile(round_trips, 0.99) * ms
    print(f"new night -> first device command, {runs} runs: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"broker round trip (QoS 1, loopback):       p50 {r50:.2f} ms, p99 {r99:.2f} ms")
    print(f"p99 ratio: {p99 / r99:.1f}x the round trip (goal: within 20x)")


if __name__ == "__main__":
    main()

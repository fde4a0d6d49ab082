# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A burst of 10,000 commands against a timed device command and its confirmation.

A real mosquitto on 127.0.0.1; the daemon (in this process, on a clock that runs from 21:29:57)
with a Zigbee2MQTT lamp that the day's protocol dims at 21:30, three seconds after start; a
simulated Zigbee2MQTT that confirms each command. In a burst round, a publisher in its own
process sends 10,000 check-in commands as fast as the broker takes them, starting with the
daemon's connection. Measured per round: how late the lamp's command arrives after 21:30,
how long after the lamp's confirmation the daemon handles it (logs the action done), whether the
availability topic ever said ``offline`` (a missed keepalive: the daemon's keepalive here is
5 s), how long the burst took to drain and how many decision revisions it stored. Reference
rounds without a burst are interleaved with them in the same run.

    make bench        # or: .venv/bin/python -m benchmarks.bench_burst [ROUNDS]
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiomqtt
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from recoveryd.cli.sampledata import generate
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import CommandReceived
from recoveryd.domain.models import Action
from recoveryd.store.database import Store

from benchmarks._mosquitto import mosquitto

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 2)
DUE = datetime(2026, 3, 2, 21, 30, tzinfo=BERLIN)
LEAD_S = 3.0  # the daemon starts this long before the lamp's command is due
BURST = 10_000
ROUNDS = 3
PROTOCOLS = ("rest", "active_recovery", "mobility", "as_planned", "progressive_overload")


class RunningClock:
    """Real time, from ``start`` on."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._at = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._at)


@dataclass
class Round:
    burst: bool
    late_s: float = 0.0  # lamp command after its due time
    confirm_s: float = 0.0  # lamp confirmation -> action reported done
    offline: int = 0  # "offline" on the availability topic during the round
    drain_s: float = 0.0  # the burst sent -> its last command handled
    revisions: int = 0  # decision rows stored during the round
    notes: list[str] = field(default_factory=list)


def config_text(folder: Path, port: int) -> str:
    recovery = "\n".join(f"  {p}: {{wind_down: {{device: lamp, at: '21:30'}}}}" for p in PROTOCOLS)
    return f"""
household: {{timezone: Europe/Berlin, decide_at: "06:00"}}
storage: {{path: {folder / "r.db"}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-burst, keepalive_s: 5}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  lamp: {{kind: light, via: zigbee2mqtt, topic: bedroom_lamp}}
recovery:
{recovery}
"""


def decisions(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM decisions").fetchone()[0])


async def burst(port: int) -> asyncio.subprocess.Process:
    """A publisher in its own process sending BURST check-ins at QoS 1 as fast as it can."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bench_burst", "--publish", str(port),
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def publish(port: int) -> None:
    """The burst itself (run in its own process by :func:`burst`)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-burst")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    infos = [
        client.publish("recoveryd/alex/set/checkin_energy", str(1 + i % 5), qos=1)
        for i in range(BURST)
    ]
    for info in infos:
        info.wait_for_publish(timeout=300)
    client.loop_stop()
    client.disconnect()


async def drained(
    publisher: asyncio.subprocess.Process, handled: list[float], result: Round, sent_at: float
) -> None:
    """Until the burst is answered (or five minutes pass), and its commands are decided on."""
    await asyncio.wait_for(publisher.wait(), 300)
    deadline = time.monotonic() + 300
    while len(handled) < BURST and time.monotonic() < deadline:  # noqa: ASYNC110 - a count
        await asyncio.sleep(0.05)
    result.drain_s = (handled[-1] if handled else time.monotonic()) - sent_at
    if len(handled) < BURST:
        result.notes.append(f"{len(handled)} of {BURST} commands handled")
    await asyncio.sleep(2.5)  # the last commands settle into one decision


async def one_round(port: int, folder: Path, *, with_burst: bool) -> Round:  # noqa: C901, PLR0915 - one round, read top to bottom
    result = Round(with_burst)
    config = parse_config(config_text(folder, port), label="bench.yaml", base_dir=folder)
    nights, checkins = generate(DAY - timedelta(days=1))
    with Store(config.storage.path) as store:
        store.upsert([n for n in nights if n.athlete == "alex"],
                     [c for c in checkins if c.athlete == "alex"])  # fmt: skip
    commanded: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    confirmed_at: list[float] = []
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    handled: list[float] = []
    handled_at: list[float] = []  # the lamp's action handled (logged) by the daemon
    seen_online: list[float] = []
    stop = asyncio.Event()
    async with aiomqtt.Client("127.0.0.1", port, identifier="bench-watch") as watch:
        await watch.subscribe("zigbee2mqtt/bedroom_lamp/set", qos=1)
        await watch.subscribe("recoveryd/status", qos=1)
        await watch.subscribe("recoveryd/alex/event", qos=1)

        async def observe() -> None:
            async for message in watch.messages:
                now = time.monotonic()
                topic = str(message.topic)
                assert isinstance(message.payload, bytes)
                if topic.endswith("/set") and not commanded.done():
                    commanded.set_result(now)
                    state = json.loads(message.payload) | {"linkquality": 120}
                    confirmed_at.append(time.monotonic())
                    await watch.publish("zigbee2mqtt/bedroom_lamp", json.dumps(state))
                elif topic == "recoveryd/status":
                    # Between its first "online" and its stop, never "offline".
                    if message.payload == b"online":
                        seen_online.append(now)
                    elif seen_online and not stop.is_set():
                        result.offline += 1
                elif topic.endswith("/event"):
                    event = json.loads(message.payload)
                    if event.get("event_type") == "action" and not done.done():
                        done.set_result(now)

        observer = asyncio.create_task(observe())
        clock = RunningClock(DUE - timedelta(seconds=LEAD_S))
        due_at = time.monotonic() + LEAD_S
        daemon = Daemon(config, clock=clock)
        finish = daemon.actions.finished  # the moment the daemon handles it

        def finished(action: Action, status: str, detail: str) -> None:
            handled_at.append(time.monotonic())
            finish(action, status, detail)

        daemon.actions.finished = finished  # type: ignore[method-assign]
        command = daemon.consumer.received  # each command of the burst, as handled

        def commanded_now(event: CommandReceived) -> None:
            command(event)
            handled.append(time.monotonic())

        daemon.consumer.received = commanded_now  # type: ignore[method-assign]
        running = asyncio.create_task(daemon.run(stop))
        publisher = None
        if with_burst:
            while not daemon.link.connected:  # noqa: ASYNC110 - the burst starts with it
                await asyncio.sleep(0.005)
            before = decisions(folder / "r.db")
            sent_at = time.monotonic()
            publisher = await burst(port)
        result.late_s = await asyncio.wait_for(commanded, 120) - due_at
        await asyncio.wait_for(done, 120)
        result.confirm_s = handled_at[0] - confirmed_at[0]
        if publisher is not None:
            await drained(publisher, handled, result, sent_at)
            result.revisions = decisions(folder / "r.db") - before
        stop.set()
        await asyncio.wait_for(running, 60)
        observer.cancel()
    return result


async def measure(port: int, rounds: int) -> list[Round]:
    results = []
    for i in range(rounds):
        for with_burst in (True, False):
            with tempfile.TemporaryDirectory() as folder:
                results.append(await one_round(port, Path(folder), with_burst=with_burst))
            sys.stderr.write(f"\rround {i + 1}/{rounds}")
    sys.stderr.write("\n")
    return results


def main() -> None:
    if sys.argv[1:2] == ["--publish"]:
        publish(int(sys.argv[2]))
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    with mosquitto() as port:
        results = asyncio.run(measure(port, rounds))
    ms = 1000.0
    for kind in (True, False):
        chosen = [r for r in results if r.burst is kind]
        name = f"burst of {BURST:,}" if kind else "no burst (reference)"
        late = max(r.late_s for r in chosen) * ms
        confirm = max(r.confirm_s for r in chosen) * ms
        offline = sum(r.offline for r in chosen)
        print(f"{name:22}: worst timed command {late:7.1f} ms late, worst confirmation "
              f"handled {confirm:7.1f} ms after it, offline {offline}x")  # fmt: skip
        if kind:
            drain = max(r.drain_s for r in chosen)
            revisions = max(r.revisions for r in chosen)
            print(f"{'':22}  drained in {drain:.1f} s at most; "
                  f"at most {revisions} decision revisions per burst")  # fmt: skip
            for note in (n for r in chosen for n in r.notes):
                print(f"{'':22}  {note}")
    burst_late = max(r.late_s for r in results if r.burst)
    reference = max(r.late_s for r in results if not r.burst)
    ratio = burst_late / max(reference, 1e-3)
    print(f"timed command lateness ratio (burst / reference): {ratio:.1f}x")


if __name__ == "__main__":
    main()

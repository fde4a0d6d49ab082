# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd demo``: the whole daemon on the bundled sample data, with embedded defaults.

It generates the sample nights (see :mod:`recoveryd.cli.sampledata`), imports them through the
generic CSV importer into SQLite in a temporary directory, starts an in-process MQTT broker on
127.0.0.1 (amqtt, MQTT 3.1.1), runs the real :class:`~recoveryd.daemon.consumer.Daemon` against it
while a separate MQTT client listens like Home Assistant would, then stops the daemon, prints
what it decided and published, and exits. Nothing touches a device: actions are dry-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

import aiomqtt
from rich.console import Console
from rich.table import Table

from recoveryd.cli import sampledata
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.service import Daemon
from recoveryd.integrations.mqtt.broker import EmbeddedBroker
from recoveryd.integrations.wearables.generic_csv import import_file, write_csv
from recoveryd.present.summary import history_table, morning_summary
from recoveryd.store.database import Store

HISTORY_DAYS = 14
_WAIT_S = 30.0


@dataclass
class _Listener:
    """What a Home-Assistant-like subscriber saw on the broker."""

    athletes: int
    discovery: dict[str, dict[str, object]] = field(default_factory=dict)
    states: dict[str, dict[str, object]] = field(default_factory=dict)
    charts: dict[str, int] = field(default_factory=dict)
    availability: list[str] = field(default_factory=list)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    all_states: asyncio.Event = field(default_factory=asyncio.Event)
    offline: asyncio.Event = field(default_factory=asyncio.Event)

    def check_done(self) -> None:
        """Every athlete's state and chart arrived (the chart a moment after the state)."""
        if len(self.states) == self.athletes and len(self.charts) == self.athletes:
            self.all_states.set()


@dataclass(frozen=True)
class _FixedClock:
    value: datetime

    def now(self) -> datetime:
        return self.value


def local_timezone() -> str:
    """The machine's IANA time zone name, or UTC when it cannot be told."""
    with contextlib.suppress(OSError, ValueError):
        target = Path("/etc/localtime").resolve()
        name = str(target).split("zoneinfo/", 1)[1]
        ZoneInfo(name)
        return name
    return "UTC"


def demo_config(db: Path, port: int, timezone: str) -> Config:
    """The demo's embedded configuration (``recoveryd/demo.yaml``) for this run."""
    template = Template(resources.files("recoveryd.cli").joinpath("demo.yaml").read_text("utf-8"))
    text = template.substitute(db=db, port=port, timezone=timezone)
    return parse_config(text, label="embedded demo configuration", base_dir=db.parent)


def run_demo(console: Console | None = None) -> int:
    """Run the demo; returns the process exit code."""
    out = console or Console()
    with tempfile.TemporaryDirectory(prefix="recoveryd-demo-") as tmp:
        return asyncio.run(_demo(Path(tmp), out))


async def _demo(tmp: Path, out: Console) -> int:
    async with EmbeddedBroker() as broker:
        config = demo_config(tmp / "recoveryd.db", broker.port, local_timezone())
        today = datetime.now(config.zone).date()
        out.rule("[bold]recoveryd demo")
        out.print(
            f"Embedded broker on [bold]127.0.0.1:{broker.port}[/] (MQTT 3.1.1), "
            f"store [bold]{config.storage.path}[/], time zone {config.household.timezone}."
        )
        _import_sample(tmp, config, today, out)
        seen = _Listener(athletes=len(config.athletes))
        listener = asyncio.create_task(_listen(broker.port, config, seen))
        await asyncio.wait_for(seen.subscribed.wait(), _WAIT_S)
        stop = asyncio.Event()
        # The demo's day starts at 05:00, before anything on the timeline is due.
        clock = _FixedClock(datetime.combine(today, time(5, 0), tzinfo=config.zone))
        runner = asyncio.create_task(Daemon(config, clock=clock).run(stop))
        try:
            await asyncio.wait_for(seen.all_states.wait(), _WAIT_S)
        finally:
            stop.set()
            await runner
        await asyncio.wait_for(seen.offline.wait(), _WAIT_S)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    _show(config, today, seen, out)
    return 0


def _import_sample(tmp: Path, config: Config, today: date, out: Console) -> None:
    nights, checkins = sampledata.generate(today)
    sessions = sampledata.generate_sessions(today)
    with Store(config.storage.path) as store:
        store.upsert(sessions=sessions)
        for athlete in config.athletes:
            path = tmp / f"{athlete.id}.csv"
            own_nights = [n for n in nights if n.athlete == athlete.id]
            path.write_text(
                write_csv(own_nights, [c for c in checkins if c.athlete == athlete.id]),
                encoding="utf-8",
            )
            report = import_file(store, path, athlete.id)
            out.print(
                f"Imported [bold]{report.nights}[/] nights and {report.checkins} check-ins "
                f"for {athlete.name} from {path.name} (seed {sampledata.DEFAULT_SEED}, "
                f"{own_nights[0].date} to {own_nights[-1].date}), and "
                f"{sum(s.athlete == athlete.id for s in sessions)} logged training sessions."
            )


async def _listen(port: int, config: Config, seen: _Listener) -> None:
    prefix = config.homeassistant.discovery_prefix
    async with aiomqtt.Client(
        "127.0.0.1", port, identifier="demo-listener", protocol=aiomqtt.ProtocolVersion.V311
    ) as client:
        await client.subscribe(f"{prefix}/#", qos=1)
        await client.subscribe(f"{config.mqtt.base_topic}/#", qos=1)
        seen.subscribed.set()
        state_topics = {f"{config.mqtt.base_topic}/{a.id}/state" for a in config.athletes}
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload
            raw = payload if isinstance(payload, bytes | bytearray) else str(payload).encode()
            if topic.endswith("/chart"):
                seen.charts[topic] = len(raw)  # PNG bytes
                seen.check_done()
                continue
            text = raw.decode(errors="replace")
            if topic.startswith(f"{prefix}/"):
                seen.discovery[topic] = json.loads(text)
            elif topic in state_topics:
                seen.states[topic] = json.loads(text)
                seen.check_done()
            elif topic == f"{config.mqtt.base_topic}/status":
                seen.availability.append(text)
                if text == "offline":
                    seen.offline.set()


def _show(config: Config, today: date, seen: _Listener, out: Console) -> None:
    with Store(config.storage.path) as store:
        for athlete in config.athletes:
            decision = store.latest_decision(athlete.id, today)
            if decision is None:
                out.print(f"[red]No decision was stored for {athlete.name}.")
                continue
            out.print()
            out.print(morning_summary(decision.plan, athlete.name, dry_run=True))
        for athlete in config.athletes:
            first = today - timedelta(days=HISTORY_DAYS - 1)
            plans = decide_range(store, config, athlete.id, first, today)
            out.print()
            out.print(history_table(plans, athlete.name))
            used = sorted({p.protocol.value for p in plans})
            out.print(f"  {len(used)} different protocols: {', '.join(used)}")
    out.print()
    table = Table(title="Published on MQTT, as Home Assistant sees it", title_justify="left")
    table.add_column("entities")
    prefix = config.homeassistant.discovery_prefix
    devices: dict[str, Counter[str]] = {}
    for topic, payload in sorted(seen.discovery.items()):
        component = topic.removeprefix(f"{prefix}/").split("/", 1)[0]
        device = payload.get("device")
        name = str(device.get("name")) if isinstance(device, dict) else "?"
        devices.setdefault(name, Counter())[component] += 1
    for name in devices:
        table.add_column(name, justify="right")
    for component in sorted({c for counts in devices.values() for c in counts}):
        counts = [str(devices[name][component] or "") for name in devices]
        table.add_row(component.replace("_", " "), *counts)
    out.print(table)
    out.print(f"  {len(seen.discovery)} retained discovery configs under {prefix}/")
    for topic, state in sorted(seen.states.items()):
        out.print(
            f"  {topic}: protocol [bold]{state.get('protocol')}[/], readiness "
            f"{state.get('readiness')}, rMSSD {state.get('rmssd_ms')} ms, "
            f"revision {state.get('revision')}"
        )
    for topic, size in sorted(seen.charts.items()):
        out.print(f"  {topic}: the 30-day chart, a {size / 1000:.0f} kB PNG for the image entity")
    out.print(f"  {config.mqtt.base_topic}/status: {' → '.join(seen.availability)}")
    out.print()
    out.print("[bold green]Demo finished:[/] the daemon decided, published and shut down cleanly.")

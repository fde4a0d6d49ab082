# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd run``'s footprint: time to ``online``, resident memory and CPU while idle.

The daemon runs as a user runs it (``recoveryd run --config``), on a real mosquitto, for a
household of two athletes with the sample histories: it decides both at start, publishes
discovery, states and charts, then waits for the next day. The reference, measured in the
same run, is the smallest process that does the same first step: a Python interpreter that
imports aiomqtt, connects and publishes ``online``.

    make bench        # or: .venv/bin/python -m benchmarks.bench_footprint [IDLE_SECONDS]
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import aiomqtt
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.store.database import Store

from benchmarks._mosquitto import mosquitto

IDLE_S = 60.0
REFERENCE = """
import asyncio, sys, aiomqtt
async def main():
    async with aiomqtt.Client("127.0.0.1", int(sys.argv[1]), identifier="reference") as c:
        await c.publish("reference/status", "online", qos=1, retain=True)
        await asyncio.sleep(float(sys.argv[2]))
asyncio.run(main())
"""


def config(folder: Path, port: int) -> Path:
    path = folder / "recoveryd.yaml"
    path.write_text(
        f"""
household: {{timezone: Europe/Berlin}}
storage: {{path: {folder / "r.db"}}}
mqtt: {{host: 127.0.0.1, port: {port}}}
athletes:
  - {{id: alex, name: Alex, sources: [oura]}}
  - {{id: sam, name: Sam, sources: [garmin]}}
""",
        encoding="utf-8",
    )
    today = date.today()  # noqa: DTZ011 - the daemon decides the machine's today
    nights, checkins = generate(today)
    with Store(folder / "r.db") as store:
        store.upsert(nights, checkins, sessions=generate_sessions(today))
    return path


def proc(pid: int, field: str) -> int:
    """A line of /proc/<pid>/status in kB, e.g. VmRSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


async def until_online(port: int, topic: str) -> None:
    async with aiomqtt.Client("127.0.0.1", port, identifier=f"watch-{os.getpid()}") as client:
        await client.subscribe(topic, qos=1)
        async for message in client.messages:
            if message.payload == b"online":
                return


def started(command: list[str], port: int, topic: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``command``; the process and the seconds until it published ``online``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    asyncio.run(asyncio.wait_for(until_online(port, topic), 60))
    return process, time.perf_counter() - start


def main() -> None:
    idle_s = float(sys.argv[1]) if len(sys.argv) > 1 else IDLE_S
    binary = Path(sys.executable).with_name("recoveryd")
    with mosquitto() as port, tempfile.TemporaryDirectory() as folder:
        path = config(Path(folder), port)
        command = [sys.executable, "-c", REFERENCE, str(port), str(idle_s + 120)]
        reference, reference_s = started(command, port, "reference/status")
        daemon, daemon_s = started(
            [str(binary), "run", "--config", str(path)], port, "recoveryd/status"
        )
        time.sleep(5)  # the start's work ends: decisions, discovery, charts a second later
        ticks = {p.pid: cpu_ticks(p.pid) for p in (daemon, reference)}
        sys.stderr.write(f"idle for {idle_s:g} s...\n")
        time.sleep(idle_s)
        hz = os.sysconf("SC_CLK_TCK")
        cpu = {
            p.pid: (cpu_ticks(p.pid) - ticks[p.pid]) / hz / idle_s * 100
            for p in (daemon, reference)
        }
        rss = {p.pid: proc(p.pid, "VmRSS") / 1024 for p in (daemon, reference)}
        peak = proc(daemon.pid, "VmHWM") / 1024
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(30)
        reference.terminate()
        reference.wait(30)
    print(f"time to online:   recoveryd {daemon_s:.2f} s, reference {reference_s:.2f} s "
          f"({daemon_s / reference_s:.1f}x; goal: at most 1.5 s)")  # fmt: skip
    print(f"resident memory:  recoveryd {rss[daemon.pid]:.0f} MB idle ({peak:.0f} MB peak), "
          f"reference {rss[reference.pid]:.0f} MB (goal: at most 60 MB)")  # fmt: skip
    print(f"CPU while idle:   recoveryd {cpu[daemon.pid]:.2f} %, reference "
          f"{cpu[reference.pid]:.2f} % of one core over {idle_s:g} s")  # fmt: skip
    print(f"SIGTERM: exit code {code}")


if __name__ == "__main__":
    main()

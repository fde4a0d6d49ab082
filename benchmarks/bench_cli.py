# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Commands as whole processes against the interpreter's own start, in the same run.

``recoveryd --help``, ``check-config`` and ``today`` (with the example configuration and 90
days of the sample histories in a store on disk) are each started as a new process, as a
user starts them, interleaved with ``python -c pass``; the best of N runs of each. What a
command takes of its own is its time less the interpreter's. ``check-config`` and ``today``
are timed twice: as a user meets them (the answer given again while nothing it read changed,
recoveryd.cli.answers) and in full (``RECOVERYD_NO_CACHE=1``: the configuration validated,
the day decided and drawn); and ``today`` once more after each of N changes of the store,
`recoveryd run` running: the daemon answers it (recoveryd.daemon.answering).
``-X importtime`` of any of them: ``.venv/bin/python -X importtime -m recoveryd ...``.

    make bench            # or: .venv/bin/python -m benchmarks.bench_cli
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
GOAL_MS = 150.0
PLACEHOLDERS = ("MQTT_PASSWORD", "HA_TOKEN", "ALEX_NTFY_URL", "SAM_NTFY_URL")


def prepare(folder: Path) -> Path:
    """The example configuration with its store in ``folder``, and 90 days of samples in it."""
    from recoveryd.cli import sampledata  # noqa: PLC0415 - only the set-up needs it
    from recoveryd.store.database import Store  # noqa: PLC0415

    shutil.copytree(ROOT / "config" / "plans", folder / "plans")
    text = (ROOT / "config" / "recoveryd.example.yaml").read_text(encoding="utf-8")
    store = folder / "recoveryd.db"
    config = folder / "recoveryd.yaml"
    config.write_text(text.replace("/var/lib/recoveryd/recoveryd.db", str(store)), encoding="utf-8")
    today = date.today()  # noqa: DTZ011 - the command's own today
    nights, checkins = sampledata.generate(today)
    with Store(store) as opened:
        opened.upsert(nights, checkins, sampledata.generate_sessions(today))
    return config


def best_ms(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)  # noqa: S603
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    return elapsed


def after_a_change(
    recoveryd: str, config: Path, today: list[str], env: dict[str, str]
) -> list[float]:
    """``today`` after each of RUNS changes of the store, `recoveryd run` answering it.

    The check-in written before each run (not timed) moves the store's revision, so the kept
    answer no longer holds and the command asks the running daemon.
    """
    from recoveryd.domain.models import CheckIn  # noqa: PLC0415
    from recoveryd.identity import daemon_socket  # noqa: PLC0415
    from recoveryd.store.database import Store  # noqa: PLC0415

    store = config.parent / "recoveryd.db"
    daemon = subprocess.Popen(  # noqa: S603 - the project's own command
        [recoveryd, "run", "--config", str(config)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not daemon_socket(store).exists():
            if daemon.poll() is not None or time.monotonic() > deadline:
                sys.exit("recoveryd run did not start")
            time.sleep(0.05)
        times = []
        for n in range(RUNS + 1):
            with Store(store) as opened:
                opened.upsert([], [CheckIn("alex", date.today(), soreness=1 + n % 5)])  # noqa: DTZ011
            elapsed = best_ms(today, env)
            if n:  # the first answer loads the renderer into the daemon
                times.append(elapsed)
        return times
    finally:
        daemon.terminate()
        daemon.wait(timeout=15)


def main() -> None:
    python = sys.executable
    recoveryd = str(Path(python).with_name("recoveryd"))
    with tempfile.TemporaryDirectory() as scratch:
        config = prepare(Path(scratch))
        cache = Path(scratch) / "answers"
        env = {**os.environ, **dict.fromkeys(PLACEHOLDERS, "x"), "RECOVERYD_CACHE_DIR": str(cache)}
        cold = {**env, "RECOVERYD_NO_CACHE": "1"}
        check = [recoveryd, "check-config", str(config)]
        today = [recoveryd, "today", "--athlete", "alex", "--config", str(config)]
        commands = {
            "python -c pass": ([python, "-c", "pass"], env),
            "recoveryd --help": ([recoveryd, "--help"], env),
            "recoveryd check-config": (check, env),
            "recoveryd today": (today, env),
            "check-config, in full": (check, cold),
            "today, in full": (today, cold),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv, environment in commands.values():  # warm the file cache; keep the answers
            best_ms(argv, environment)
        for _ in range(RUNS):
            for name, (argv, environment) in commands.items():
                times[name].append(best_ms(argv, environment))
        times["today after a change, daemon"] = after_a_change(recoveryd, config, today, env)
    interpreter = min(times["python -c pass"])
    print(f"best of {RUNS}, interleaved; `python -c pass`: {interpreter:.0f} ms")
    for name, measured in times.items():
        if name == "python -c pass":
            continue
        own = min(measured) - interpreter
        verdict = "in full, no goal" if "in full" in name else "met" if own < GOAL_MS else "not met"
        print(f"{name:<30} {min(measured):6.0f} ms, {own:4.0f} ms of its own ({verdict})")


if __name__ == "__main__":
    main()

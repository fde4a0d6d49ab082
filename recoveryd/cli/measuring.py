# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd measure-hrv``: the composition of strap, engine and store for one reading.

Like the daemon and the demo, a composition root: it wires the Bluetooth transport
(:mod:`integrations.ble.hrm`) to the pure reading (:mod:`recoveryd.engine.morning_reading`) and the
store, and shows progress while the strap records.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from recoveryd.config.athletes import AthleteConfig
from recoveryd.config.model import Config
from recoveryd.domain.reading import MorningReading
from recoveryd.engine.hrv import HrvError
from recoveryd.engine.morning_reading import morning_reading
from recoveryd.integrations.ble.hrm import (
    Connector,
    Finder,
    StrapError,
    connect_strap,
    find_strap,
    record,
)
from recoveryd.store.database import Store

DEFAULT_SOURCE = "chest_strap"
DEFAULT_SETTLE_S = 30.0


def measure_hrv(
    config: Config,
    athlete: AthleteConfig,
    device: str,
    minutes: float,
    *,
    as_json: bool,
    finder: Finder = find_strap,
    connector: Connector = connect_strap,
) -> int:
    """Record, judge and store one reading; 0 when it is good, 1 otherwise."""
    strap = athlete.hrv_strap
    settle = strap.settle_s if strap else DEFAULT_SETTLE_S
    source = strap.source if strap else DEFAULT_SOURCE
    console = Console(stderr=True)
    with Progress(
        TextColumn(f"[bold]{device}[/] recording"), BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"), TimeRemainingColumn(),
        console=console, transient=True, disable=as_json,
    ) as bar:  # fmt: skip
        task = bar.add_task("record", total=minutes * 60)
        if not as_json:
            console.print(f"Sit still, breathe normally: the first {settle:.0f} s are discarded.")
        try:
            recording = asyncio.run(
                record(
                    device, minutes=minutes, settle_s=settle, finder=finder, connector=connector,
                    progress=lambda done, _: bar.update(task, completed=done),
                )
            )  # fmt: skip
        except StrapError as exc:
            sys.stderr.write(f"measure-hrv: {exc}\n")
            return 1
    try:
        reading = morning_reading(
            athlete.id, source, datetime.now(config.zone), recording.rr_ms,
            complete=recording.complete, problems=recording.problems,
            battery_pct=recording.battery_pct,
        )  # fmt: skip
    except HrvError as exc:
        sys.stderr.write(f"measure-hrv: nothing stored: {exc}\n")
        return 1
    with Store(config.storage.path) as store:
        store.save_morning_reading(reading)
    _show(reading, as_json=as_json)
    return 0 if reading.good else 1


def _show(reading: MorningReading, *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(asdict(reading), default=str, sort_keys=True) + "\n")
        return
    verdict = "good" if reading.good else "low quality: " + "; ".join(reading.quality)
    battery = "" if reading.battery_pct is None else f", strap battery {reading.battery_pct} %"
    use = (
        f"stored as the night value of {reading.source}" if reading.good
        else "kept, but not used for baselines"
    )  # fmt: skip
    sys.stdout.write(
        f"{reading.athlete} {reading.date} ({reading.source}): rMSSD {reading.rmssd_ms:.1f} ms "
        f"(ln {reading.ln_rmssd:.2f}), SDNN {reading.sdnn_ms:.1f} ms, HR "
        f"{reading.mean_hr_bpm:.0f} bpm over {reading.duration_s:.0f} s, "
        f"{reading.corrected_pct:.1f} % corrected{battery}\n"
        f"{verdict}; {use}\n"
    )

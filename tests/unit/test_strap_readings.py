# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The strap-reading collaborator alone: a fake recorder, a fake queue, a real store."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from recoveryd.config.athletes import HrvStrapConfig
from recoveryd.config.loader import parse_config
from recoveryd.daemon.strap import StrapReadings
from recoveryd.domain.events import Event, ReadingDone
from recoveryd.domain.models import Night
from recoveryd.engine.hrv import analyse
from recoveryd.integrations.ble.hrm import Recording
from recoveryd.store.database import Store

NOW = datetime(2026, 3, 4, 6, 45, tzinfo=ZoneInfo("Europe/Berlin"))
RR = tuple(float(v) for v in np.round(1000 + 20 * np.sin(np.arange(180) / 2.0), 0))


async def test_a_good_reading_is_kept_once_and_none_taken_after_it(tmp_path: Path) -> None:
    config = parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [polar_h10],\n"
        "            hrv_strap: {device: 'Polar H10 1', source: polar_h10}}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    events: list[Event] = []
    spawned: list[tuple[Coroutine[Any, Any, None], str]] = []
    asked: list[str] = []

    async def recorder(strap: HrvStrapConfig) -> Recording:
        asked.append(strap.device)
        return Recording(RR, 180.0, 180.0, complete=True, battery_pct=80, problems=())

    with Store(config.storage.path) as store:
        readings = StrapReadings(
            config, store, record=recorder, put=events.append,
            spawn=lambda work, name: spawned.append((work, name)), now=lambda: NOW,
        )  # fmt: skip
        readings.measure("alex")
        readings.measure("alex")  # already recording: not twice
        assert [name for _, name in spawned] == ["reading alex"]
        await spawned[0][0]
        [done] = events
        assert isinstance(done, ReadingDone)
        assert (done.rr_ms, done.battery_pct, asked) == (RR, 80, ["Polar H10 1"])
        reading = readings.done(done)
        assert reading is not None
        expected = analyse(RR)
        assert (reading.good, reading.rmssd_ms) == (True, round(expected.metrics.rmssd_ms, 2))
        assert store.nights("alex", NOW.date(), NOW.date()) == [
            Night("alex", NOW.date(), "polar_h10", hrv_rmssd_ms=reading.rmssd_ms,
                  rhr_bpm=reading.mean_hr_bpm)
        ]  # fmt: skip
        readings.measure("alex")  # today's is good: no other
        assert len(spawned) == 1
        assert readings.done(ReadingDone("alex", error="strap out of range")) is None

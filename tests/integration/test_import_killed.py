# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A real ``recoveryd import`` killed (SIGKILL) while it writes loses nothing and half-writes
nothing: after every kill the store holds either the whole import, journal included, or
exactly what it held before; and a partly bad file imported over good data changes no good
value it lacks.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from recoveryd.domain.models import Night
from recoveryd.store.database import Store

pytestmark = pytest.mark.integration

RECOVERYD = Path(sys.executable).with_name("recoveryd")
KILLS = int(os.environ.get("RECOVERYD_IMPORT_KILLS", "6"))
SOURCES = ("oura", "whoop", "garmin", "polar_h10")
FIRST = date(2000, 1, 1)
DAYS = 5000


def nights_csv(path: Path, *, bump: float, partial: bool = False) -> Path:
    """One row per day and source; ``partial``: resting HR and sleep blank on every row."""
    lines = ["date,source,hrv_rmssd_ms,rhr_bpm,sleep_total_min"]
    for i in range(DAYS):
        day = FIRST + timedelta(days=i)
        for k, source in enumerate(SOURCES):
            rhr, sleep = ("", "") if partial else (f"{50 + (i + k) % 7}", f"{400 + i % 90}")
            lines.append(f"{day},{source},{40 + (i * 7 + k) % 50 + bump},{rhr},{sleep}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(db: Path) -> tuple[list[Night], list[int]]:
    with Store(db) as store:
        return (
            store.nights("alex", FIRST, FIRST + timedelta(days=DAYS)),
            [r.id for r in store.imports(limit=None)],
        )


def test_sigkill_during_an_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    config = tmp_path / "r.yaml"
    config.write_text(
        f"storage: {{path: {db}}}\n"
        f"athletes: [{{id: alex, name: Alex, sources: [{', '.join(SOURCES)}]}}]\n",
        encoding="utf-8",
    )
    command = [str(RECOVERYD), "import", "csv", "--athlete", "alex", "--config", str(config)]
    good = nights_csv(tmp_path / "good.csv", bump=0.0)
    started = time.monotonic()
    subprocess.run([*command, str(good)], check=True, capture_output=True)
    took = time.monotonic() - started
    before = snapshot(db)
    assert len(before[0]) == DAYS * len(SOURCES)
    newer = nights_csv(tmp_path / "newer.csv", bump=0.5, partial=True)
    rng = random.Random(11)
    outcomes = []
    for _ in range(KILLS):
        process = subprocess.Popen(
            [*command, str(newer)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.2, took))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = snapshot(db)
        if after == before:
            outcomes.append("nothing")
            continue
        # The whole import landed: one more journal entry, every night's HRV moved by 0.5,
        # no other value changed (the file's blank resting HR and sleep erased nothing).
        assert after[1] == [max(after[1]), *before[1]]
        assert len(after[0]) == len(before[0])
        for old, new in zip(before[0], after[0], strict=True):
            assert new.hrv_rmssd_ms == pytest.approx((old.hrv_rmssd_ms or 0) + 0.5)
            assert (new.rhr_bpm, new.sleep_total_min) == (old.rhr_bpm, old.sleep_total_min)
        outcomes.append("all")
        break
    # Whatever the kills did, the import completes afterwards and undo brings back the first.
    subprocess.run([*command, str(newer)], check=True, capture_output=True)
    with Store(db) as store:
        latest = store.imports(limit=1)[0]
        store.undo_import(latest.id)
        if outcomes[-1] == "all":  # the killed run had landed: undo that one too
            store.undo_import(store.imports(limit=2)[1].id)
    assert snapshot(db)[0] == before[0]

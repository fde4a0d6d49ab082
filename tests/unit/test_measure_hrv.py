# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning reading end to end, with a fake strap at the bleak boundary only.

The strap streams Heart Rate Measurement notifications built, byte by byte as the Bluetooth
specification lays them out, from a real NN series (MIT-BIH, as pyhrv ships it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bleak.backends.device import BLEDevice
from recoveryd.cli.measuring import measure_hrv
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.engine.hrv import analyse
from recoveryd.integrations.ble.heart_rate import BATTERY_LEVEL_UUID, UUID
from recoveryd.store.database import Store

from tests.unit.test_hrv import mit_bih

STRAP = BLEDevice("A0:9E:1A:12:34:56", "Polar H10 1234ABCD", None)


def notification(rr_ms: list[float]) -> bytes:
    """Flags 0x16: uint8 heart rate, sensor contact detected, RR intervals in 1/1024 s."""
    ticks = [round(ms * 1.024) for ms in rr_ms]
    rate = round(60_000 / (sum(rr_ms) / len(rr_ms)))
    return bytes([0x16, rate]) + b"".join(t.to_bytes(2, "little") for t in ticks)


class FakeStrap:
    """The bleak client of a chest strap: battery, then notifications, maybe a disconnect."""

    def __init__(
        self,
        rr_ms: list[float],
        *,
        disconnect_after_s: float | None = None,
        garbage_every: int | None = None,
    ) -> None:
        self._rr = rr_ms
        self._cut = disconnect_after_s
        self._garbage_every = garbage_every
        self._task: asyncio.Task[None] | None = None
        self.on_disconnect: Callable[[], None] = lambda: None
        self.disconnected = False

    async def read_gatt_char(self, char_specifier: str) -> bytearray:
        assert char_specifier == BATTERY_LEVEL_UUID
        return bytearray(b"\x57")  # 87 %

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None]
    ) -> None:
        assert char_specifier == UUID

        async def stream() -> None:
            sent = 0.0
            for at in range(0, len(self._rr), 2):  # two intervals per notification
                pair = self._rr[at : at + 2]
                if self._cut is not None and sent >= self._cut:
                    self.on_disconnect()
                    return
                if self._garbage_every and (at // 2) % self._garbage_every == 0:
                    callback(None, bytearray(b"\x11\x48\x00"))  # uint16 rate cut short
                callback(None, bytearray(notification(pair)))
                sent += sum(pair) / 1000
                await asyncio.sleep(0)

        self._task = asyncio.create_task(stream())

    async def disconnect(self) -> None:
        self.disconnected = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def config(tmp_path: Path) -> Config:
    return parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes:\n"
        "  - id: alex\n"
        "    name: Alex\n"
        "    sources: [oura, polar_h10]\n"
        "    hrv_strap: {device: Polar H10 1234ABCD, source: polar_h10, minutes: 1,"
        " settle_s: 10}\n",
        label="r.yaml",
        base_dir=tmp_path,
    )


def run(cfg: Config, strap: FakeStrap, finder: Any = None) -> int:
    async def find(name: str) -> BLEDevice | None:
        return STRAP if name == STRAP.name else None

    async def connect(device: BLEDevice, on_disconnect: Callable[[], None]) -> FakeStrap:
        assert device is STRAP
        strap.on_disconnect = on_disconnect
        return strap

    athlete = cfg.athlete("alex")
    return measure_hrv(cfg, athlete, "Polar H10 1234ABCD", 1.0, as_json=True,
                       finder=finder or find, connector=connect)  # fmt: skip


def expected_rr(series: list[float], settle_s: float, length_s: float) -> list[float]:
    """What the strap's 1/1024 s resolution leaves of the series after the settle period."""
    quantised = [round(ms * 1.024) / 1.024 for ms in series]
    settled, kept, elapsed = 0.0, [], 0.0
    for rr in quantised:
        if settled < settle_s:
            settled += rr / 1000
        elif elapsed < length_s:
            kept.append(rr)
            elapsed += rr / 1000
    return kept


def test_a_full_reading_is_cleaned_judged_and_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    series = [float(v) for v in mit_bih("Long")[:400]]
    cfg = config(tmp_path)
    strap = FakeStrap(series)
    assert run(cfg, strap) == 0
    printed = json.loads(capsys.readouterr().out)
    truth = analyse(expected_rr(series, 10, 60)).metrics
    assert printed["rmssd_ms"] == pytest.approx(truth.rmssd_ms, abs=0.01)
    assert (printed["good"], printed["complete"], printed["battery_pct"]) == (True, True, 87)
    assert strap.disconnected
    with Store(cfg.storage.path) as store:
        [reading] = store.morning_readings("alex", printed_date(printed), printed_date(printed))
        [night] = store.nights("alex", reading.date, reading.date)
    assert (night.source, night.hrv_rmssd_ms, night.rhr_bpm) == (
        "polar_h10", reading.rmssd_ms, reading.mean_hr_bpm,
    )  # fmt: skip
    assert math.isclose(reading.duration_s, 60, abs_tol=2)


def test_a_disconnect_keeps_what_was_recorded_marked_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    series = [float(v) for v in mit_bih("Long")[:400]]
    cfg = config(tmp_path)
    assert run(cfg, FakeStrap(series, disconnect_after_s=40)) == 1
    printed = json.loads(capsys.readouterr().out)
    assert (printed["good"], printed["complete"]) == (False, False)
    assert "the strap disconnected during the reading" in printed["quality"]
    assert any(q.startswith("short: 30 s of the 60 s asked for") for q in printed["quality"])
    with Store(cfg.storage.path) as store:
        day = printed_date(printed)
        assert len(store.morning_readings("alex", day, day)) == 1
        assert store.nights("alex", day, day) == []  # a short reading moves no baseline


def test_notifications_that_break_the_specification_are_counted_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    series = [float(v) for v in mit_bih("Long")[:400]]
    cfg = config(tmp_path)
    assert run(cfg, FakeStrap(series, garbage_every=20)) == 0
    printed = json.loads(capsys.readouterr().out)
    truth = analyse(expected_rr(series, 10, 60)).metrics
    assert printed["rmssd_ms"] == pytest.approx(truth.rmssd_ms, abs=0.01)  # nothing of them kept
    [problem] = printed["quality"]
    assert problem.endswith("notifications were not valid Heart Rate Measurements")
    assert int(problem.split()[0]) >= 3


def test_no_bluetooth_is_one_line_and_nothing_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_dbus(_: str) -> BLEDevice | None:
        raise FileNotFoundError(2, "No such file or directory")

    cfg = config(tmp_path)
    assert run(cfg, FakeStrap([]), finder=no_dbus) == 1
    assert capsys.readouterr().err == (
        "measure-hrv: heart rate strap 'Polar H10 1234ABCD': [Errno 2] No such file or directory\n"
    )
    with Store(cfg.storage.path) as store:
        assert store.morning_readings("alex", STRAP_DAY_MIN, STRAP_DAY_MAX) == []


def printed_date(printed: dict[str, Any]) -> Any:
    from datetime import date  # noqa: PLC0415

    return date.fromisoformat(printed["date"])


STRAP_DAY_MIN = printed_date({"date": "2000-01-01"})
STRAP_DAY_MAX = printed_date({"date": "2100-01-01"})


def test_the_command_line_refuses_what_cannot_be_measured(
    cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    path = cli_config("athletes: [{id: alex, name: Alex, sources: [oura]}]\n")
    assert main(["measure-hrv", "--athlete", "alex"]) == 2
    assert capsys.readouterr().err == (
        "measure-hrv: alex has no hrv_strap in the configuration; give --device\n"
    )
    assert main(["measure-hrv", "--athlete", "alex", "--device", "H10", "--minutes", "9"]) == 2
    assert capsys.readouterr().err == "measure-hrv: --minutes must be between 1 and 5, got 9\n"
    path.write_text(
        "athletes: [{id: alex, name: Alex, sources: [oura], hrv_strap: {device: H10}}]\n",
        encoding="utf-8",
    )
    assert main(["check-config", str(path)]) == 2
    assert capsys.readouterr().err == (
        "r.yaml: athletes[0]: hrv_strap.source 'chest_strap' is not among sources; add it "
        "there, in its order of preference\n"
    )

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Fuel hints against the cited tables; the body weight from a Bluetooth scale, a fake bleak."""

from __future__ import annotations

import struct
from collections.abc import Callable, Coroutine
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bleak.backends.device import BLEDevice
from recoveryd.config.coach import ScaleConfig
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon.coaching import coached
from recoveryd.daemon.day_state import apply_command
from recoveryd.daemon.scale import ScaleReadings
from recoveryd.domain.columns import NightColumns
from recoveryd.domain.commands import CommandError, SetWeighIn, parse_command
from recoveryd.domain.events import Event, WeighingDone
from recoveryd.domain.models import DayPlan, HrvStatus, Night, Protocol, Readiness
from recoveryd.domain.training import Session
from recoveryd.engine.fuel import carb_band, fuel_hints, measured_weight
from recoveryd.integrations.ble.scale import KG_PER_LB, ScaleError, Weighing, weigh
from recoveryd.store.database import Store

ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 4)


def session(minutes: int, intensity: str) -> Session:
    return Session("s", "run", minutes, intensity)


@pytest.mark.parametrize(
    ("planned", "band", "g_per_kg"),
    [
        # Thomas, Erdman & Burke 2016: light 3-5, moderate (~1 h) 5-7, high (1-3 h) 6-10,
        # very high (>4-5 h) 8-12 g/kg/day.
        (None, "light", (3, 5)),
        (session(45, "easy"), "light", (3, 5)),
        (session(150, "easy"), "moderate", (5, 7)),
        (session(60, "hard"), "moderate", (5, 7)),
        (session(90, "moderate"), "high", (6, 10)),
        (session(180, "hard"), "high", (6, 10)),
        (session(270, "moderate"), "very high", (8, 12)),
    ],
)
def test_carbohydrate_follows_the_days_load_band(
    planned: Session | None, band: str, g_per_kg: tuple[int, int]
) -> None:
    assert carb_band(planned) == band
    fuel = fuel_hints((70.0, "scale"), planned)
    assert fuel.carbs_g == (70 * g_per_kg[0], 70 * g_per_kg[1])


def test_protein_fluid_and_caffeine_follow_the_position_stands() -> None:
    lights_out = datetime(2026, 3, 4, 22, 30, tzinfo=ZONE)
    fuel = fuel_hints((80.0, "configuration"), None, lights_out=lights_out, weigh_ins=(81.2, 80.0))
    assert fuel.protein_g == (112.0, 160.0)  # 1.4-2.0 g/kg/day (Jäger et al. 2017)
    assert fuel.protein_dose_g == 20  # 0.25 g/kg a dose
    assert fuel.fluid_loss_kg == 1.2
    assert fuel.fluid_l == (1.5, 1.8)  # 1.25-1.5 L per kg lost (Sawka et al. 2007)
    assert fuel.caffeine_cutoff == datetime(2026, 3, 4, 16, 30, tzinfo=ZONE)  # 6 h before
    lines = fuel.describe()
    assert any("Jäger et al. 2017" in line for line in lines)
    assert any("Drink 1.5-1.8 L" in line for line in lines)
    # Weighing more after than before, or a loss too large to be sweat: no fluid hint.
    assert fuel_hints((80.0, "c"), None, weigh_ins=(80.0, 80.3)).fluid_l is None
    assert fuel_hints((80.0, "c"), None, weigh_ins=(86.0, 80.0)).fluid_l is None
    assert fuel_hints((80.0, "c"), None).caffeine_cutoff is None  # no bedtime known


def test_the_weight_is_the_latest_measured_in_14_days_from_any_source() -> None:
    nights = NightColumns.of([
        Night("alex", DAY - timedelta(days=20), "scale", body_weight_kg=70.0),
        Night("alex", DAY - timedelta(days=3), "oura", hrv_rmssd_ms=60.0),
        Night("alex", DAY - timedelta(days=2), "scale", body_weight_kg=68.4),
        Night("alex", DAY - timedelta(days=1), "ha_scale", body_weight_kg=400.0),  # implausible
        Night("alex", DAY + timedelta(days=1), "scale", body_weight_kg=60.0),  # after the day
    ])  # fmt: skip
    assert measured_weight(nights, DAY) == (68.4, f"scale {DAY - timedelta(days=2)}")
    assert measured_weight(nights, DAY - timedelta(days=5)) is None  # 15 days back: too old


def config_for(tmp_path: Path, fuel: str) -> Config:
    return parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "household: {timezone: Europe/Berlin}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura],\n"
        f"            sleep: {{wake_at: '06:30'}}, fuel: {fuel}}}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip


def readiness() -> Readiness:
    return Readiness(
        score=60, confidence=1.0, hrv_status=HrvStatus.WITHIN, acute_hrv_drop=False,
        illness=False, flags=(), contributors=(), hrv_valid_days=60, hrv_source="oura",
    )  # fmt: skip


def test_fuel_comes_from_the_configured_weight_the_weigh_ins_and_can_be_off(tmp_path: Path) -> None:
    from recoveryd.domain.coach import SleepNeed  # noqa: PLC0415

    plan = DayPlan("alex", DAY, Protocol.AS_PLANNED, readiness(), (), None,
                   session(90, "hard"), sleep=SleepNeed(480, 480, 20, 0, 0, 0))  # fmt: skip
    empty = NightColumns.of([])
    config = config_for(tmp_path, "{body_weight_kg: 60}")
    controls = {DAY: {"weight_before": "60.5", "weight_after": "59.7"}}
    [found] = coached([plan], config, config.athlete("alex"), empty, controls)
    assert found.fuel is not None
    assert (found.fuel.weight_kg, found.fuel.weight_source) == (60.0, "configuration")
    assert found.fuel.carbs_g == (360.0, 600.0)  # high day: 6-10 g/kg
    assert found.fuel.fluid_l == (1.0, 1.2)  # 0.8 kg lost
    # 06:30 less 8 h and 15 min to fall asleep: lights out 22:15, no caffeine after 16:15.
    assert found.fuel.caffeine_cutoff == datetime.combine(DAY, time(16, 15), tzinfo=ZONE)
    for off in (config_for(tmp_path, "{enabled: false, body_weight_kg: 60}"),
                config_for(tmp_path, "false")):  # fmt: skip
        [plain] = coached([plan], off, off.athlete("alex"), empty, controls)
        assert plain.fuel is None
    unknown = config_for(tmp_path, "{}")
    [unweighed] = coached([plan], unknown, unknown.athlete("alex"), empty, {})
    assert unweighed.fuel is None  # no weight anywhere: no hints rather than guessed ones


def test_weigh_ins_are_checked_commands_and_inputs_of_the_day(tmp_path: Path) -> None:
    assert parse_command("alex", "weight_before", b"72.4") == SetWeighIn(
        "alex", "weight_before", 72.4
    )
    with pytest.raises(CommandError, match="weight_after: expected a number from 20 to 350"):
        parse_command("alex", "weight_after", b"700")
    now = datetime.combine(DAY, time(18, 0), tzinfo=ZONE)
    with Store(tmp_path / "r.db") as store:
        first = apply_command(store, SetWeighIn("alex", "weight_before", 72.4), now)
        assert (first.summary, first.redecide) == ("weight before training 72.4 kg", True)
        again = apply_command(store, SetWeighIn("alex", "weight_before", 72.4), now)
        assert again.redecide is False
        assert store.day_controls("alex", DAY) == {"weight_before": "72.4"}


def measurement(
    kg: float, *, lb: bool = False, when: datetime | None = None, user: int | None = None
) -> bytes:
    """A Weight Measurement value (0x2A9D) as a scale indicates it."""
    flags = (0x01 if lb else 0) | (0x02 if when else 0) | (0x04 if user is not None else 0)
    raw = round(kg / (0.01 if lb else 0.005))
    data = bytes([flags]) + raw.to_bytes(2, "little")
    if when is not None:
        data += struct.pack("<HBBBBB", when.year, when.month, when.day, when.hour, when.minute,
                            when.second)  # fmt: skip
    if user is not None:
        data += bytes([user])
    return data


SCALE = BLEDevice("C8:47:8C:00:11:22", "MI SCALE2", None)


class FakeScale:
    """The bleak client of a scale: it indicates what it holds as soon as subscribed."""

    def __init__(self, values: list[bytes]) -> None:
        self.values, self.disconnected = values, False

    async def start_notify(self, _: str, callback: Callable[[Any, bytearray], None]) -> None:
        for value in self.values:
            callback(None, bytearray(value))

    async def disconnect(self) -> None:
        self.disconnected = True


async def read(values: list[bytes] | None, *, user_id: int | None = None) -> Weighing:
    scale = FakeScale(values or [])

    async def find(_: str, timeout_s: float) -> BLEDevice | None:
        assert timeout_s == 600.0
        return None if values is None else SCALE

    async def connect(_: BLEDevice) -> FakeScale:
        return scale

    try:
        return await weigh("MI SCALE2", listen_s=600.0, user_id=user_id, wait_s=0.05,
                           quiet_s=0.01, finder=find, connector=connect)  # fmt: skip
    finally:
        assert scale.disconnected or values is None


async def test_the_scale_gives_its_newest_valid_weight_in_kg() -> None:
    # A scale's clock keeps local time without a zone, as the GATT Date Time has none.
    old = datetime(2026, 3, 3, 7, 0)  # noqa: DTZ001
    new = datetime(2026, 3, 4, 6, 50)  # noqa: DTZ001
    weighed = await read([measurement(71.0, when=new), measurement(72.5, when=old),
                          bytes.fromhex("00ffff"), b"\x02"])  # fmt: skip
    assert weighed.kg == 71.0  # the newest by its time stamp, though sent first
    assert weighed.measurements == 4
    assert "the scale marked a measurement failed" in weighed.problems
    assert any("weight measurement" in p for p in weighed.problems)  # the malformed one
    pounds = await read([measurement(160.0, lb=True)])
    assert pounds.kg == round(160.0 * KG_PER_LB, 2)
    mine = await read([measurement(70.2, user=1), measurement(55.0, user=2)], user_id=1)
    assert mine.kg == 70.2
    with pytest.raises(ScaleError, match="not seen in 10 min; step on it"):
        await read(None)
    with pytest.raises(ScaleError, match="sent no valid weight"):
        await read([bytes.fromhex("00ffff")])


async def test_the_daemon_stores_the_scales_weight_once_a_day(tmp_path: Path) -> None:
    config = config_for(tmp_path, "{scale: {device: MI SCALE2, source: scale, listen_min: 5}}")
    now = datetime.combine(DAY, time(6, 45), tzinfo=ZONE)
    events: list[Event] = []
    spawned: list[tuple[Coroutine[Any, Any, None], str]] = []
    asked: list[ScaleConfig] = []

    async def reader(scale: ScaleConfig) -> Weighing:
        asked.append(scale)
        return Weighing(70.4, 1, ())

    with Store(config.storage.path) as store:
        store.upsert([Night("alex", DAY, "oura", hrv_rmssd_ms=61.0)])
        scales = ScaleReadings(config, store, read=reader, put=events.append,
                               spawn=lambda work, name: spawned.append((work, name)),
                               now=lambda: now)  # fmt: skip
        scales.weigh("alex")
        scales.weigh("alex")  # already listening: not twice
        assert [name for _, name in spawned] == ["scale alex"]
        await spawned[0][0]
        [done] = events
        assert done == WeighingDone("alex", 70.4, ())
        assert scales.done(done) is True
        nights = {n.source: n for n in store.nights("alex", DAY, DAY)}
        assert nights["scale"].body_weight_kg == 70.4
        assert nights["oura"].hrv_rmssd_ms == 61.0  # nothing else of the morning touched
        scales.weigh("alex")  # today's weight is in: no more listening
        assert len(spawned) == 1
        assert scales.done(WeighingDone("alex", 900.0)) is False  # implausible: not stored
        assert scales.done(WeighingDone("alex", error="scale not seen")) is False
        assert store.nights("alex", DAY, DAY) == sorted(nights.values(), key=lambda n: n.source)

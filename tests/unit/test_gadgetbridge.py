# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Gadgetbridge database exports with the tables greenDAO generates from GBDaoGenerator."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recoveryd.integrations.wearables.gadgetbridge import (
    SOURCE,
    GadgetbridgeError,
    import_database,
    parse_database,
)
from recoveryd.store.database import Store

from tests.conftest import fuzz_examples

BERLIN = ZoneInfo("Europe/Berlin")
MORNING = date(2026, 3, 4)
BEDTIME = datetime(2026, 3, 3, 22, 0, tzinfo=UTC)  # 23:00 in Berlin

# As greenDAO writes them: time samples keyed by (TIMESTAMP in ms, DEVICE_ID).
_TIME_SAMPLE = (
    '"TIMESTAMP" INTEGER NOT NULL ,"DEVICE_ID" INTEGER NOT NULL ,"USER_ID" INTEGER NOT NULL'
)
SCHEMA = f"""
CREATE TABLE "DEVICE" ("_id" INTEGER PRIMARY KEY AUTOINCREMENT ,"NAME" TEXT NOT NULL ,
  "MANUFACTURER" TEXT NOT NULL ,"IDENTIFIER" TEXT NOT NULL UNIQUE ,"TYPE" INTEGER NOT NULL ,
  "TYPE_NAME" TEXT NOT NULL ,"MODEL" TEXT,"ALIAS" TEXT,"PARENT_FOLDER" TEXT);
CREATE TABLE "GARMIN_SLEEP_STAGE_SAMPLE" ({_TIME_SAMPLE} ,"STAGE" INTEGER NOT NULL ,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
CREATE TABLE "GARMIN_EVENT_SAMPLE" ({_TIME_SAMPLE} ,"EVENT" INTEGER NOT NULL ,
  "EVENT_TYPE" INTEGER,"DATA" INTEGER,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID" ,"EVENT") ON CONFLICT REPLACE);
CREATE TABLE "GARMIN_HRV_SUMMARY_SAMPLE" ({_TIME_SAMPLE} ,"WEEKLY_AVERAGE" INTEGER,
  "LAST_NIGHT_AVERAGE" INTEGER,"LAST_NIGHT5_MIN_HIGH" INTEGER,"BASELINE_LOW_UPPER" INTEGER,
  "BASELINE_BALANCED_LOWER" INTEGER,"BASELINE_BALANCED_UPPER" INTEGER,"STATUS_NUM" INTEGER,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
CREATE TABLE "GARMIN_HRV_VALUE_SAMPLE" ({_TIME_SAMPLE} ,"VALUE" INTEGER NOT NULL ,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
CREATE TABLE "GARMIN_HEART_RATE_RESTING_SAMPLE" ({_TIME_SAMPLE} ,"HEART_RATE" INTEGER NOT NULL ,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
CREATE TABLE "GARMIN_RESPIRATORY_RATE_SAMPLE" ({_TIME_SAMPLE} ,"RESPIRATORY_RATE" REAL NOT NULL ,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
CREATE TABLE "MI_BAND_ACTIVITY_SAMPLE" ("TIMESTAMP" INTEGER NOT NULL ,"DEVICE_ID" INTEGER NOT NULL ,
  "USER_ID" INTEGER NOT NULL ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,
  "RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,
  PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID") ON CONFLICT REPLACE);
"""


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def database(path: Path, *, devices: int = 1) -> Path:
    """One night of a Forerunner (device 1): stages, HRV status, resting HR, breathing."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    for device in range(1, devices + 1):
        db.execute(
            'INSERT INTO "DEVICE" VALUES (?, ?, "Garmin", ?, 0, "GARMIN_FORERUNNER_965", '
            "NULL, NULL, NULL)",
            (device, f"Forerunner {device}", f"AA:BB:CC:DD:EE:0{device}"),
        )
    at = BEDTIME
    db.execute('INSERT INTO "GARMIN_EVENT_SAMPLE" VALUES (?, 1, 1, 74, 0, -1)', (ms(at),))
    for minutes, stage in [(90, 2), (60, 3), (30, 4), (10, 1), (120, 2), (40, 4), (80, 2)]:
        at += timedelta(minutes=minutes)
        db.execute('INSERT INTO "GARMIN_SLEEP_STAGE_SAMPLE" VALUES (?, 1, 1, ?)', (ms(at), stage))
    db.execute('INSERT INTO "GARMIN_EVENT_SAMPLE" VALUES (?, 1, 1, 74, 1, -1)', (ms(at),))
    db.execute(
        'INSERT INTO "GARMIN_HRV_SUMMARY_SAMPLE" VALUES (?, 1, 1, 70, 63, 80, 50, 55, 75, 4)',
        (ms(at + timedelta(minutes=5)),),
    )
    midnight = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)  # midnight in Berlin
    db.execute(
        'INSERT INTO "GARMIN_HEART_RATE_RESTING_SAMPLE" VALUES (?, 1, 1, 46)', (ms(midnight),)
    )
    for hours, rate in [(2, 13.5), (4, 14.5), (-3, 20.0)]:  # the evening's is not the night's
        db.execute(
            'INSERT INTO "GARMIN_RESPIRATORY_RATE_SAMPLE" VALUES (?, 1, 1, ?)',
            (ms(BEDTIME + timedelta(hours=hours)), rate),
        )
    db.execute('INSERT INTO "MI_BAND_ACTIVITY_SAMPLE" VALUES (?, 1, 1, 10, 0, 112, 55)', (1,))
    db.commit()
    db.close()
    return path


def test_a_garmin_night_from_the_database(tmp_path: Path) -> None:
    parsed = parse_database(database(tmp_path / "Gadgetbridge.db"), "alex", BERLIN)
    assert parsed.errors == ()
    assert parsed.device == "Forerunner 1"
    (night,) = parsed.nights
    assert (night.date, night.source) == (MORNING, SOURCE)
    assert (night.sleep_light_min, night.sleep_deep_min, night.sleep_rem_min) == (290, 60, 70)
    assert (night.sleep_awake_min, night.sleep_total_min) == (10, 420)
    assert (night.hrv_rmssd_ms, night.rhr_bpm, night.resp_rate) == (63, 46, 14.0)


def test_import_is_idempotent_and_never_writes_the_export(tmp_path: Path) -> None:
    path = database(tmp_path / "Gadgetbridge.db")
    before = path.read_bytes()
    seen: list[tuple[int, int]] = []
    with Store(tmp_path / "r.db") as store:
        _, changed = import_database(
            store, path, "alex", BERLIN, progress=lambda *p: seen.append(p)
        )
        _, again = import_database(store, path, "alex", BERLIN)
        (stored,) = store.nights("alex", MORNING, MORNING)
    assert (changed.touched, again.touched) == (1, 0)
    assert stored.hrv_rmssd_ms == 63
    assert seen[-1] == (14, 14)  # the device's rows in the tables read
    assert path.read_bytes() == before


def test_several_devices_need_a_choice(tmp_path: Path) -> None:
    path = database(tmp_path / "Gadgetbridge.db", devices=2)
    with sqlite3.connect(path) as db:
        db.execute(
            'INSERT INTO "GARMIN_HEART_RATE_RESTING_SAMPLE" VALUES (?, 2, 1, 61)', (ms(BEDTIME),)
        )
    with pytest.raises(GadgetbridgeError) as refused:
        parse_database(path, "alex", BERLIN)
    assert str(refused.value) == (
        "Gadgetbridge.db: nights of several devices (Forerunner 1, Forerunner 2); "
        "choose one with --device"
    )
    (night,) = parse_database(path, "alex", BERLIN, device="Forerunner 1").nights
    assert night.rhr_bpm == 46
    with pytest.raises(GadgetbridgeError, match="no device named 'Fenix'; devices: Forerunner 1"):
        parse_database(path, "alex", BERLIN, device="Fenix")


def test_bad_rows_are_one_line_each(tmp_path: Path) -> None:
    path = database(tmp_path / "Gadgetbridge.db")
    with sqlite3.connect(path) as db:
        db.execute(
            'INSERT INTO "GARMIN_SLEEP_STAGE_SAMPLE" VALUES (?, 1, 1, 9)', (ms(BEDTIME) + 1,)
        )
        db.execute(
            'INSERT INTO "GARMIN_HEART_RATE_RESTING_SAMPLE" VALUES (?, 1, 1, ?)',
            (ms(BEDTIME + timedelta(days=1)), "fast"),
        )
        db.execute(
            'INSERT INTO "GARMIN_HRV_SUMMARY_SAMPLE" VALUES (?, 1, 1, 70, 900, 80, 50, 55, 75, 4)',
            (ms(BEDTIME + timedelta(days=1, hours=8)),),
        )
    parsed = parse_database(path, "alex", BERLIN)
    assert parsed.errors == (
        f"Gadgetbridge.db: GARMIN_SLEEP_STAGE_SAMPLE at TIMESTAMP {ms(BEDTIME) + 1}: "
        "STAGE 9 is not a sleep level 0-4",
        "Gadgetbridge.db: GARMIN_HEART_RATE_RESTING_SAMPLE at TIMESTAMP "
        f"{ms(BEDTIME + timedelta(days=1))}: HEART_RATE 'fast' is not a number",
        "gadgetbridge: night 2026-03-05: hrv_rmssd_ms 900 is outside 3-300; left out",
    )
    assert [n.date for n in parsed.nights] == [MORNING]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"SQLite format 3\x00" + b"\x00" * 84, "Gadgetbridge.db: not an SQLite database"),
        (b"just some text", "Gadgetbridge.db: not an SQLite database"),
        (None, "Gadgetbridge.db: not a Gadgetbridge database (no DEVICE table)"),
    ],
)
def test_other_files_are_refused_in_one_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "Gadgetbridge.db"
    if content is None:
        sqlite3.connect(path).close()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
    else:
        path.write_bytes(content)
    with pytest.raises(GadgetbridgeError) as refused:
        parse_database(path, "alex", BERLIN)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_a_truncated_database_is_refused(tmp_path: Path) -> None:
    path = database(tmp_path / "Gadgetbridge.db")
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(GadgetbridgeError) as refused:
        parse_database(path, "alex", BERLIN)
    assert str(refused.value).startswith("Gadgetbridge.db: ")
    assert "\n" not in str(refused.value)


def test_gadgetbridge_command(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config(
        "household: {timezone: Europe/Berlin}\n"
        "athletes: [{id: alex, name: Alex, sources: [gadgetbridge]}]\n"
    )
    path = database(tmp_path / "Gadgetbridge.db")
    assert main(["import", "gadgetbridge", str(path), "--athlete", "alex"]) == 0
    assert capsys.readouterr().out == (
        "Gadgetbridge.db: Forerunner 1: 14 rows, 1 nights as source gadgetbridge, "
        "1 new or changed, 0 rejected (import 1)\n"
    )
    assert main(["import", "gadgetbridge", str(tmp_path / "x.db"), "--athlete", "alex"]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'x.db'}: no such file\n"


@pytest.mark.fuzz
@settings(
    max_examples=fuzz_examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_damaged_databases_are_refused_or_read_never_raise(
    tmp_path: Path, data: st.DataObject
) -> None:
    good = tmp_path / "good.db"
    if not good.exists():
        database(good)
    damaged = bytearray(good.read_bytes())
    for _ in range(data.draw(st.integers(1, 16))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "Gadgetbridge.db"
    path.write_bytes(bytes(damaged))
    lines: tuple[str, ...]
    try:
        lines = parse_database(path, "alex", BERLIN).errors
    except GadgetbridgeError as refused:
        lines = (str(refused),)
    assert all("\n" not in line for line in lines)

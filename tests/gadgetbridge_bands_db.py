# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Gadgetbridge exports of Huami, Zepp OS and Xiaomi bands, written as Gadgetbridge does.

The tables are greenDAO's, as ``GBDaoGenerator.java`` defines them (0.83.0; the sleep session
and generic HRV tables as on master, 0.85.0 on): quoted upper-case names, ``(TIMESTAMP,
DEVICE_ID)`` keys, per-minute tables stamped in seconds and the others in milliseconds. Each
night follows a plan of stages; the expected minutes are counted from the plan.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

_KEY = '"TIMESTAMP" INTEGER  NOT NULL ,"DEVICE_ID" INTEGER  NOT NULL ,"USER_ID" INTEGER NOT NULL'
_PK = 'PRIMARY KEY ("TIMESTAMP" ,"DEVICE_ID" ) ON CONFLICT REPLACE) WITHOUT ROWID'
SCHEMA = f"""
CREATE TABLE "USER" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,"BIRTHDAY" INTEGER NOT NULL ,"GENDER" INTEGER NOT NULL );
CREATE TABLE "DEVICE" ("_id" INTEGER PRIMARY KEY ,"NAME" TEXT NOT NULL ,"MANUFACTURER" TEXT NOT NULL ,"IDENTIFIER" TEXT NOT NULL UNIQUE ,"TYPE" INTEGER NOT NULL ,"TYPE_NAME" TEXT NOT NULL ,"MODEL" TEXT,"ALIAS" TEXT,"PARENT_FOLDER" TEXT);
CREATE TABLE "MI_BAND_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,"RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,{_PK};
CREATE TABLE "HUAMI_EXTENDED_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,"RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,"UNKNOWN1" INTEGER,"SLEEP" INTEGER,"DEEP_SLEEP" INTEGER,"REM_SLEEP" INTEGER,{_PK};
CREATE TABLE "HUAMI_SLEEP_SESSION_SAMPLE" ({_KEY} ,"DATA" BLOB,{_PK};
CREATE TABLE "HUAMI_HEART_RATE_RESTING_SAMPLE" ({_KEY} ,"UTC_OFFSET" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,{_PK};
CREATE TABLE "HUAMI_SPO2_SAMPLE" ({_KEY} ,"TYPE_NUM" INTEGER NOT NULL ,"SPO2" INTEGER NOT NULL ,{_PK};
CREATE TABLE "HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE" ({_KEY} ,"UTC_OFFSET" INTEGER NOT NULL ,"RATE" INTEGER NOT NULL ,{_PK};
CREATE TABLE "GENERIC_HRV_VALUE_SAMPLE" ({_KEY} ,"VALUE" INTEGER NOT NULL ,{_PK};
CREATE TABLE "XIAOMI_ACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,"RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,"STRESS" INTEGER,"SPO2" INTEGER,{_PK};
CREATE TABLE "XIAOMI_SLEEP_TIME_SAMPLE" ({_KEY} ,"WAKEUP_TIME" INTEGER,"IS_AWAKE" INTEGER,"TOTAL_DURATION" INTEGER,"DEEP_SLEEP_DURATION" INTEGER,"LIGHT_SLEEP_DURATION" INTEGER,"REM_SLEEP_DURATION" INTEGER,"AWAKE_DURATION" INTEGER,{_PK};
CREATE TABLE "XIAOMI_SLEEP_STAGE_SAMPLE" ({_KEY} ,"STAGE" INTEGER,{_PK};
CREATE TABLE "XIAOMI_DAILY_SUMMARY_SAMPLE" ({_KEY} ,"TIMEZONE" INTEGER,"STEPS" INTEGER,"HR_RESTING" INTEGER,"HR_MAX" INTEGER,"HR_MAX_TS" INTEGER,"HR_MIN" INTEGER,"HR_MIN_TS" INTEGER,"HR_AVG" INTEGER,{_PK};
CREATE TABLE "HEART_PULSE_SAMPLE" ({_KEY} ,{_PK};
CREATE TABLE "BANGLE_JSACTIVITY_SAMPLE" ({_KEY} ,"RAW_INTENSITY" INTEGER NOT NULL ,"STEPS" INTEGER NOT NULL ,"RAW_KIND" INTEGER NOT NULL ,"HEART_RATE" INTEGER NOT NULL ,{_PK};
"""  # noqa: E501 - greenDAO's DDL, one table a line

BERLIN = ZoneInfo("Europe/Berlin")
# One night: (stage, minutes). "awake" is lying awake in bed (no steps).
PLAN: tuple[tuple[str, int], ...] = (
    ("light", 40), ("deep", 50), ("light", 30), ("rem", 25), ("awake", 8), ("light", 60),
    ("deep", 30), ("rem", 35), ("light", 45), ("awake", 5), ("rem", 20), ("light", 30),
)  # fmt: skip
BEDTIME = time(23, 0)


@dataclass(frozen=True, slots=True)
class Minute:
    """One planned minute (UTC epoch seconds) and its stage (or active / nap)."""

    at: int
    stage: str


def minutes(wake_dates: Sequence[date], *, nap: bool = False) -> list[Minute]:
    """Active evening (steps), the planned night, an active morning; an afternoon nap."""
    out: list[Minute] = []
    for day in wake_dates:
        bed = datetime.combine(day - timedelta(days=1), BEDTIME, BERLIN)
        start = int(bed.timestamp())
        t = start - 60 * 60
        while t < start:
            out.append(Minute(t, "active"))
            t += 60
        for stage, length in PLAN:
            for _ in range(length):
                out.append(Minute(t, stage))
                t += 60
        for _ in range(60):
            out.append(Minute(t, "active"))
            t += 60
        if nap:  # 14:00-14:40 asleep: a nap, not a night
            t = int(datetime.combine(day, time(14, 0), BERLIN).timestamp())
            out += [Minute(t + 60 * k, "light") for k in range(40)]
    return out


def expected(*, rem: bool = True) -> dict[str, float | None]:
    """The minutes one planned night must give."""
    count = {s: float(sum(m for k, m in PLAN if k == s)) for s in ("light", "deep", "rem", "awake")}
    light = count["light"] + (0.0 if rem else count["rem"])
    return {
        "sleep_light_min": light,
        "sleep_deep_min": count["deep"],
        "sleep_rem_min": count["rem"] if rem else None,
        "sleep_awake_min": count["awake"],
        "sleep_total_min": count["light"] + count["deep"] + count["rem"],
    }


def heart_rate(k: int, stage: str) -> int:
    """A plausible minute heart rate; 255 (not measured) on every ninth minute asleep."""
    if stage != "active" and k % 9 == 0:
        return 255
    return {"deep": 50, "light": 56, "rem": 60, "awake": 66}.get(stage, 90)


@contextmanager
def create(path: Path, devices: Sequence[tuple[str, str, int]]) -> Iterator[sqlite3.Connection]:
    """A database with the schema and ``devices`` (name, TYPE_NAME, TYPE), ids from 1."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute("""INSERT INTO "USER" VALUES (1, 'Alex', 0, 1)""")
    for ident, (name, type_name, number) in enumerate(devices, start=1):
        db.execute(
            'INSERT INTO "DEVICE" VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL)',
            (ident, name, "Xiaomi", f"C8:0F:10:AA:BB:{ident:02X}", number, type_name),
        )
    try:
        yield db
        db.commit()
    finally:
        db.close()


def huami_legacy(db: sqlite3.Connection, device: int, planned: Sequence[Minute]) -> None:
    """MI_BAND_ACTIVITY_SAMPLE: 9 light, 11 deep (high-nibble flags), 0 and 10 repeat."""
    previous = ""
    for k, m in enumerate(planned):
        stage = "light" if m.stage == "rem" else m.stage  # no REM on these bands
        if stage in {"light", "deep"}:
            code = {"light": 9, "deep": 11}[stage]
            raw = code if stage != previous else (0x50 if k % 2 else 0x5A)  # &0xf: 0 / 10
            raw |= 0x70 if raw == code and k % 3 == 0 else 0
        else:
            raw = 1
        previous = stage
        steps = 12 if m.stage == "active" else 0
        db.execute(
            'INSERT INTO "MI_BAND_ACTIVITY_SAMPLE" VALUES (?, ?, 1, 20, ?, ?, ?)',
            (m.at, device, steps, raw, heart_rate(k, m.stage)),
        )


def zepp(db: sqlite3.Connection, device: int, planned: Sequence[Minute]) -> None:
    """HUAMI_EXTENDED_ACTIVITY_SAMPLE: 120 asleep, staged by its REM and deep bytes."""
    for k, m in enumerate(planned):
        raw, deep, rem = (120, 10, 10) if m.stage in {"light", "deep", "rem"} else (1, 0, 0)
        deep = 60 | 128 if m.stage == "deep" else deep  # bit 7 is not part of the value
        rem = 70 if m.stage == "rem" else rem
        steps = 15 if m.stage == "active" else 0
        db.execute(
            'INSERT INTO "HUAMI_EXTENDED_ACTIVITY_SAMPLE" '
            "VALUES (?, ?, 1, 20, ?, ?, ?, 0, 0, ?, ?)",
            (m.at, device, steps, raw, heart_rate(k, m.stage), deep, rem),
        )


def zepp_session(
    db: sqlite3.Connection, device: int, wake: date, plan: Sequence[tuple[str, int]]
) -> None:
    """One HUAMI_SLEEP_SESSION_SAMPLE record: stages after the midnight before the wake day."""
    midnight = int(datetime.combine(wake, time(0, 0), BERLIN).timestamp())
    anchor = midnight - 86_400
    bed = int(datetime.combine(wake - timedelta(days=1), BEDTIME, BERLIN).timestamp())
    data = bytearray(594)
    struct.pack_into("<II", data, 0, bed, midnight)
    codes = {"light": 4, "deep": 5, "rem": 8, "awake": 7}
    start = (bed - anchor) // 60
    for k, (stage, length) in enumerate(plan):
        struct.pack_into("<HHB", data, 0x56 + 5 * k, start, start + length, codes[stage])
        start += length
    struct.pack_into("<HH", data, 0x0A, (bed - anchor) // 60, start)
    data[0x54] = len(plan)
    db.execute('INSERT INTO "HUAMI_SLEEP_SESSION_SAMPLE" VALUES (?, ?, 1, ?)',
               (bed * 1000, device, bytes(data)))  # fmt: skip


def zepp_measures(db: sqlite3.Connection, device: int, wake: date) -> dict[str, float]:
    """Resting HR at the wake day's midnight, hourly SpO2, breathing and HRV while asleep."""
    midnight = int(datetime.combine(wake, time(0, 0), BERLIN).timestamp()) * 1000
    db.execute('INSERT INTO "HUAMI_HEART_RATE_RESTING_SAMPLE" VALUES (?, ?, 1, 3600000, 52)',
               (midnight, device))  # fmt: skip
    bed = int(datetime.combine(wake - timedelta(days=1), BEDTIME, BERLIN).timestamp()) * 1000
    for hour, (spo2, rate, hrv) in enumerate([(95, 14, 40), (96, 13, 44), (94, 14, 48)], 1):
        at = bed + hour * 3_600_000
        db.execute('INSERT INTO "HUAMI_SPO2_SAMPLE" VALUES (?, ?, 1, 1, ?)', (at, device, spo2))
        db.execute('INSERT INTO "HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE" VALUES (?, ?, 1, 0, ?)',
                   (at, device, rate))  # fmt: skip
        db.execute('INSERT INTO "GENERIC_HRV_VALUE_SAMPLE" VALUES (?, ?, 1, ?)', (at, device, hrv))
    # A manual spot check in the evening is not the night's.
    db.execute('INSERT INTO "HUAMI_SPO2_SAMPLE" VALUES (?, ?, 1, 0, 88)', (bed - 3_600_000, device))
    return {"rhr_bpm": 52.0, "spo2_pct": 95.0, "resp_rate": 13.7, "hrv_rmssd_ms": 44.0}


def xiaomi(
    db: sqlite3.Connection, device: int, planned: Sequence[Minute], wake: date
) -> dict[str, float]:
    """Minute rows (no kind), bedtime and wake-up, stage changes, the day's resting HR, beats."""
    codes = {"deep": 2, "light": 3, "rem": 4, "awake": 5}
    night = [m for m in planned if m.stage != "active"]
    bed, up = night[0].at, night[-1].at + 60
    for k, m in enumerate(planned):
        spo2 = 96 if m.stage != "active" and k % 30 == 0 else None
        hr = heart_rate(k, m.stage)
        db.execute(
            'INSERT INTO "XIAOMI_ACTIVITY_SAMPLE" VALUES (?, ?, 1, 20, ?, 0, ?, NULL, ?)',
            (m.at, device, 20 if m.stage == "active" else 0, 0 if hr == 255 else hr, spo2),
        )
    db.execute(
        'INSERT INTO "XIAOMI_SLEEP_TIME_SAMPLE" '
        "VALUES (?, ?, 1, ?, 0, NULL, NULL, NULL, NULL, NULL)",
        (bed * 1000, device, up * 1000),
    )
    previous = ""
    for m in night:
        if m.stage != previous:
            db.execute('INSERT INTO "XIAOMI_SLEEP_STAGE_SAMPLE" VALUES (?, ?, 1, ?)',
                       (m.at * 1000, device, codes[m.stage]))  # fmt: skip
            previous = m.stage
    midnight = int(datetime.combine(wake, time(0, 0), BERLIN).timestamp()) * 1000
    db.execute(
        'INSERT INTO "XIAOMI_DAILY_SUMMARY_SAMPLE" '
        "VALUES (?, ?, 1, 4, 9000, 49, 120, 0, 45, 0, 62)",
        (midnight, device),
    )
    beat = (bed + 3600) * 1000  # five minutes of beats an hour after bedtime: RR 1000/1050 ms
    for k in range(300):
        db.execute('INSERT INTO "HEART_PULSE_SAMPLE" VALUES (?, ?, 1)', (beat, device))
        beat += 1000 if k % 2 == 0 else 1050
    return {"rhr_bpm": 49.0, "spo2_pct": 96.0, "hrv_rmssd_ms": 50.0}

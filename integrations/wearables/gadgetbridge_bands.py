# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Nights of Huami (Mi Band 2-7, Amazfit, Zepp OS) and Xiaomi bands in a Gadgetbridge export.

Read the way Gadgetbridge itself reads its tables (its source, ``GBDaoGenerator.java`` and
the devices' sample providers; tag 0.83.0 and master 0.91): one row per minute, whose kind
says asleep (light, deep, REM), awake or not; the night is then put together as
``SleepAnalysis`` does since 0.91.0.

**Families** (by ``DEVICE.TYPE_NAME``, the ``DeviceType`` enum name; the deprecated numeric
``TYPE`` where the name is empty):

* **Huami legacy** (Mi Band 2-6, Amazfit Bip, GTR/GTS 1-2, ...): ``MI_BAND_ACTIVITY_SAMPLE``,
  ``TIMESTAMP`` in seconds. ``RAW_KIND & 0xf``: 9 light, 11 deep; 0 and 10 repeat the kind
  before (``MiBand2SampleProvider.normalizeType``); 3 and 6 not worn (``HuamiConst``). These
  bands tell no REM (``sleep_rem_min`` is not measured, not 0) and report no resting HR: the
  night's mean heart rate while asleep stands for it.
* **Zepp OS** (Mi Band 7, Amazfit GTR/GTS 3-4, Bip 5, Balance, ...):
  ``HUAMI_EXTENDED_ACTIVITY_SAMPLE``; ``RAW_KIND`` 120 is asleep, REM when
  ``REM_SLEEP & 127 > 55``, else deep when ``DEEP_SLEEP & 127 > 42``, else light; 115 and 118
  not worn (``HuamiExtendedSampleProvider``). Where Gadgetbridge stored the band's own sleep
  session (``HUAMI_SLEEP_SESSION_SAMPLE``, 0.85.0 on: a 594-byte record, stages 4 light,
  5 deep, 8 REM, 7 awake, minutes after the midnight before ``timestampMidnight``;
  ``HuamiSleepSessionSampleProvider``), its stages replace the per-minute guess. Resting HR
  from ``HUAMI_HEART_RATE_RESTING_SAMPLE`` (the day's latest), SpO2 from the automatic rows of
  ``HUAMI_SPO2_SAMPLE``, breathing from ``HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE`` and HRV from
  ``GENERIC_HRV_VALUE_SAMPLE`` (0.85.0 on; Zepp reports it as rMSSD), each averaged over the
  night's sleep. These tables' ``TIMESTAMP`` is in milliseconds.
* **Xiaomi** (Mi Band 7 Pro, 8, 9, 10, Redmi Watch and Band, Xiaomi Watch): bedtime and
  wake-up in ``XIAOMI_SLEEP_TIME_SAMPLE`` and stage changes in ``XIAOMI_SLEEP_STAGE_SAMPLE``
  (2 deep, 3 light, 4 REM, 5 awake; ms) laid over the per-minute ``XIAOMI_ACTIVITY_SAMPLE``
  rows (seconds) as ``XiaomiSampleProvider.overlaySleep`` does; resting HR from
  ``XIAOMI_DAILY_SUMMARY_SAMPLE.HR_RESTING``; SpO2 from the minute rows; HRV as the rMSSD of
  the beats in ``HEART_PULSE_SAMPLE`` (one row per heartbeat while asleep) through the engine's
  cleaning, kept only when the cleaning judges it good.

The minutes become nights in ``integrations.wearables.band_nights``. A heart rate of 0 or
255, or outside 10-250 (``HeartRateUtils``), is no reading.
"""

from __future__ import annotations

import bisect
import sqlite3
import struct
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from recoveryd.integrations.wearables.band_families import (
    HUAMI_LEGACY,
    SOURCES,
    TABLES,
    XIAOMI,
    ZEPP_OS,
    family,
)
from recoveryd.integrations.wearables.band_nights import Measured, Minute
from recoveryd.integrations.wearables.gadgetbridge_rows import (
    RowError,
    RowSink,
    required,
    select,
    whole,
)
from recoveryd.integrations.wearables.garmin_nights import daily_record_day

__all__ = [
    "HUAMI_LEGACY",
    "SOURCES",
    "TABLES",
    "XIAOMI",
    "ZEPP_OS",
    "RowSink",
    "family",
    "legacy_minutes",
    "select",
    "xiaomi_measured",
    "xiaomi_minutes",
    "xiaomi_stages",
    "zepp_measured",
    "zepp_minutes",
    "zepp_sessions",
]

_MINUTE = 60
_HR_LOW, _HR_HIGH = 10, 250
_LEGACY_KINDS = {9: "light", 11: "deep", 3: "off", 6: "off"}
_LEGACY_REPEAT = frozenset({0, 10})
_ZEPP_ASLEEP, _ZEPP_OFF = 120, frozenset({115, 118})
_ZEPP_REM_OVER, _ZEPP_DEEP_OVER = 55, 42
_SESSION_STAGES = {4: "light", 5: "deep", 8: "rem", 7: "awake"}
_SESSION_SIZE = 594
_XIAOMI_STAGES = {2: "deep", 3: "light", 4: "rem", 5: "awake"}
_SPO2_AUTOMATIC = 1


def _heart_rate(value: int | None) -> int | None:
    return value if value is not None and _HR_LOW <= value <= _HR_HIGH else None


class _Stages:
    """Kinds laid over minutes from the moments they start (a lower-bound range map)."""

    def __init__(self) -> None:
        self._at: dict[int, str | None] = {}

    def put(self, second: int, kind: str | None) -> None:
        # Gadgetbridge's RangeMap: at one moment, the entry put last wins.
        self._at.pop(second, None)
        self._at[second] = kind

    def lookup(self) -> Callable[[int], str | None]:
        keys = sorted(self._at)
        values = [self._at[k] for k in keys]

        def kind_at(second: int) -> str | None:
            k = bisect.bisect_right(keys, second) - 1
            return values[k] if k >= 0 else None

        return kind_at

    def __bool__(self) -> bool:
        return bool(self._at)


def legacy_minutes(rows: Iterable[sqlite3.Row], sink: RowSink, table: str) -> list[Minute]:
    """Huami legacy minute rows; 0 and 10 repeat the kind before."""
    minutes: list[Minute] = []
    previous: str | None = None

    def parse(row: sqlite3.Row) -> None:
        nonlocal previous
        raw = required(row, "RAW_KIND") & 0xF
        if raw not in _LEGACY_REPEAT:
            previous = _LEGACY_KINDS.get(raw, "active")
        minutes.append(Minute(
            required(row, "TIMESTAMP"), previous, _heart_rate(whole(row, "HEART_RATE")),
            whole(row, "STEPS") or 0,
        ))  # fmt: skip

    sink.read(rows, table, parse)
    return minutes


def zepp_minutes(
    rows: Iterable[sqlite3.Row], sink: RowSink, table: str, stages: _Stages
) -> list[Minute]:
    """Zepp OS minute rows, the band's own sleep stages laid over them where it sent any."""
    kind_at = stages.lookup() if stages else None
    minutes: list[Minute] = []

    def parse(row: sqlite3.Row) -> None:
        at, raw = required(row, "TIMESTAMP"), required(row, "RAW_KIND")
        kind: str | None = "off" if raw in _ZEPP_OFF else "active"
        if raw == _ZEPP_ASLEEP:
            if (whole(row, "REM_SLEEP") or 0) & 127 > _ZEPP_REM_OVER:
                kind = "rem"
            elif (whole(row, "DEEP_SLEEP") or 0) & 127 > _ZEPP_DEEP_OVER:
                kind = "deep"
            else:
                kind = "light"
        if kind_at is not None:
            kind = kind_at(at) or kind
        minutes.append(Minute(at, kind, _heart_rate(whole(row, "HEART_RATE")),
                              whole(row, "STEPS") or 0))  # fmt: skip

    sink.read(rows, table, parse)
    return minutes


def zepp_sessions(rows: Iterable[sqlite3.Row], sink: RowSink, table: str) -> _Stages:
    """The band's sleep sessions (``HUAMI_SLEEP_SESSION_SAMPLE``) as stages by moment."""
    stages = _Stages()

    def parse(row: sqlite3.Row) -> None:
        data = row["DATA"]
        if not isinstance(data, bytes) or len(data) < _SESSION_SIZE:
            raise RowError(f"DATA is not a {_SESSION_SIZE}-byte sleep session")
        (midnight,) = struct.unpack_from("<I", data, 0x04)
        (end_min,) = struct.unpack_from("<H", data, 0x0C)
        anchor = midnight - 86_400
        count = data[0x54]
        for k in range(min(count, 100)):
            start, _, code = struct.unpack_from("<HHB", data, 0x56 + 5 * k)
            stages.put(anchor + start * _MINUTE, _SESSION_STAGES.get(code, "light"))
        if count:
            stages.put(anchor + end_min * _MINUTE, None)

    sink.read(rows, table, parse)
    return stages


def xiaomi_stages(
    times: Iterable[sqlite3.Row], changes: Iterable[sqlite3.Row], sink: RowSink
) -> _Stages:
    """Bedtimes, wake-ups and stage changes, as ``XiaomiSampleProvider.overlaySleep``."""
    stages = _Stages()
    nights: list[tuple[int, int]] = []

    def sleep_time(row: sqlite3.Row) -> None:
        bed, wake = required(row, "TIMESTAMP") // 1000, whole(row, "WAKEUP_TIME")
        if wake is None or wake // 1000 <= bed:
            raise RowError(f"WAKEUP_TIME {wake!r} is not after the bedtime")
        nights.append((bed, wake // 1000))
        stages.put(wake // 1000, None)
        stages.put(bed, "light")

    def stage(row: sqlite3.Row) -> None:
        code = whole(row, "STAGE")
        stages.put(required(row, "TIMESTAMP") // 1000, _XIAOMI_STAGES.get(code or 0))

    sink.read(times, "XIAOMI_SLEEP_TIME_SAMPLE", sleep_time)
    sink.read(changes, "XIAOMI_SLEEP_STAGE_SAMPLE", stage)
    for _, wake in nights:  # a wake-up ends the night whatever stage was last
        stages.put(wake, None)
    return stages


def xiaomi_minutes(
    rows: Iterable[sqlite3.Row], sink: RowSink, stages: _Stages
) -> tuple[list[Minute], list[tuple[int, int]]]:
    """Xiaomi minute rows with the sleep laid over them; and their SpO2 readings."""
    kind_at = stages.lookup()
    minutes: list[Minute] = []
    spo2: list[tuple[int, int]] = []

    def parse(row: sqlite3.Row) -> None:
        at = required(row, "TIMESTAMP")
        minutes.append(Minute(
            at, kind_at(at) or "active", _heart_rate(whole(row, "HEART_RATE")),
            max(whole(row, "STEPS") or 0, 0),
        ))  # fmt: skip
        oxygen = whole(row, "SPO2")
        if oxygen is not None and oxygen > 0:
            spo2.append((at, oxygen))

    sink.read(rows, "XIAOMI_ACTIVITY_SAMPLE", parse)
    return minutes, spo2


Rows = Callable[[str], Iterator[sqlite3.Row]]


def _day(milliseconds: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).astimezone(zone).date()


def zepp_measured(rows: Rows, sink: RowSink, measured: Measured, zone: ZoneInfo) -> None:
    """Resting HR, SpO2, breathing and HRV of a Zepp OS band (``TIMESTAMP`` in ms)."""

    def resting(row: sqlite3.Row) -> None:
        rate = _heart_rate(whole(row, "HEART_RATE"))
        if rate is not None:  # the day's latest row wins, as Gadgetbridge shows it
            measured.resting[_day(required(row, "TIMESTAMP"), zone)] = float(rate)

    def spo2(row: sqlite3.Row) -> None:
        value = whole(row, "SPO2")
        if whole(row, "TYPE_NUM") == _SPO2_AUTOMATIC and value is not None and value > 0:
            measured.spo2.append((required(row, "TIMESTAMP") // 1000, float(value)))

    def breathing(row: sqlite3.Row) -> None:
        value = whole(row, "RATE")
        if value is not None and value > 0:
            measured.breathing.append((required(row, "TIMESTAMP") // 1000, float(value)))

    def hrv(row: sqlite3.Row) -> None:
        value = whole(row, "VALUE")
        if value is not None and value > 0:
            measured.hrv.append((required(row, "TIMESTAMP") // 1000, float(value)))

    for table, parse in (
        ("HUAMI_HEART_RATE_RESTING_SAMPLE", resting), ("HUAMI_SPO2_SAMPLE", spo2),
        ("HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE", breathing), ("GENERIC_HRV_VALUE_SAMPLE", hrv),
    ):  # fmt: skip
        sink.read(rows(table), table, parse)


def xiaomi_measured(rows: Rows, sink: RowSink, measured: Measured, zone: ZoneInfo) -> None:
    """Resting HR (daily summary) and heartbeats of a Xiaomi band."""

    def summary(row: sqlite3.Row) -> None:
        rate = _heart_rate(whole(row, "HR_RESTING"))
        if rate is not None:  # stamped at the local midnight of its day
            moment = datetime.fromtimestamp(required(row, "TIMESTAMP") / 1000, UTC)
            measured.resting[daily_record_day(moment, zone)] = float(rate)

    def beat(row: sqlite3.Row) -> None:
        measured.beats.append(required(row, "TIMESTAMP"))

    sink.read(rows("XIAOMI_DAILY_SUMMARY_SAMPLE"), "XIAOMI_DAILY_SUMMARY_SAMPLE", summary)
    sink.read(rows("HEART_PULSE_SAMPLE"), "HEART_PULSE_SAMPLE", beat)

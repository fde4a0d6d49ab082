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

**A night** (``SleepAnalysis``, 0.91.0): a run of asleep minutes; a stretch of minutes that are
not asleep but without a step, shorter than an hour, is time awake inside it; a step or a
longer stretch ends it. Runs under five minutes are not sleep. A run belongs to the morning
it ends on (18:00 to 12:00 local); an afternoon nap is no night. A heart rate of 0 or 255,
or outside 10-250 (``HeartRateUtils``), is no reading.
"""

from __future__ import annotations

import bisect
import itertools
import sqlite3
import statistics
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from recoveryd.engine.hrv import HrvError, analyse
from recoveryd.models import Night, keep_plausible

from integrations.wearables.reading import night_morning

HUAMI_LEGACY, ZEPP_OS, XIAOMI = "huami", "zepp", "xiaomi"
SOURCES: Final = {
    HUAMI_LEGACY: "gadgetbridge_huami",
    ZEPP_OS: "gadgetbridge_zepp",
    XIAOMI: "gadgetbridge_xiaomi",
}
"""The source each family's nights are stored as: different bands measure differently."""

_HUAMI_LEGACY_NAMES = {
    "MIBAND2": 11, "MIBAND2_HRX": 1001, "AMAZFITBIP": 12, "AMAZFITCOR": 13, "MIBAND3": 14,
    "AMAZFITCOR2": 15, "MIBAND4": 16, "AMAZFITBIP_LITE": 17, "AMAZFITGTR": 18,
    "AMAZFITGTS": 19, "AMAZFITBIPS": 20, "AMAZFITGTR_LITE": 21, "AMAZFITTREX": 22,
    "MIBAND5": 23, "AMAZFITBAND5": 24, "AMAZFITBIPS_LITE": 25, "AMAZFITGTR2": 26,
    "AMAZFITGTS2": 27, "AMAZFITBIPU": 28, "AMAZFITVERGEL": 29, "AMAZFITBIPUPRO": 30,
    "AMAZFITNEO": 31, "AMAZFITGTS2_MINI": 32, "ZEPP_E": 33, "AMAZFITGTR2E": 34,
    "AMAZFITGTS2E": 35, "AMAZFITX": 36, "MIBAND6": 37, "AMAZFITTREXPRO": 38, "AMAZFITPOP": 39,
    "AMAZFITPOPPRO": 10040, "AMAZFITBIP3": 0, "AMAZFITBIP3PRO": 10051,
}  # fmt: skip
_ZEPP_NAMES = {
    "MIBAND7": 10041, "AMAZFITGTS3": 10042, "AMAZFITGTR3": 10043, "AMAZFITGTR4": 10044,
    "AMAZFITBAND7": 10045, "AMAZFITGTS4": 10046, "AMAZFITGTS4MINI": 10047,
    "AMAZFITTREX2": 10048, "AMAZFITGTR3PRO": 10049, "AMAZFITCHEETAHPRO": 10050,
    "AMAZFITCHEETAHSQUARE": 10052, "AMAZFITCHEETAHROUND": 10053, "AMAZFITBIP5": 10054,
    "AMAZFITTREXULTRA": 10055, "AMAZFITGTRMINI": 10056, "AMAZFITFALCON": 10057,
    "AMAZFITBALANCE": 10058, "AMAZFITGTS4MININEW": 0, "AMAZFITTREX3": 0,
    "AMAZFITTREX3PRO44MM": 0, "AMAZFITTREX3PRO48MM": 0, "AMAZFITCHEETAH2PRO": 0,
    "AMAZFITBIP5UNITY": 0, "AMAZFITBIP6": 0, "AMAZFITTREXULTRA2": 0, "AMAZFITBALANCE2": 0,
    "AMAZFITBALANCE2XT": 0, "AMAZFITACTIVE": 0, "AMAZFITACTIVE2": 0, "AMAZFITACTIVE2NFC": 0,
    "AMAZFITACTIVE2SQUARE": 0, "AMAZFITACTIVE3PREMIUM": 0, "AMAZFITACTIVEEDGE": 0,
    "AMAZFITACTIVEMAX": 0, "AMAZFITHELIORING": 0, "AMAZFITHELIOSTRAP": 0,
}  # fmt: skip
_XIAOMI_NAMES = frozenset({
    "MIBAND4C", "MIBAND7PRO", "MIBAND8", "MIBAND8ACTIVE", "MIBAND8PRO", "MIBAND9",
    "MIBAND9ACTIVE", "MIBAND9PRO", "MIBAND10", "MIBAND10PRO", "MIWATCHLITE",
    "MIWATCHCOLORSPORT", "REDMIWATCH3ACTIVE", "REDMIWATCH3", "REDMISMARTBAND2",
    "REDMISMARTBAND3", "REDMIWATCH2", "REDMIWATCH2LITE", "REDMISMARTBANDPRO", "REDMIWATCH4",
    "REDMIWATCH5", "REDMIWATCH5ACTIVE", "REDMIWATCH5LITE", "REDMIWATCHMOVE",
    "XIAOMI_WATCH_S1_ACTIVE", "XIAOMI_WATCH_S1_PRO", "XIAOMI_WATCH_S1", "XIAOMI_WATCH_S3",
    "XIAOMI_WATCH_S4",
})  # fmt: skip
# The deprecated numeric TYPE of devices stored before Gadgetbridge 0.77 (devicetype.json).
_BY_NUMBER = {
    number: name for names in (_HUAMI_LEGACY_NAMES, _ZEPP_NAMES)
    for name, number in names.items() if number
}  # fmt: skip

TABLES: Final = {
    HUAMI_LEGACY: ("MI_BAND_ACTIVITY_SAMPLE",),
    ZEPP_OS: (
        "HUAMI_EXTENDED_ACTIVITY_SAMPLE", "HUAMI_SLEEP_SESSION_SAMPLE",
        "HUAMI_HEART_RATE_RESTING_SAMPLE", "HUAMI_SPO2_SAMPLE",
        "HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE", "GENERIC_HRV_VALUE_SAMPLE",
    ),
    XIAOMI: (
        "XIAOMI_ACTIVITY_SAMPLE", "XIAOMI_SLEEP_TIME_SAMPLE", "XIAOMI_SLEEP_STAGE_SAMPLE",
        "XIAOMI_DAILY_SUMMARY_SAMPLE", "HEART_PULSE_SAMPLE",
    ),
}  # fmt: skip
"""The tables each family is read from; the first one holds its minutes."""

ASLEEP = ("light", "deep", "rem", "asleep")
_MINUTE = 60
_MIN_RUN_S = 5 * 60
_MAX_WAKE_S = 60 * 60
_HR_LOW, _HR_HIGH = 10, 250
_LEGACY_KINDS = {9: "light", 11: "deep", 3: "off", 6: "off"}
_LEGACY_REPEAT = frozenset({0, 10})
_ZEPP_ASLEEP, _ZEPP_OFF = 120, frozenset({115, 118})
_ZEPP_REM_OVER, _ZEPP_DEEP_OVER = 55, 42
_SESSION_STAGES = {4: "light", 5: "deep", 8: "rem", 7: "awake"}
_SESSION_SIZE = 594
_XIAOMI_STAGES = {2: "deep", 3: "light", 4: "rem", 5: "awake"}
_SPO2_AUTOMATIC = 1


def family(type_name: str | None, type_number: int | None) -> str | None:
    """The family of a ``DEVICE`` row, or ``None`` when it is none of these."""
    name = (type_name or "").upper()
    if name in {"", "UNKNOWN"} and type_number:
        name = _BY_NUMBER.get(type_number, "")
    if name in _HUAMI_LEGACY_NAMES:
        return HUAMI_LEGACY
    if name in _ZEPP_NAMES:
        return ZEPP_OS
    if name in _XIAOMI_NAMES:
        return XIAOMI
    return None


class BandRowError(ValueError):
    """One row that cannot be read; the message says which column and why."""


@dataclass(frozen=True, slots=True)
class Minute:
    """One minute row: when (UTC seconds), what it says, the heart rate and the steps."""

    at: int
    kind: str | None
    heart_rate: int | None
    steps: int


@dataclass
class BandNight:
    """A night being put together: its sleep runs and what was measured in them."""

    runs: list[tuple[int, int]] = field(default_factory=list)
    minutes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    heart_rates: list[int] = field(default_factory=list)


def _int(row: sqlite3.Row, column: str) -> int | None:
    value = row[column]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BandRowError(f"{column} {value!r} is not a whole number")
    return value


def _required(row: sqlite3.Row, column: str) -> int:
    value = _int(row, column)
    if value is None:
        raise BandRowError(f"{column} is empty")
    return value


def _heart_rate(value: int | None) -> int | None:
    return value if value is not None and _HR_LOW <= value <= _HR_HIGH else None


class RowSink:
    """Where rows that cannot be read go: one line each, with the table and TIMESTAMP."""

    def __init__(self, label: str, errors: list[str]) -> None:
        self.label, self.errors, self.rows = label, errors, 0

    def read(
        self, rows: Iterable[sqlite3.Row], table: str, parse: Callable[[sqlite3.Row], None]
    ) -> None:
        """Parse each row; a bad one is one line and is left out."""
        for row in rows:
            self.rows += 1
            try:
                parse(row)
            except (BandRowError, IndexError, KeyError) as exc:
                stamp = row["TIMESTAMP"] if "TIMESTAMP" in row.keys() else "?"  # noqa: SIM118
                reason = (
                    f"has no column {exc.args[0]}"
                    if isinstance(exc, IndexError | KeyError)
                    else exc
                )
                self.errors.append(f"{self.label}: {table} at TIMESTAMP {stamp!r}: {reason}")


def select(db: sqlite3.Connection, table: str, device: int) -> Iterator[sqlite3.Row]:
    """The device's rows of ``table`` by time; none when the database lacks the table."""
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone():
        return iter(())
    return db.execute(
        f'SELECT * FROM "{table}" WHERE "DEVICE_ID" = ? ORDER BY "TIMESTAMP"', (device,)
    )


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
        raw = _required(row, "RAW_KIND") & 0xF
        if raw not in _LEGACY_REPEAT:
            previous = _LEGACY_KINDS.get(raw, "active")
        minutes.append(Minute(
            _required(row, "TIMESTAMP"), previous, _heart_rate(_int(row, "HEART_RATE")),
            _int(row, "STEPS") or 0,
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
        at, raw = _required(row, "TIMESTAMP"), _required(row, "RAW_KIND")
        kind: str | None = "off" if raw in _ZEPP_OFF else "active"
        if raw == _ZEPP_ASLEEP:
            if (_int(row, "REM_SLEEP") or 0) & 127 > _ZEPP_REM_OVER:
                kind = "rem"
            elif (_int(row, "DEEP_SLEEP") or 0) & 127 > _ZEPP_DEEP_OVER:
                kind = "deep"
            else:
                kind = "light"
        if kind_at is not None:
            kind = kind_at(at) or kind
        minutes.append(Minute(at, kind, _heart_rate(_int(row, "HEART_RATE")),
                              _int(row, "STEPS") or 0))  # fmt: skip

    sink.read(rows, table, parse)
    return minutes


def zepp_sessions(rows: Iterable[sqlite3.Row], sink: RowSink, table: str) -> _Stages:
    """The band's sleep sessions (``HUAMI_SLEEP_SESSION_SAMPLE``) as stages by moment."""
    stages = _Stages()

    def parse(row: sqlite3.Row) -> None:
        data = row["DATA"]
        if not isinstance(data, bytes) or len(data) < _SESSION_SIZE:
            raise BandRowError(f"DATA is not a {_SESSION_SIZE}-byte sleep session")
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
        bed, wake = _required(row, "TIMESTAMP") // 1000, _int(row, "WAKEUP_TIME")
        if wake is None or wake // 1000 <= bed:
            raise BandRowError(f"WAKEUP_TIME {wake!r} is not after the bedtime")
        nights.append((bed, wake // 1000))
        stages.put(wake // 1000, None)
        stages.put(bed, "light")

    def stage(row: sqlite3.Row) -> None:
        code = _int(row, "STAGE")
        stages.put(_required(row, "TIMESTAMP") // 1000, _XIAOMI_STAGES.get(code or 0))

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
        at = _required(row, "TIMESTAMP")
        minutes.append(Minute(
            at, kind_at(at) or "active", _heart_rate(_int(row, "HEART_RATE")),
            max(_int(row, "STEPS") or 0, 0),
        ))  # fmt: skip
        oxygen = _int(row, "SPO2")
        if oxygen is not None and oxygen > 0:
            spo2.append((at, oxygen))

    sink.read(rows, "XIAOMI_ACTIVITY_SAMPLE", parse)
    return minutes, spo2


class _Runs:
    """Sleep runs being put together minute by minute (``SleepAnalysis``, 0.91.0)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.nights: dict[date, BandNight] = defaultdict(BandNight)
        self.run: list[Minute] = []
        self.gap: list[Minute] = []

    def add(self, minute: Minute) -> None:
        last = self.gap[-1] if self.gap else self.run[-1] if self.run else None
        if last is not None and minute.at - last.at > 2 * _MINUTE:
            self.close()  # no rows for a while: the band was off or not synced
        if minute.kind in ASLEEP or minute.kind == "awake":
            if minute.kind == "awake" and not self.run:
                return  # awake before falling asleep is not the night
            self.run += [*self.gap, minute]
            self.gap = []
        elif (
            self.run and minute.steps == 0 and minute.kind != "off"
            and minute.at - self.run[-1].at < _MAX_WAKE_S
        ):  # fmt: skip
            self.gap.append(minute)  # lying awake: part of the night if sleep comes back
        else:
            self.close()

    def close(self) -> None:
        run, self.run, self.gap = self.run, [], []
        if not run or run[-1].at + _MINUTE - run[0].at < _MIN_RUN_S:
            return
        end = run[-1].at + _MINUTE
        morning = night_morning(datetime.fromtimestamp(end, self.zone).replace(tzinfo=None))
        if morning is None:
            return  # an afternoon nap
        night = self.nights[morning]
        night.runs.append((run[0].at, end))
        for minute in run:
            kind = minute.kind if minute.kind in ASLEEP else "awake"
            night.minutes[str(kind)] += 1
            if kind in ASLEEP and minute.heart_rate is not None:
                night.heart_rates.append(minute.heart_rate)


def nights_of(minutes: list[Minute], zone: ZoneInfo) -> dict[date, BandNight]:
    """Sleep runs put together (``SleepAnalysis``, 0.91.0) and grouped by their morning."""
    runs = _Runs(zone)
    for minute in sorted(minutes, key=lambda m: m.at):
        runs.add(minute)
    runs.close()
    return runs.nights


def _within(samples: Iterable[tuple[int, float]], runs: list[tuple[int, int]]) -> list[float]:
    return [v for at, v in samples if any(start <= at < end for start, end in runs)]


def _mean(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.fmean(values), digits) if values else None


@dataclass
class Measured:
    """What a family's other tables add to its nights (UTC seconds, values)."""

    resting: dict[date, float] = field(default_factory=dict)
    spo2: list[tuple[int, float]] = field(default_factory=list)
    breathing: list[tuple[int, float]] = field(default_factory=list)
    hrv: list[tuple[int, float]] = field(default_factory=list)
    beats: list[int] = field(default_factory=list)  # ms, one per heartbeat


def band_nights(
    nights: dict[date, BandNight],
    measured: Measured,
    *,
    athlete: str,
    source: str,
    errors: list[str],
    label: str,
    stages_rem: bool,
    sleeping_hr_as_resting: bool,
) -> list[Night]:
    """The nights, each metric where the family measures it."""
    out = []
    beats = sorted(measured.beats)
    for day in sorted(nights):
        night = nights[day]
        values: dict[str, float | None] = {
            "sleep_light_min": float(night.minutes["light"]),
            "sleep_deep_min": float(night.minutes["deep"]),
            "sleep_rem_min": float(night.minutes["rem"]) if stages_rem else None,
            "sleep_awake_min": float(night.minutes["awake"]),
            "sleep_total_min": float(sum(night.minutes[k] for k in ASLEEP)),
        }
        values["rhr_bpm"] = (
            _mean([float(h) for h in night.heart_rates]) if sleeping_hr_as_resting
            else measured.resting.get(day)
        )  # fmt: skip
        values["spo2_pct"] = _mean(_within(measured.spo2, night.runs))
        values["resp_rate"] = _mean(_within(measured.breathing, night.runs))
        values["hrv_rmssd_ms"] = _mean(_within(measured.hrv, night.runs))
        if beats and values["hrv_rmssd_ms"] is None:
            values["hrv_rmssd_ms"] = _beats_rmssd(beats, night.runs, day, label, errors)
        kept, problems = keep_plausible(values)
        errors += [f"{label}: night {day}: {problem}; left out" for problem in problems]
        if kept:
            out.append(Night(athlete, day, source, **kept))
    return out


def _beats_rmssd(
    beats: list[int], runs: list[tuple[int, int]], day: date, label: str, errors: list[str]
) -> float | None:
    """RMSSD of the night's heartbeats, when the engine's cleaning judges it good."""
    rmssd = []
    for start, end in runs:
        lo, hi = bisect.bisect_left(beats, start * 1000), bisect.bisect_left(beats, end * 1000)
        times = beats[lo:hi]
        if len(times) < 4:  # noqa: PLR2004 - three intervals at least
            continue
        rr = [float(b - a) for a, b in itertools.pairwise(times)]
        try:
            reading = analyse(rr)
        except HrvError:
            continue
        if reading.good:
            rmssd.append(reading.metrics.rmssd_ms)
        else:
            errors.append(
                f"{label}: night {day}: heartbeats give no trustworthy HRV "
                f"({'; '.join(reading.quality_reasons)}); HRV left out"
            )
    return _mean(rmssd)


Rows = Callable[[str], Iterator[sqlite3.Row]]


def _day(milliseconds: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).astimezone(zone).date()


def zepp_measured(rows: Rows, sink: RowSink, measured: Measured, zone: ZoneInfo) -> None:
    """Resting HR, SpO2, breathing and HRV of a Zepp OS band (``TIMESTAMP`` in ms)."""

    def resting(row: sqlite3.Row) -> None:
        rate = _heart_rate(_int(row, "HEART_RATE"))
        if rate is not None:  # the day's latest row wins, as Gadgetbridge shows it
            measured.resting[_day(_required(row, "TIMESTAMP"), zone)] = float(rate)

    def spo2(row: sqlite3.Row) -> None:
        value = _int(row, "SPO2")
        if _int(row, "TYPE_NUM") == _SPO2_AUTOMATIC and value is not None and value > 0:
            measured.spo2.append((_required(row, "TIMESTAMP") // 1000, float(value)))

    def breathing(row: sqlite3.Row) -> None:
        value = _int(row, "RATE")
        if value is not None and value > 0:
            measured.breathing.append((_required(row, "TIMESTAMP") // 1000, float(value)))

    def hrv(row: sqlite3.Row) -> None:
        value = _int(row, "VALUE")
        if value is not None and value > 0:
            measured.hrv.append((_required(row, "TIMESTAMP") // 1000, float(value)))

    for table, parse in (
        ("HUAMI_HEART_RATE_RESTING_SAMPLE", resting), ("HUAMI_SPO2_SAMPLE", spo2),
        ("HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE", breathing), ("GENERIC_HRV_VALUE_SAMPLE", hrv),
    ):  # fmt: skip
        sink.read(rows(table), table, parse)


def xiaomi_measured(rows: Rows, sink: RowSink, measured: Measured, zone: ZoneInfo) -> None:
    """Resting HR (daily summary) and heartbeats of a Xiaomi band."""

    def summary(row: sqlite3.Row) -> None:
        rate = _heart_rate(_int(row, "HR_RESTING"))
        if rate is not None:  # stamped at the local midnight of its day
            measured.resting[_day(_required(row, "TIMESTAMP") + 43_200_000, zone)] = float(rate)

    def beat(row: sqlite3.Row) -> None:
        measured.beats.append(_required(row, "TIMESTAMP"))

    sink.read(rows("XIAOMI_DAILY_SUMMARY_SAMPLE"), "XIAOMI_DAILY_SUMMARY_SAMPLE", summary)
    sink.read(rows("HEART_PULSE_SAMPLE"), "HEART_PULSE_SAMPLE", beat)

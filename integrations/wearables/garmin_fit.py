# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Garmin FIT files: nights and workouts, decoded with fitdecode.

A Garmin watch writes its nights into several FIT files (sleep, monitoring, HRV status,
activities); an import takes any number of them, or the folders they are in, and puts the
nights together. What is taken, by message of the FIT profile (Garmin FIT SDK 21.x):

* ``sleep_level`` (275): the stages. A record's timestamp is the **end** of the stage it
  names (how Gadgetbridge reads Garmin's sleep files, issue #4048 there); a stage runs from the
  previous record, or from the sleep-start ``event`` (event 74, start), to its own timestamp.
  The first record of a night without a start event has no known start and is not counted.
  ``unmeasurable`` is in no stage and not in the total.
* ``hrv_status_summary`` (370): ``last_night_average``, the night's mean **rMSSD** during
  sleep (the SDK's own description), stored as ``hrv_rmssd_ms``. Without a summary, the mean
  of the night's 5-minute rMSSD values (``hrv_value``, 371).
* ``monitoring_hr_data`` (211): ``current_day_resting_heart_rate``, the day's resting HR.
  ``resting_heart_rate`` is a 7-day rolling average and is not stored: the engine keeps its
  own baselines, and a smoothed value would hide the very change it looks for. The record
  is aligned to the day's midnight, so it is dated by the nearest local midnight.
* ``skin_temp_overnight`` (398): ``average_deviation``, the night's deviation from the
  athlete's baseline in °C, stored as ``skin_temp_dev_c``.
* ``respiration_rate`` (297): the mean during the night's sleep (only where the import has
  the night's stages to say when that was).
* ``session`` (18): workouts as training sessions: start, sport, timer time (pauses left
  out) and average heart rate, from which the engine computes TRIMP.
* ``hrv`` (78): beat-to-beat intervals (``time``, seconds, five per message; 0xFFFF is no
  value). A file of them that is not a workout (no session, or sessions of at most 15
  minutes that covered no distance: a morning HRV recording, a Health Snapshot) is a
  **morning reading**: its intervals go through the engine's cleaning and quality verdict
  (``recoveryd.engine.morning_reading``) and it is stored like a strap's reading, as source
  ``garmin_morning`` (a supine morning rMSSD is not the night's sleeping rMSSD, so the two
  never share a baseline). Such a recording is not a training session. Intervals logged
  during a real workout are not resting HRV and are not read.

Timestamps in FIT are UTC; nights are dated in the household's time zone and belong to the
morning they end on. A file that cannot be decoded (truncated, damaged, not FIT) adds nothing
and is one line naming the file and where it broke; a record that cannot be read is one line
naming the file and the record.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import fitdecode
from recoveryd.domain.models import Night, keep_plausible
from recoveryd.engine.hrv import HrvError
from recoveryd.engine.load import CompletedSession
from recoveryd.engine.morning_reading import MorningReading, morning_reading
from recoveryd.store.database import Store
from recoveryd.store.journal import ImportRecord, Origin

from integrations.wearables.reading import CountingReader, Progress, night_morning

SOURCE = "garmin_fit"
READING_SOURCE = "garmin_morning"
"""The source of morning readings recorded on a Garmin (its ``hrv`` messages)."""
_READING_MAX = timedelta(minutes=15)
_NO_INTERVAL_S = 65.535  # 0xFFFF / 1000: the FIT profile's invalid uint16
SLEEP_EVENT = 74
"""The sleep event's number: not in the public profile; Garmin's sleep files use it."""

STAGE_NAMES = ("unmeasurable", "awake", "light", "deep", "rem")
"""The FIT profile's sleep_level values 0-4, by number."""
_STAGES = {
    "awake": "sleep_awake_min",
    "light": "sleep_light_min",
    "deep": "sleep_deep_min",
    "rem": "sleep_rem_min",
    "unmeasurable": None,
}
_ASLEEP = ("sleep_light_min", "sleep_deep_min", "sleep_rem_min")
_LONGEST_STAGE = timedelta(hours=12)


class _RecordError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ParsedFit:
    """The nights and sessions a set of FIT files held, one line per problem."""

    nights: tuple[Night, ...]
    sessions: tuple[CompletedSession, ...]
    errors: tuple[str, ...]
    files: int
    messages: int
    readings: tuple[MorningReading, ...] = ()


@dataclass
class Gathered:
    """What a night is made of, as Garmin records it (in FIT files or Gadgetbridge's tables)."""

    stages: list[tuple[datetime, str]] = field(default_factory=list)
    sleep_events: list[tuple[datetime, str]] = field(default_factory=list)
    hrv_summary: dict[date, float] = field(default_factory=dict)
    hrv_values: list[tuple[datetime, float]] = field(default_factory=list)
    resting_hr: dict[date, float] = field(default_factory=dict)
    skin_temp: dict[date, float] = field(default_factory=dict)
    breathing: list[tuple[datetime, float]] = field(default_factory=list)
    sessions: list[CompletedSession] = field(default_factory=list)

    def hrv(self, moment: datetime, last_night_average: float | None, zone: ZoneInfo) -> None:
        """A night's rMSSD summary, written the morning after (UTC ``moment``)."""
        morning = night_morning(moment.astimezone(zone).replace(tzinfo=None))
        if last_night_average is not None and morning is not None:
            self.hrv_summary[morning] = last_night_average

    def resting(self, moment: datetime, rhr: float | None, zone: ZoneInfo) -> None:
        """The day's resting heart rate, a record aligned to the day's midnight."""
        if rhr is not None and rhr > 0:
            self.resting_hr[daily_record_day(moment, zone)] = rhr

    def breath(self, moment: datetime, rate: float | None) -> None:
        """One breathing rate reading; zero or below is no reading."""
        if rate is not None and rate > 0:
            self.breathing.append((moment, rate))

    def merge(self, other: Gathered) -> None:
        """Add what ``other`` gathered (a later value for the same day wins)."""
        self.stages += other.stages
        self.sleep_events += other.sleep_events
        self.hrv_summary.update(other.hrv_summary)
        self.hrv_values += other.hrv_values
        self.resting_hr.update(other.resting_hr)
        self.skin_temp.update(other.skin_temp)
        self.breathing += other.breathing
        self.sessions += other.sessions


def daily_record_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day a once-a-day record names: it is aligned to midnight, so the nearest one."""
    return (moment.astimezone(zone) + timedelta(hours=12)).date()


def fit_files(paths: Iterable[Path]) -> list[Path]:
    """The FIT files named, the folders expanded (``*.fit`` in any case, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".fit")
        else:
            found.append(path)
    return found


def _value(message: fitdecode.FitDataMessage, name: str) -> Any:  # noqa: ANN401 - FIT values vary
    return message.get_value(name, fallback=None)


def _number(message: fitdecode.FitDataMessage, name: str) -> float | None:
    value = _value(message, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _RecordError(f"{name} {value!r} is not a number")
    return float(value)


def _when(message: fitdecode.FitDataMessage, name: str = "timestamp") -> datetime:
    value = _value(message, name)
    if not isinstance(value, datetime):
        raise _RecordError(f"{name} {value!r} is not a time")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _FileReader:
    """Turns one file's data messages into what a night needs."""

    def __init__(self, athlete: str, zone: ZoneInfo) -> None:
        self.athlete, self.zone, self.gathered = athlete, zone, Gathered()
        self.rr_ms: list[float] = []
        self.created: datetime | None = None
        self.moved = False  # a session covered distance: a workout, whatever its length
        self.started: datetime | None = None  # local start of the file's first session

    def reading(self) -> tuple[datetime, list[float]] | None:
        """The file's morning reading: when (local) and its intervals; ``None`` if none."""
        if not self.rr_ms:
            return None
        sessions = self.gathered.sessions
        if self.moved or any(s.duration_min * 60 > _READING_MAX.total_seconds() for s in sessions):
            return None
        if self.started is not None:
            start = self.started
        elif self.created is not None:
            start = self.local(self.created)
        else:
            return None
        return start.replace(tzinfo=self.zone), self.rr_ms

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def message(self, message: fitdecode.FitDataMessage) -> None:
        """Take what the nights need from one data message; ignore the rest."""
        handler = {
            "sleep_level": self.sleep_level,
            "event": self.event,
            "hrv_status_summary": self.hrv_summary,
            "hrv_value": self.hrv_value,
            "monitoring_hr_data": self.resting_hr,
            "skin_temp_overnight": self.skin_temp,
            "respiration_rate": self.breathing,
            "session": self.session,
            "hrv": self.hrv_intervals,
            "file_id": self.file_id,
        }.get(message.name)
        if handler is not None:
            handler(message)

    def sleep_level(self, message: fitdecode.FitDataMessage) -> None:
        level = _value(message, "sleep_level")
        if level not in _STAGES:
            raise _RecordError(f"sleep_level {level!r} is not one of {', '.join(_STAGES)}")
        self.gathered.stages.append((_when(message), level))

    def event(self, message: fitdecode.FitDataMessage) -> None:
        kind = _value(message, "event_type")
        if _value(message, "event") == SLEEP_EVENT and kind in {"start", "stop"}:
            self.gathered.sleep_events.append((_when(message), kind))

    def hrv_summary(self, message: fitdecode.FitDataMessage) -> None:
        average = _number(message, "last_night_average")
        self.gathered.hrv(_when(message), average, self.zone)

    def hrv_value(self, message: fitdecode.FitDataMessage) -> None:
        value = _number(message, "value")
        if value is not None:
            self.gathered.hrv_values.append((_when(message), value))

    def resting_hr(self, message: fitdecode.FitDataMessage) -> None:
        rhr = _number(message, "current_day_resting_heart_rate")
        self.gathered.resting(_when(message), rhr, self.zone)

    def breathing(self, message: fitdecode.FitDataMessage) -> None:
        self.gathered.breath(_when(message), _number(message, "respiration_rate"))

    def skin_temp(self, message: fitdecode.FitDataMessage) -> None:
        deviation = _number(message, "average_deviation")
        if deviation is None:
            return
        # local_timestamp is the wall-clock time, written as if it were UTC.
        local = _value(message, "local_timestamp")
        moment = local.replace(tzinfo=None) if isinstance(local, datetime) else None
        morning = night_morning(moment or self.local(_when(message)))
        if morning is not None:
            self.gathered.skin_temp[morning] = deviation

    def file_id(self, message: fitdecode.FitDataMessage) -> None:
        created = _value(message, "time_created")
        if isinstance(created, datetime):
            self.created = created if created.tzinfo else created.replace(tzinfo=UTC)

    def hrv_intervals(self, message: fitdecode.FitDataMessage) -> None:
        times = _value(message, "time")
        values = times if isinstance(times, tuple | list) else (times,)
        for value in values:
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _RecordError(f"time {value!r} is not a number of seconds")
            if value < _NO_INTERVAL_S:
                self.rr_ms.append(float(value) * 1000.0)

    def session(self, message: fitdecode.FitDataMessage) -> None:
        start = self.local(_when(message, "start_time"))
        seconds = _number(message, "total_timer_time") or _number(message, "total_elapsed_time")
        if seconds is None or seconds <= 0:
            raise _RecordError("has no total_timer_time")
        sport = _value(message, "sport")
        avg_hr = _number(message, "avg_heart_rate")
        distance = _number(message, "total_distance")
        self.moved |= distance is not None and distance > 0
        self.started = start if self.started is None else min(self.started, start)
        self.gathered.sessions.append(CompletedSession(
            self.athlete, start.date(), SOURCE, f"{start:%H:%M}",
            str(sport) if sport is not None else "general",
            round(seconds / 60, 1), None, avg_hr,
        ))  # fmt: skip


def _decode(stream: CountingReader) -> list[fitdecode.FitDataMessage]:
    """Every data message of one file, its CRC checked; raises on damaged bytes."""
    with fitdecode.FitReader(
        stream, check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.RAISE
    ) as fit:
        return [frame for frame in fit if isinstance(frame, fitdecode.FitDataMessage)]


def _stage_minutes(
    stages: list[tuple[datetime, str]], events: list[tuple[datetime, str]], zone: ZoneInfo
) -> tuple[dict[date, dict[str, float]], dict[date, tuple[datetime, datetime]]]:
    """Minutes per stage per morning, and each morning's sleep window (UTC)."""
    # A stage ends at its timestamp, so at equal times it goes before a start or stop.
    timeline: list[tuple[datetime, bool, str]] = [(t, False, lv) for t, lv in set(stages)]
    timeline += [(t, True, kind) for t, kind in set(events)]
    minutes: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    windows: dict[date, tuple[datetime, datetime]] = {}
    since: datetime | None = None
    for moment, is_event, what in sorted(timeline):
        if is_event:
            since = moment if what == "start" else None
            continue
        if since is not None and moment - since <= _LONGEST_STAGE:
            start_day = night_morning(since.astimezone(zone).replace(tzinfo=None))
            morning = night_morning(moment.astimezone(zone).replace(tzinfo=None))
            stage = _STAGES[what]
            if morning is not None and start_day == morning and stage is not None:
                minutes[morning][stage] += (moment - since).total_seconds() / 60
                first, _ = windows.get(morning, (since, moment))
                windows[morning] = (min(first, since), moment)
        since = moment
    return minutes, windows


def nights_from(
    got: Gathered, athlete: str, zone: ZoneInfo, errors: list[str], source: str = SOURCE
) -> list[Night]:
    """Put the gathered records together into nights; implausible values go to ``errors``."""
    stages, windows = _stage_minutes(got.stages, got.sleep_events, zone)
    hrv_means: dict[date, list[float]] = defaultdict(list)
    for moment, value in got.hrv_values:
        morning = night_morning(moment.astimezone(zone).replace(tzinfo=None))
        if morning is not None:
            hrv_means[morning].append(value)
    breathing: dict[date, list[float]] = defaultdict(list)
    for moment, rate in got.breathing:
        for morning, (start, end) in windows.items():
            if start <= moment <= end:
                breathing[morning].append(rate)
    days = set(stages) | set(got.hrv_summary) | set(hrv_means) | set(got.resting_hr)
    days |= set(got.skin_temp) | set(breathing)
    nights = []
    for day in sorted(days):
        values: dict[str, float | None] = {k: round(v, 1) for k, v in stages.get(day, {}).items()}
        if day in stages:
            values["sleep_total_min"] = round(sum(stages[day].get(k, 0.0) for k in _ASLEEP), 1)
        hrv = got.hrv_summary.get(day)
        if hrv is None and hrv_means.get(day):
            hrv = statistics.fmean(hrv_means[day])
        values["hrv_rmssd_ms"] = None if hrv is None else round(hrv, 1)
        values["rhr_bpm"] = got.resting_hr.get(day)
        skin = got.skin_temp.get(day)
        values["skin_temp_dev_c"] = None if skin is None else round(skin, 2)
        values["resp_rate"] = round(statistics.fmean(breathing[day]), 1) if breathing[day] else None
        kept, problems = keep_plausible(values)
        label = source.replace("_", " ")
        errors += [f"{label}: night {day}: {problem}; left out" for problem in problems]
        if kept:
            nights.append(Night(athlete, day, source, **kept))
    return nights


def parse_files(
    paths: Sequence[Path], athlete: str, zone: ZoneInfo, *, progress: Progress | None = None
) -> ParsedFit:
    """Decode ``paths`` (FIT files) into nights and sessions for ``athlete``."""
    sizes = [path.stat().st_size for path in paths]
    total, done = sum(sizes), 0
    errors: list[str] = []
    readings: list[MorningReading] = []
    gathered, messages = Gathered(), 0
    for path, size in zip(paths, sizes, strict=True):
        reader = _FileReader(athlete, zone)
        with path.open("rb") as raw:
            stream = CountingReader(raw, total, progress, offset=done)
            try:
                decoded = _decode(stream)
            # fitdecode raises its own errors, but also ValueError, TypeError and others on
            # damaged bytes met before the CRC at the end is checked.
            except Exception as exc:  # noqa: BLE001
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                errors.append(
                    f"{path.name}: not a readable FIT file at byte {stream.read_bytes} "
                    f"({reason}); nothing taken from it"
                )
                decoded = []
        for number, message in enumerate(decoded, start=1):
            try:
                reader.message(message)
            except _RecordError as exc:
                errors.append(f"{path.name}: message {number} ({message.name}): {exc}")
        messages += len(decoded)
        found = reader.reading()
        if found is not None:
            reader.gathered.sessions.clear()  # a recording of HRV, not a workout
            try:
                readings.append(
                    morning_reading(athlete, READING_SOURCE, found[0], found[1], complete=True)
                )
            except HrvError as exc:
                errors.append(f"{path.name}: the HRV recording gives no reading: {exc}")
        gathered.merge(reader.gathered)
        done += size
    nights = nights_from(gathered, athlete, zone, errors)
    sessions = {(s.date, s.start): s for s in gathered.sessions}
    # One reading per morning: the day's last, as for a strap.
    latest = {r.date: r for r in sorted(readings, key=lambda r: r.recorded_at)}
    return ParsedFit(
        tuple(nights), tuple(sessions.values()), tuple(errors), len(paths), messages,
        tuple(latest[d] for d in sorted(latest)),
    )  # fmt: skip


def import_files(
    store: Store,
    paths: Sequence[Path],
    athlete: str,
    zone: ZoneInfo,
    *,
    progress: Progress | None = None,
) -> tuple[ParsedFit, ImportRecord]:
    """Parse and store in one transaction, as one import of the journal."""
    parsed = parse_files(paths, athlete, zone, progress=progress)
    label = str(paths[0]) if len(paths) == 1 else f"{len(paths)} FIT files"
    origin = Origin(
        "garmin-fit", label, athlete, rows=parsed.messages, rejected=len(parsed.errors),
        keep_empty=True,
    )  # fmt: skip
    record = store.merge(
        nights=parsed.nights, sessions=parsed.sessions, readings=parsed.readings, origin=origin
    )
    return parsed, record

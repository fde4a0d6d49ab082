# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Apple Health ``export.xml``: nights and workouts, streamed in bounded memory.

The export is one XML file of ``<Record>`` and ``<Workout>`` elements, often gigabytes. It is
read with ``iterparse``, every element cleared once read, so memory stays flat whatever the
size. What is taken (type identifiers from HealthKit):

* ``HKQuantityTypeIdentifierHeartRateVariabilitySDNN``: Apple's HRV is **SDNN**, stored as
  ``hrv_sdnn_ms``, never as rMSSD; the night's value is the mean of the readings between
  18:00 and 12:00.
* ``HKQuantityTypeIdentifierRestingHeartRate``: the day's resting HR.
* ``HKQuantityTypeIdentifierRespiratoryRate``, ``HKQuantityTypeIdentifierOxygenSaturation``
  (a fraction, stored in %): night means.
* ``HKCategoryTypeIdentifierSleepAnalysis``: asleep core (light), deep, REM, unspecified and
  awake segments, summed per night; in-bed segments are not sleep.
* ``<Workout>``: training sessions (type, start, duration, average heart rate when the
  export has its statistics).

A night belongs to the morning it ends on. A record that cannot be read is one line naming
the file and the record; a file that is not well-formed XML stores nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from recoveryd.engine.load import CompletedSession
from recoveryd.models import Night, keep_plausible
from recoveryd.store import Store

from integrations.wearables.reading import EVENING, CountingReader, Progress, night_morning

SOURCE = "apple_health"
_HK = "HKQuantityTypeIdentifier"
_NIGHT_MEANS = {
    f"{_HK}HeartRateVariabilitySDNN": ("hrv_sdnn_ms", 1.0),
    f"{_HK}RespiratoryRate": ("resp_rate", 1.0),
    f"{_HK}OxygenSaturation": ("spo2_pct", 100.0),
}
_RESTING_HR = f"{_HK}RestingHeartRate"
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_STAGES = {
    "HKCategoryValueSleepAnalysisAsleepCore": "sleep_light_min",
    "HKCategoryValueSleepAnalysisAsleepDeep": "sleep_deep_min",
    "HKCategoryValueSleepAnalysisAsleepREM": "sleep_rem_min",
    "HKCategoryValueSleepAnalysisAsleepUnspecified": None,
    "HKCategoryValueSleepAnalysisAsleep": None,
    "HKCategoryValueSleepAnalysisAwake": "sleep_awake_min",
}
_TIME = "%Y-%m-%d %H:%M:%S %z"


class _RecordError(ValueError):
    pass


@dataclass
class _Night:
    # Running (sum, count) per metric: memory does not grow with the readings of a night.
    means: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))
    resting_hr: float | None = None
    sleep: dict[str, float] = field(default_factory=lambda: defaultdict(float))


@dataclass(frozen=True, slots=True)
class ParsedExport:
    """The nights and sessions an export held, one line per unreadable record."""

    nights: tuple[Night, ...]
    sessions: tuple[CompletedSession, ...]
    errors: tuple[str, ...]
    records: int


def _time(element: ET.Element, name: str) -> datetime:
    text = element.get(name)
    try:
        return datetime.strptime(text or "", _TIME)  # noqa: DTZ007 - _TIME ends in %z
    except ValueError:
        raise _RecordError(
            f"{name} {text!r} is not a time such as 2026-03-04 06:30:00 +0100"
        ) from None


def _number(element: ET.Element, name: str) -> float:
    text = element.get(name)
    try:
        return float(text or "")
    except ValueError:
        raise _RecordError(f"{name} {text!r} is not a number") from None


class _Collector:
    def __init__(self, athlete: str) -> None:
        self.athlete = athlete
        self.nights: dict[date, _Night] = defaultdict(_Night)
        self.sessions: dict[tuple[date, str], CompletedSession] = {}

    def record(self, element: ET.Element) -> None:
        kind = element.get("type", "")
        if kind in _NIGHT_MEANS:
            metric, scale = _NIGHT_MEANS[kind]
            day = night_morning(_time(element, "startDate"))
            if day is not None:
                running = self.nights[day].means[metric]
                running[0] += _number(element, "value") * scale
                running[1] += 1
        elif kind == _RESTING_HR:
            day = _time(element, "startDate").date()
            self.nights[day].resting_hr = _number(element, "value")
        elif kind == _SLEEP:
            self._sleep(element)

    def _sleep(self, element: ET.Element) -> None:
        value = element.get("value", "")
        if value not in _STAGES:
            return  # in bed, or a stage a later iOS adds
        start, end = _time(element, "startDate"), _time(element, "endDate")
        minutes = (end - start).total_seconds() / 60
        if minutes < 0:
            raise _RecordError("endDate is before startDate")
        day = end.date() if end.hour < EVENING else end.date() + timedelta(days=1)
        stage = _STAGES[value]
        night = self.nights[day]
        if stage is not None:
            night.sleep[stage] += minutes
        if stage != "sleep_awake_min":
            night.sleep["sleep_total_min"] += minutes

    def workout(self, element: ET.Element) -> None:
        start = _time(element, "startDate")
        minutes = _number(element, "duration")
        unit = element.get("durationUnit", "min")
        if unit not in {"min", "s"}:
            raise _RecordError(f"durationUnit {unit!r} is neither min nor s")
        minutes = minutes / 60 if unit == "s" else minutes
        sport = element.get("workoutActivityType", "").removeprefix("HKWorkoutActivityType")
        avg_hr = None
        for stats in element.iter("WorkoutStatistics"):
            if stats.get("type") == f"{_HK}HeartRate" and stats.get("average"):
                avg_hr = _number(stats, "average")
        session = CompletedSession(
            self.athlete, start.date(), SOURCE, f"{start:%H:%M}", sport.lower() or "general",
            round(minutes, 1), None, None if avg_hr is None else round(avg_hr, 1),
        )  # fmt: skip
        self.sessions[(session.date, session.start)] = session

    def result(self, errors: list[str], records: int, label: str) -> ParsedExport:
        nights = []
        for day in sorted(self.nights):
            gathered = self.nights[day]
            values: dict[str, float] = {
                metric: round(total / count, 2)
                for metric, (total, count) in gathered.means.items()
                if count
            }
            values.update({k: round(v, 1) for k, v in gathered.sleep.items()})
            if gathered.resting_hr is not None:
                values["rhr_bpm"] = gathered.resting_hr
            kept, problems = keep_plausible(dict(values))
            errors += [f"{label}: night {day}: {problem}; left out" for problem in problems]
            if kept:
                nights.append(Night(self.athlete, day, SOURCE, **kept))
        return ParsedExport(tuple(nights), tuple(self.sessions.values()), tuple(errors), records)


def parse_export(path: Path, athlete: str, *, progress: Progress | None = None) -> ParsedExport:
    """Stream ``path`` into nights and sessions for ``athlete``.

    Raises:
        ValueError: the file is not well-formed XML (one line: file, line, column).
    """
    collector, errors, records = _Collector(athlete), [], 0
    with path.open("rb") as raw:
        stream = CountingReader(raw, path.stat().st_size, progress)
        context = ET.iterparse(stream, events=("start", "end"))  # noqa: S314
        root: ET.Element | None = None
        try:
            for event, element in context:
                if root is None:
                    root = element
                if event != "end" or element.tag not in {"Record", "Workout"}:
                    continue
                records += 1
                try:
                    if element.tag == "Record":
                        collector.record(element)
                    else:
                        collector.workout(element)
                except _RecordError as exc:
                    kind = element.get("type") or element.get("workoutActivityType") or "?"
                    errors.append(f"{path.name}: {element.tag.lower()} {records} ({kind}): {exc}")
                # Bounded memory: drop what was read, from the element and from the root.
                element.clear()
                root.clear()
        except ET.ParseError as exc:
            line, column = exc.position
            raise ValueError(
                f"{path.name}: line {line}, column {column}: not well-formed XML "
                "(a truncated or damaged export?); nothing stored"
            ) from None
    return collector.result(errors, records, path.name)


def import_export(
    store: Store, path: Path, athlete: str, *, progress: Progress | None = None
) -> tuple[ParsedExport, int]:
    """Parse and store in one transaction; how many rows were new or changed."""
    parsed = parse_export(path, athlete, progress=progress)
    changed = store.upsert(nights=parsed.nights, sessions=parsed.sessions)
    return parsed, changed

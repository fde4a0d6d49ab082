# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The records of an Apple Health export, collected per night and per source.

How a night is chosen among the sources that wrote about it is described in
:mod:`integrations.wearables.apple_health`; a record that cannot be read raises
:class:`RecordError` naming the attribute.
"""

from __future__ import annotations

import contextlib
import itertools
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from recoveryd.domain.models import Night
from recoveryd.domain.plausible import keep_plausible
from recoveryd.domain.training import CompletedSession
from recoveryd.integrations.wearables.reading import EVENING, night_morning

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
    "HKCategoryValueSleepAnalysisAsleepUnspecified": "asleep",
    "HKCategoryValueSleepAnalysisAsleep": "asleep",
    "HKCategoryValueSleepAnalysisAwake": "sleep_awake_min",
}
_IN_BED = "HKCategoryValueSleepAnalysisInBed"
_STAGED = frozenset({"sleep_light_min", "sleep_deep_min", "sleep_rem_min"})
# Where segments of one source overlap, the first of these that covers a moment names it.
_STAGE_ORDER = ("sleep_deep_min", "sleep_rem_min", "sleep_light_min", "asleep", "sleep_awake_min")
_TIME = "%Y-%m-%d %H:%M:%S %z"
_WATCH = "watch"


class RecordError(ValueError):
    """One record that cannot be read (the message names the attribute)."""


@dataclass
class _Source:
    """What one ``sourceName`` wrote about one night."""

    # Running (sum, count) per metric: memory does not grow with the readings of a night.
    means: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))
    resting_hr: float | None = None
    segments: list[tuple[float, float, str]] = field(default_factory=list)
    records: int = 0


@dataclass
class _Night:
    sources: dict[str, _Source] = field(default_factory=lambda: defaultdict(_Source))
    # A sleep record of this night could not be read: its sleep here is incomplete.
    broken_sleep: bool = False


def _merged_minutes(segments: list[tuple[float, float, str]]) -> dict[str, float]:
    """Minutes per stage of possibly overlapping segments, each moment counted once."""
    edges = sorted({t for start, end, _ in segments for t in (start, end)})
    minutes: dict[str, float] = defaultdict(float)
    for begin, finish in itertools.pairwise(edges):
        covering = {stage for start, end, stage in segments if start <= begin and end >= finish}
        stage = next((s for s in _STAGE_ORDER if s in covering), None)
        if stage is not None:
            minutes[stage] += (finish - begin) / 60.0
    return minutes


def _rank(priority: Sequence[str], name: str, source: _Source, *, staged: bool) -> tuple[int, ...]:
    """Sort key of a source for one night and metric: lower is preferred."""
    lowered = name.lower()
    listed = next((i for i, part in enumerate(priority) if part.lower() in lowered), len(priority))
    return (listed, 0 if staged else 1, 0 if _WATCH in lowered else 1, -source.records)


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
        raise RecordError(
            f"{name} {text!r} is not a time such as 2026-03-04 06:30:00 +0100"
        ) from None


def _number(element: ET.Element, name: str) -> float:
    text = element.get(name)
    try:
        return float(text or "")
    except ValueError:
        raise RecordError(f"{name} {text!r} is not a number") from None


class Collector:
    """Collects the records of one export, night by night and source by source."""

    def __init__(self, athlete: str, priority: Sequence[str]) -> None:
        self.athlete = athlete
        self.priority = tuple(priority)
        self.nights: dict[date, _Night] = defaultdict(_Night)
        self.sessions: dict[tuple[date, str], CompletedSession] = {}
        # Nights around a sleep record whose dates could not be read: the one before it in
        # the file, and the next one a sleep record names.
        self._last_sleep_night: date | None = None
        self._taint_next_sleep = False

    def _source(self, day: date, element: ET.Element) -> _Source:
        source = self.nights[day].sources[element.get("sourceName") or "?"]
        source.records += 1
        return source

    def record(self, element: ET.Element) -> None:
        """Take one ``Record``: a night's mean, a resting heart rate or a sleep segment."""
        kind = element.get("type", "")
        if kind in _NIGHT_MEANS:
            metric, scale = _NIGHT_MEANS[kind]
            day = night_morning(_time(element, "startDate"))
            if day is not None:
                value = _number(element, "value") * scale
                running = self._source(day, element).means[metric]
                running[0] += value
                running[1] += 1
        elif kind == _RESTING_HR:
            day = _time(element, "startDate").date()
            value = _number(element, "value")
            self._source(day, element).resting_hr = value
        elif kind == _SLEEP:
            try:
                self._sleep(element)
            except RecordError:
                self._broken_sleep(element)
                raise

    def _broken_sleep(self, element: ET.Element) -> None:
        """Mark the night an unreadable sleep record belongs to as incomplete."""
        for name in ("endDate", "startDate"):
            with contextlib.suppress(RecordError):
                self.nights[_sleep_night(_time(element, name))].broken_sleep = True
                return
        if self._last_sleep_night is not None:
            self.nights[self._last_sleep_night].broken_sleep = True
        self._taint_next_sleep = True

    def _sleep(self, element: ET.Element) -> None:
        value = element.get("value", "")
        if value == _IN_BED:
            return
        if value not in _STAGES:
            raise RecordError(f"value {value!r} is not a sleep stage recoveryd knows")
        start, end = _time(element, "startDate"), _time(element, "endDate")
        if end < start:
            raise RecordError("endDate is before startDate")
        day = _sleep_night(end)
        self._last_sleep_night = day
        if self._taint_next_sleep:
            self.nights[day].broken_sleep = True
            self._taint_next_sleep = False
        self._source(day, element).segments.append(
            (start.timestamp(), end.timestamp(), _STAGES[value])
        )

    def workout(self, element: ET.Element) -> None:
        """Take one ``Workout`` as a training session."""
        start = _time(element, "startDate")
        minutes = _number(element, "duration")
        unit = element.get("durationUnit", "min")
        if unit not in {"min", "s"}:
            raise RecordError(f"durationUnit {unit!r} is neither min nor s")
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

    def _chosen(
        self, night: _Night, has: Callable[[_Source], bool], *, staged: Callable[[_Source], bool]
    ) -> _Source | None:
        candidates = [(n, s) for n, s in night.sources.items() if has(s)]
        if not candidates:
            return None
        _, best = min(
            candidates, key=lambda c: _rank(self.priority, c[0], c[1], staged=staged(c[1]))
        )
        return best

    def _values(self, night: _Night) -> dict[str, float]:
        values: dict[str, float] = {}
        for metric in {m for m, _ in _NIGHT_MEANS.values()}:
            chosen = self._chosen(night, _has_mean(metric), staged=_no)
            if chosen is not None:
                total, count = chosen.means[metric]
                values[metric] = round(total / count, 2)
        resting = self._chosen(night, lambda s: s.resting_hr is not None, staged=_no)
        if resting is not None and resting.resting_hr is not None:
            values["rhr_bpm"] = resting.resting_hr
        sleeper = self._chosen(night, lambda s: bool(s.segments), staged=_stages)
        if sleeper is not None and not night.broken_sleep:
            minutes = _merged_minutes(sleeper.segments)
            asleep = sum(v for k, v in minutes.items() if k != "sleep_awake_min")
            if asleep > 0:
                values["sleep_total_min"] = round(asleep, 1)
            if _stages(sleeper):
                for stage in (*_STAGED, "sleep_awake_min"):
                    values[stage] = round(minutes.get(stage, 0.0), 1)
            elif "sleep_awake_min" in minutes:
                values["sleep_awake_min"] = round(minutes["sleep_awake_min"], 1)
        return values

    def result(self, errors: list[str], records: int, label: str) -> ParsedExport:
        """The nights (each metric from its preferred source) and sessions collected."""
        nights = []
        for day in sorted(self.nights):
            gathered = self.nights[day]
            values = self._values(gathered)
            if gathered.broken_sleep:
                errors.append(
                    f"{label}: night {day}: a sleep record of this night could not be read; "
                    "its sleep left out (what was stored stays)"
                )
            kept, problems = keep_plausible(dict(values))
            errors += [f"{label}: night {day}: {problem}; left out" for problem in problems]
            if kept:
                nights.append(Night(self.athlete, day, SOURCE, **kept))
        return ParsedExport(tuple(nights), tuple(self.sessions.values()), tuple(errors), records)


def _has_mean(metric: str) -> Callable[[_Source], bool]:
    def has(source: _Source) -> bool:
        return source.means[metric][1] > 0

    return has


def _no(_: _Source) -> bool:
    return False


def _stages(source: _Source) -> bool:
    """Whether the source stages sleep (a watch, a ring's app), not just "asleep"."""
    return any(stage in _STAGED for _, _, stage in source.segments)


def _sleep_night(end: datetime) -> date:
    """The morning a sleep segment ending at ``end`` belongs to."""
    return end.date() if end.hour < EVENING else end.date() + timedelta(days=1)

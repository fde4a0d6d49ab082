# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Garmin's night records put together: stages, HRV, resting HR, skin temperature, breathing.

A Garmin night reaches recoveryd as records, from FIT files (``garmin_fit``) or from
Gadgetbridge's tables of a Garmin watch (``gadgetbridge``); both gather them into one
:class:`Gathered` and :func:`nights_from` makes the nights. A ``sleep_level`` record's
timestamp is the **end** of the stage it names (how Gadgetbridge reads Garmin's sleep files,
issue #4048 there): a stage runs from the previous record, or from the sleep-start event
(event 74), to its own timestamp. Nights belong to the morning they end on.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.domain.plausible import keep_plausible
from recoveryd.domain.training import CompletedSession
from recoveryd.integrations.wearables.reading import night_morning

SOURCE = "garmin_fit"
SLEEP_EVENT = 74
"""The sleep event's number: not in the public profile; Garmin's sleep files use it."""

STAGE_NAMES = ("unmeasurable", "awake", "light", "deep", "rem")
"""The FIT profile's sleep_level values 0-4, by number."""
STAGES = {
    "awake": "sleep_awake_min",
    "light": "sleep_light_min",
    "deep": "sleep_deep_min",
    "rem": "sleep_rem_min",
    "unmeasurable": None,
}
"""Each stage's field of :class:`~recoveryd.domain.models.Night` (``None``: in none)."""
_ASLEEP = ("sleep_light_min", "sleep_deep_min", "sleep_rem_min")
_LONGEST_STAGE = timedelta(hours=12)


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


def stage_minutes(
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
            stage = STAGES[what]
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
    stages, windows = stage_minutes(got.stages, got.sleep_events, zone)
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

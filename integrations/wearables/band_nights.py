# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A band's minutes put together into nights, as Gadgetbridge's ``SleepAnalysis`` does (0.91.0).

A night is a run of asleep minutes; a stretch of minutes that are not asleep but without a
step, shorter than an hour, is time awake inside it; a step or a longer stretch ends it. Runs
under five minutes are not sleep. A run belongs to the morning it ends on (18:00 to 12:00
local); an afternoon nap is no night. What the band measured besides (resting HR, SpO2,
breathing, HRV, heartbeats) is averaged over the night's runs.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.domain.plausible import keep_plausible
from recoveryd.engine.hrv import HrvError, analyse
from recoveryd.integrations.wearables.reading import night_morning

ASLEEP = ("light", "deep", "rem", "asleep")
_MINUTE = 60
_MIN_RUN_S = 5 * 60
_MAX_WAKE_S = 60 * 60


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

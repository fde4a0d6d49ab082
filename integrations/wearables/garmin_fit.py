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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.domain.reading import MorningReading
from recoveryd.domain.training import CompletedSession
from recoveryd.engine.hrv import HrvError
from recoveryd.engine.morning_reading import morning_reading
from recoveryd.integrations.wearables.fit_records import FileReader, RecordError, decode
from recoveryd.integrations.wearables.garmin_nights import (
    SLEEP_EVENT,
    SOURCE,
    STAGE_NAMES,
    Gathered,
    daily_record_day,
    nights_from,
)
from recoveryd.integrations.wearables.reading import CountingReader, Progress
from recoveryd.store.database import Store
from recoveryd.store.journal import ImportRecord, Origin

__all__ = [
    "READING_SOURCE",
    "SLEEP_EVENT",
    "SOURCE",
    "STAGE_NAMES",
    "Gathered",
    "ParsedFit",
    "daily_record_day",
    "fit_files",
    "import_files",
    "nights_from",
    "parse_files",
]

READING_SOURCE = "garmin_morning"
"""The source of morning readings recorded on a Garmin (its ``hrv`` messages)."""


@dataclass(frozen=True, slots=True)
class ParsedFit:
    """The nights and sessions a set of FIT files held, one line per problem."""

    nights: tuple[Night, ...]
    sessions: tuple[CompletedSession, ...]
    errors: tuple[str, ...]
    files: int
    messages: int
    readings: tuple[MorningReading, ...] = ()


def fit_files(paths: Iterable[Path]) -> list[Path]:
    """The FIT files named, the folders expanded (``*.fit`` in any case, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".fit")
        else:
            found.append(path)
    return found


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
        reader = FileReader(athlete, zone)
        with path.open("rb") as raw:
            stream = CountingReader(raw, total, progress, offset=done)
            try:
                decoded = decode(stream)
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
            except RecordError as exc:
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

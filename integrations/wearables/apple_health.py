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
  awake segments; in-bed segments are not sleep.
* ``<Workout>``: training sessions (type, start, duration, average heart rate when the
  export has its statistics).

**Several devices.** An iPhone and an Apple Watch (and apps such as AutoSleep or a ring's
app) all write into one Health database, each record naming its ``sourceName``. Summing
them counts a night twice, so each night and metric is read from **one** source:

1. the first name in ``priority`` (case-insensitive parts of ``sourceName``, e.g.
   ``["watch", "iphone"]``; the athlete's ``apple_health_priority``) that has it;
2. otherwise, for sleep, a source with stages (core, deep, REM) before one that only says
   "asleep" (the iPhone's estimate from phone use); then a source whose name says it is a
   watch; then the source with the most records that night.

Within the chosen source, overlapping segments are merged, never summed (a watch that
synced a night twice writes it twice); where stages overlap, the asleep stage wins over
awake, a named stage over "unspecified". Awake minutes are 0 only when the chosen source
stages sleep and reported no awake segment; from an unstaged source they are unknown.

A night belongs to the morning it ends on. A record that cannot be read is one line naming
the file and the record, and a night with an unreadable sleep record keeps whatever sleep
was stored for it (its sleep from this file is incomplete, and is left out with a line);
a file that is not well-formed XML stores nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from recoveryd.integrations.wearables.apple_health_records import (
    SOURCE,
    Collector,
    ParsedExport,
    RecordError,
)
from recoveryd.integrations.wearables.reading import CountingReader, Progress
from recoveryd.store.database import Store
from recoveryd.store.journal import ImportRecord, Origin

__all__ = ["SOURCE", "ParsedExport", "import_export", "parse_export"]


def parse_export(
    path: Path,
    athlete: str,
    *,
    progress: Progress | None = None,
    priority: Sequence[str] = (),
) -> ParsedExport:
    """Stream ``path`` into nights and sessions for ``athlete``.

    ``priority`` orders the export's sources by parts of their names (see the module).

    Raises:
        ValueError: the file is not well-formed XML (one line: file, line, column).
    """
    collector, errors, records = Collector(athlete, priority), [], 0
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
                except RecordError as exc:
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
    store: Store,
    path: Path,
    athlete: str,
    *,
    progress: Progress | None = None,
    priority: Sequence[str] = (),
) -> tuple[ParsedExport, ImportRecord]:
    """Parse and store in one transaction, as one import of the journal."""
    parsed = parse_export(path, athlete, progress=progress, priority=priority)
    origin = Origin(
        "apple-health", str(path), athlete, rows=parsed.records, rejected=len(parsed.errors),
        keep_empty=True,
    )  # fmt: skip
    return parsed, store.merge(nights=parsed.nights, sessions=parsed.sessions, origin=origin)

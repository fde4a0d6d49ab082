# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A Garmin watch's nights in a Gadgetbridge export: its FIT records, decoded into tables.

Gadgetbridge decodes the watch's FIT files into ``GARMIN_*_SAMPLE`` tables, so they hold the
same quantities as the FIT import and are put together the same way
(:mod:`integrations.wearables.garmin_nights`); see :mod:`integrations.wearables.gadgetbridge`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.integrations.wearables.gadgetbridge_rows import (
    RowError,
    RowSink,
    moment_ms,
    number,
    select,
)
from recoveryd.integrations.wearables.garmin_nights import (
    SLEEP_EVENT,
    STAGE_NAMES,
    Gathered,
    nights_from,
)

SOURCE = "gadgetbridge"
TABLES = (
    "GARMIN_SLEEP_STAGE_SAMPLE",
    "GARMIN_EVENT_SAMPLE",
    "GARMIN_HRV_SUMMARY_SAMPLE",
    "GARMIN_HRV_VALUE_SAMPLE",
    "GARMIN_HEART_RATE_RESTING_SAMPLE",
    "GARMIN_RESPIRATORY_RATE_SAMPLE",
)
"""The tables of a Garmin watch's samples recoveryd reads."""
_EVENT_TYPES = {0: "start", 1: "stop"}


class _Reader:
    """Gathers a Garmin watch's rows as the FIT import gathers its records."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone, self.got = zone, Gathered()
        self.handlers: dict[str, Callable[[sqlite3.Row], None]] = {
            "GARMIN_SLEEP_STAGE_SAMPLE": self.stage,
            "GARMIN_EVENT_SAMPLE": self.event,
            "GARMIN_HRV_SUMMARY_SAMPLE": self.hrv_summary,
            "GARMIN_HRV_VALUE_SAMPLE": self.hrv_value,
            "GARMIN_HEART_RATE_RESTING_SAMPLE": self.resting,
            "GARMIN_RESPIRATORY_RATE_SAMPLE": self.breathing,
        }

    def stage(self, row: sqlite3.Row) -> None:
        number = row["STAGE"]
        if not isinstance(number, int) or not 0 <= number < len(STAGE_NAMES):
            raise RowError(f"STAGE {number!r} is not a sleep level 0-4")
        self.got.stages.append((moment_ms(row), STAGE_NAMES[number]))

    def event(self, row: sqlite3.Row) -> None:
        kind = _EVENT_TYPES.get(row["EVENT_TYPE"])
        if row["EVENT"] == SLEEP_EVENT and kind is not None:
            self.got.sleep_events.append((moment_ms(row), kind))

    def hrv_summary(self, row: sqlite3.Row) -> None:
        self.got.hrv(moment_ms(row), number(row, "LAST_NIGHT_AVERAGE"), self.zone)

    def hrv_value(self, row: sqlite3.Row) -> None:
        value = number(row, "VALUE")
        if value is not None:
            self.got.hrv_values.append((moment_ms(row), value))

    def resting(self, row: sqlite3.Row) -> None:
        self.got.resting(moment_ms(row), number(row, "HEART_RATE"), self.zone)

    def breathing(self, row: sqlite3.Row) -> None:
        self.got.breath(moment_ms(row), number(row, "RESPIRATORY_RATE"))


def garmin_nights(
    db: sqlite3.Connection,
    device: int,
    athlete: str,
    zone: ZoneInfo,
    *,
    sink: RowSink,
    names: set[str],
) -> list[Night]:
    """The nights of the Garmin watch ``device``; rows that cannot be read go to ``sink``."""
    reader = _Reader(zone)
    for table in (t for t in TABLES if t in names):
        sink.read(select(db, table, device), table, reader.handlers[table])
    return nights_from(reader.got, athlete, zone, sink.errors, SOURCE)


def count_rows(db: sqlite3.Connection, device: int, names: set[str]) -> int:
    """How many rows of ``device`` the Garmin tables hold (the progress bar's total)."""
    return sum(
        db.execute(f'SELECT COUNT(*) FROM "{t}" WHERE "DEVICE_ID" = ?', (device,)).fetchone()[0]
        for t in TABLES
        if t in names
    )

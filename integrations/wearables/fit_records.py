# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One FIT file's data messages, read into what a night, a workout or a reading needs.

The messages taken and how are described in :mod:`integrations.wearables.garmin_fit`; a record
that cannot be read raises :class:`RecordError` naming the field.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import fitdecode
from recoveryd.domain.training import CompletedSession
from recoveryd.integrations.wearables.garmin_nights import SLEEP_EVENT, SOURCE, STAGES, Gathered
from recoveryd.integrations.wearables.reading import CountingReader, night_morning

_READING_MAX = timedelta(minutes=15)
_NO_INTERVAL_S = 65.535  # 0xFFFF / 1000: the FIT profile's invalid uint16


class RecordError(ValueError):
    """One record of a FIT file cannot be read (the message names the field)."""


def _value(message: fitdecode.FitDataMessage, name: str) -> Any:  # noqa: ANN401 - FIT values vary
    return message.get_value(name, fallback=None)


def _number(message: fitdecode.FitDataMessage, name: str) -> float | None:
    value = _value(message, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{name} {value!r} is not a number")
    return float(value)


def _when(message: fitdecode.FitDataMessage, name: str = "timestamp") -> datetime:
    value = _value(message, name)
    if not isinstance(value, datetime):
        raise RecordError(f"{name} {value!r} is not a time")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class FileReader:
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
        """``moment`` as the household's wall-clock time (naive)."""
        return moment.astimezone(self.zone).replace(tzinfo=None)

    def message(self, message: fitdecode.FitDataMessage) -> None:
        """Take what the nights need from one data message; ignore the rest."""
        handler = {
            "sleep_level": self._sleep_level,
            "event": self._event,
            "hrv_status_summary": self._hrv_summary,
            "hrv_value": self._hrv_value,
            "monitoring_hr_data": self._resting_hr,
            "skin_temp_overnight": self._skin_temp,
            "respiration_rate": self._breathing,
            "session": self._session,
            "hrv": self._hrv_intervals,
            "file_id": self._file_id,
        }.get(message.name)
        if handler is not None:
            handler(message)

    def _sleep_level(self, message: fitdecode.FitDataMessage) -> None:
        level = _value(message, "sleep_level")
        if level not in STAGES:
            raise RecordError(f"sleep_level {level!r} is not one of {', '.join(STAGES)}")
        self.gathered.stages.append((_when(message), level))

    def _event(self, message: fitdecode.FitDataMessage) -> None:
        kind = _value(message, "event_type")
        if _value(message, "event") == SLEEP_EVENT and kind in {"start", "stop"}:
            self.gathered.sleep_events.append((_when(message), kind))

    def _hrv_summary(self, message: fitdecode.FitDataMessage) -> None:
        average = _number(message, "last_night_average")
        self.gathered.hrv(_when(message), average, self.zone)

    def _hrv_value(self, message: fitdecode.FitDataMessage) -> None:
        value = _number(message, "value")
        if value is not None:
            self.gathered.hrv_values.append((_when(message), value))

    def _resting_hr(self, message: fitdecode.FitDataMessage) -> None:
        rhr = _number(message, "current_day_resting_heart_rate")
        self.gathered.resting(_when(message), rhr, self.zone)

    def _breathing(self, message: fitdecode.FitDataMessage) -> None:
        self.gathered.breath(_when(message), _number(message, "respiration_rate"))

    def _skin_temp(self, message: fitdecode.FitDataMessage) -> None:
        deviation = _number(message, "average_deviation")
        if deviation is None:
            return
        # local_timestamp is the wall-clock time, written as if it were UTC.
        local = _value(message, "local_timestamp")
        moment = local.replace(tzinfo=None) if isinstance(local, datetime) else None
        morning = night_morning(moment or self.local(_when(message)))
        if morning is not None:
            self.gathered.skin_temp[morning] = deviation

    def _file_id(self, message: fitdecode.FitDataMessage) -> None:
        created = _value(message, "time_created")
        if isinstance(created, datetime):
            self.created = created if created.tzinfo else created.replace(tzinfo=UTC)

    def _hrv_intervals(self, message: fitdecode.FitDataMessage) -> None:
        times = _value(message, "time")
        values = times if isinstance(times, tuple | list) else (times,)
        for value in values:
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RecordError(f"time {value!r} is not a number of seconds")
            if value < _NO_INTERVAL_S:
                self.rr_ms.append(float(value) * 1000.0)

    def _session(self, message: fitdecode.FitDataMessage) -> None:
        start = self.local(_when(message, "start_time"))
        seconds = _number(message, "total_timer_time") or _number(message, "total_elapsed_time")
        if seconds is None or seconds <= 0:
            raise RecordError("has no total_timer_time")
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


def decode(stream: CountingReader) -> list[fitdecode.FitDataMessage]:
    """Every data message of one file, its CRC checked; raises on damaged bytes."""
    with fitdecode.FitReader(
        stream, check_crc=fitdecode.CrcCheck.RAISE, error_handling=fitdecode.ErrorHandling.RAISE
    ) as fit:
        return [frame for frame in fit if isinstance(frame, fitdecode.FitDataMessage)]

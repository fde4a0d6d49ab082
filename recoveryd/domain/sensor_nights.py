# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Nights from Home Assistant sensor histories (Oura, WHOOP, Garmin, Withings, Fitbit…). Pure.

Those integrations expose last night's numbers as sensors that change once a morning. The
night ending on day *D* takes the sensor's last numeric state that changed after *D - 1* at
``at`` and no later than *D* at ``at``: a value that did not change in that day is not
repeated as a new night, and ``unknown``/``unavailable`` are not numbers. When sleep began
and ended (``sleep_onset_min``, ``sleep_offset_min``) may come as timestamp sensors (Oura's
and Withings' bedtime sensors): a timestamp becomes minutes from the midnight that starts
*D*, in the household's time zone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.domain.plausible import implausible

Reading = tuple[datetime, str]  # when the state changed, and the state


def _number(state: str) -> float | None:
    try:
        value = float(state)
    except ValueError:
        return None
    return None if math.isnan(value) or math.isinf(value) else value


CLOCK_METRICS = frozenset({"sleep_onset_min", "sleep_offset_min"})


def _clock_minutes(state: str, day: date, zone: ZoneInfo) -> float | None:
    """A timestamp state as minutes from the midnight that starts ``day`` (else a number)."""
    number = _number(state)
    if number is not None:
        return number
    try:
        moment = datetime.fromisoformat(state)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    midnight = datetime.combine(day, time(0, 0), zone)
    return round((moment - midnight).total_seconds() / 60, 1)


def night_value(
    readings: Sequence[Reading], day: date, at: time, zone: ZoneInfo, *, clock: bool = False
) -> float | None:
    """The sensor's value for the night ending on ``day``, ``None`` when it did not report.

    ``clock``: a time of the night (a timestamp or minutes), as minutes from ``day``'s midnight.
    """
    end = datetime.combine(day, at, zone)
    start = end - timedelta(days=1)
    found = None
    for changed, state in sorted(readings):
        if start < changed <= end:
            value = _clock_minutes(state, day, zone) if clock else _number(state)
            if value is not None:
                found = value
    return found


def sensor_nights(
    athlete: str,
    source: str,
    histories: Mapping[str, Sequence[Reading]],
    *,
    metrics: Mapping[str, str],
    scales: Mapping[str, float],
    days: Sequence[date],
    at: time,
    zone: ZoneInfo,
) -> tuple[list[Night], list[str]]:
    """Nights of ``source`` from the entity histories, and one line per value left out."""
    nights, problems = [], []
    for day in days:
        values: dict[str, float] = {}
        for metric, entity in metrics.items():
            value = night_value(
                histories.get(entity, ()), day, at, zone, clock=metric in CLOCK_METRICS
            )
            if value is None:
                continue
            value = round(value * scales.get(metric, 1.0), 3)
            problem = implausible(metric, value)
            if problem is None:
                values[metric] = value
            else:
                problems.append(f"{entity} {day}: {problem}")
        if values:
            nights.append(Night(athlete, day, source, **values))
    return nights, problems

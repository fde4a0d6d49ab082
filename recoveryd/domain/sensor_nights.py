# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Nights from Home Assistant sensor histories (Oura, WHOOP, Garmin, Withings, Fitbit…). Pure.

Those integrations expose last night's numbers as sensors that change once a morning. The
night ending on day *D* takes the sensor's last numeric state that changed after *D - 1* at
``at`` and no later than *D* at ``at``: a value that did not change in that day is not
repeated as a new night, and ``unknown``/``unavailable`` are not numbers.
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


def night_value(readings: Sequence[Reading], day: date, at: time, zone: ZoneInfo) -> float | None:
    """The sensor's value for the night ending on ``day``, ``None`` when it did not report."""
    end = datetime.combine(day, at, zone)
    start = end - timedelta(days=1)
    found = None
    for changed, state in sorted(readings):
        if start < changed <= end:
            value = _number(state)
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
            value = night_value(histories.get(entity, ()), day, at, zone)
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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Validators shared by every boundary that reads outside data (configuration, files, MQTT).

Their messages are written for people: what was wrong, what is allowed, what was given.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from recoveryd.domain.plausible import PLAUSIBLE

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# No wearable or heart-rate monitor kept a daily history before this; a date before it (or
# in year 1) is a unit or format mistake, not a night.
EARLIEST_DAY = date(1980, 1, 1)
DAYS_AHEAD = 2  # a day "tomorrow" somewhere on Earth, plus one for a clock that is behind


def plausible_day(value: date) -> date:
    """A day of data: from :data:`EARLIEST_DAY` to :data:`DAYS_AHEAD` days after today."""
    latest = datetime.now(UTC).date() + timedelta(days=DAYS_AHEAD)
    if not EARLIEST_DAY <= value <= latest:
        raise PydanticCustomError(
            "implausible_day",
            "must be a day from {earliest} to {latest}, got {value}",
            {"earliest": EARLIEST_DAY.isoformat(), "latest": latest.isoformat(),
             "value": value.isoformat()},
        )  # fmt: skip
    return value


Day = Annotated[date, AfterValidator(plausible_day)]


def between(low: float, high: float) -> AfterValidator:
    """A range validator whose message names both bounds (pydantic's names only one)."""

    def check(value: float) -> float:
        if isinstance(value, float) and not math.isfinite(value):
            raise PydanticCustomError(
                "not_finite", "must be a finite number, got {value}", {"value": repr(value)}
            )
        if not low <= value <= high:
            raise PydanticCustomError(
                "out_of_range",
                "must be between {low} and {high}, got {value}",
                {"low": _plain(low), "high": _plain(high), "value": _plain(value)},
            )
        return value

    return AfterValidator(check)


def plausible(metric: str) -> Any:  # noqa: ANN401 - a type built at import time
    """An optional float field bounded by the metric's plausible range (plausible.PLAUSIBLE)."""
    low, high = PLAUSIBLE[metric]
    return Annotated[float, between(low, high)] | None


CheckInItem = Annotated[int, between(1, 5)]


def slug(value: str) -> str:
    """Accept a name that is safe inside an MQTT topic and a Home Assistant entity id."""
    if not _SLUG.match(value):
        raise PydanticCustomError(
            "slug",
            "must be 1-32 characters of a-z, 0-9, '_' or '-' starting with a letter or digit "
            "(it becomes part of MQTT topics and entity ids), got {value}",
            {"value": repr(value)},
        )
    return value


def _plain(number: float) -> float | int | str:
    """Show 65535.0 as 65535 in messages, and a number of many digits in a few (1e+299)."""
    if abs(number) >= _LONG:
        return f"{float(number):.3g}"
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


_LONG = 1e12  # a number with more digits than this is shown in scientific notation


class SessionInput(BaseModel):
    """A completed session as a person or a device reports it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minutes: Annotated[float, between(1, 1440)]
    rpe: Annotated[float, between(0, 10)] | None = None
    avg_hr: Annotated[float, between(30, 240)] | None = None

    @model_validator(mode="after")
    def _carries_load(self) -> SessionInput:
        if self.rpe is None and self.avg_hr is None:
            raise PydanticCustomError(
                "no_load", "give rpe or avg_hr, or the session carries no load", {}
            )
        return self


def _local_time(value: object) -> time:
    if isinstance(value, time):
        return value
    # YAML 1.1 reads an unquoted 07:00 as the sexagesimal integer 420.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    if isinstance(value, str):
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if match:
            return time(int(match.group(1)), int(match.group(2)))
    raise PydanticCustomError(
        "local_time",
        "must be a local time HH:MM such as '07:00', got {value}",
        {"value": repr(value)},
    )


LocalTime = Annotated[time, BeforeValidator(_local_time)]

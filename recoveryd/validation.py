# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Validators shared by every boundary that reads outside data (configuration, files, MQTT).

Their messages are written for people: what was wrong, what is allowed, what was given.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


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


def _plain(number: float) -> float | int:
    """Show 65535.0 as 65535 in messages."""
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Configuration of what the home does on a day with each protocol: the parts and their times.

The devices they use are :mod:`recoveryd.config.home`; limits that protect people are in
:mod:`recoveryd.domain.limits` and cannot be raised here.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from recoveryd.config.home import EntityId
from recoveryd.config.sections import Section
from recoveryd.domain import limits
from recoveryd.domain.validation import LocalTime, between

# Passive body heating 1-2 h before bedtime shortens sleep-onset latency; heat closer to lights
# out leaves the core warm when it should be falling (Haghayegh et al. 2019, Sleep Med Rev
# 46:124-135, a meta-analysis of warm baths and showers at 40-42.5 °C).
SAUNA_GAP_BEFORE_BEDTIME_MIN = 60
_BEFORE_BEDTIME = between(0, 360)


class SaunaPlanConfig(Section):
    """A sauna session that must be hot by ``ready_by``; pre-heat starts early enough.

    With ``before_bedtime_min`` an evening session instead ends that long before tonight's
    target bedtime (``ready_by`` stays the time used when no bedtime is known). Any session
    that would end later than ``gap_before_bedtime_min`` before the bedtime moves earlier.
    """

    device: str
    ready_by: LocalTime | None = None
    before_bedtime_min: Annotated[int, between(30, 360)] | None = Field(
        default=None, title="End the session this many minutes before tonight's bedtime"
    )
    gap_before_bedtime_min: Annotated[int, between(0, 360)] = Field(
        default=SAUNA_GAP_BEFORE_BEDTIME_MIN, title="No session ends closer to the bedtime"
    )
    minutes: Annotated[int, between(5, limits.SAUNA_MAX_SESSION_MIN)] = 20
    temp_c: Annotated[int, between(limits.SAUNA_MIN_TEMP_C, limits.SAUNA_MAX_TEMP_C)] = 80

    @model_validator(mode="after")
    def _when(self) -> SaunaPlanConfig:
        if self.ready_by is None and self.before_bedtime_min is None:
            raise PydanticCustomError(
                "when", "give ready_by: HH:MM or before_bedtime_min (or both)", {}
            )
        return self


class TimedPlanConfig(Section):
    """Something that runs for ``minutes`` from ``at`` (compression boots, a timer)."""

    device: str
    at: LocalTime
    minutes: Annotated[int, between(1, 120)] = 20


class MeditationPlanConfig(Section):
    """Guided-meditation audio on a media player, with an optional timer.

    At ``before_bedtime_min`` before tonight's target bedtime when one is known, else at ``at``.
    """

    device: str
    at: LocalTime | None = None
    before_bedtime_min: Annotated[int, _BEFORE_BEDTIME] | None = Field(
        default=None, title="Start this many minutes before tonight's bedtime (else at 'at')"
    )
    minutes: Annotated[int, between(1, 120)] = 10
    media_id: str = Field(min_length=1)
    media_type: str = "music"
    timer: str | None = Field(default=None, title="A timer device started for the session")

    @model_validator(mode="after")
    def _when(self) -> MeditationPlanConfig:
        if self.at is None and self.before_bedtime_min is None:
            raise PydanticCustomError("when", "give at: HH:MM or before_bedtime_min (or both)", {})
        return self


class ScenePlanConfig(Section):
    """A scene (or light setting) at a fixed time, or when a wake signal arrives.

    With ``wake_entity`` (a bed-occupancy sensor, or a phone's next-alarm timestamp sensor,
    read through Home Assistant) the scene runs when the person gets up after ``earliest``,
    and at ``latest`` if no signal came; see :mod:`recoveryd.home.wake`. With
    ``before_bedtime_min`` (a wind-down scene) it runs that long before tonight's target
    bedtime when one is known, else at ``at``.
    """

    device: str
    at: LocalTime | None = None
    wake_entity: EntityId | None = Field(
        default=None, title="Bed-occupancy or phone-alarm entity that starts the scene"
    )
    wake_state: str = Field(
        default="off", min_length=1, title="The wake entity's state that means 'got up'"
    )
    earliest: LocalTime = Field(default=time(4, 0), title="Wake signals before this are ignored")
    latest: LocalTime | None = Field(default=None, title="Run by then even without the signal")
    before_bedtime_min: Annotated[int, _BEFORE_BEDTIME] | None = Field(
        default=None, title="Run this many minutes before tonight's bedtime (else at 'at')"
    )
    kelvin: Annotated[int, between(1500, 6500)] | None = None
    brightness_pct: Annotated[int, between(1, 100)] | None = None
    transition_s: Annotated[int, between(0, 3600)] | None = None

    @model_validator(mode="after")
    def _when(self) -> ScenePlanConfig:
        if self.wake_entity is not None and (self.at, self.before_bedtime_min) != (None, None):
            raise PydanticCustomError(
                "when", "give either wake_entity (with latest: HH:MM) or at/before_bedtime_min", {}
            )
        if (self.at, self.wake_entity, self.before_bedtime_min) == (None, None, None):
            raise PydanticCustomError(
                "when",
                "give at: HH:MM, wake_entity (with latest: HH:MM) or before_bedtime_min",
                {},
            )
        if self.wake_entity is not None:
            if self.latest is None:
                raise PydanticCustomError(
                    "when", "wake_entity needs latest: HH:MM, when the scene runs without it", {}
                )
            if self.latest <= self.earliest:
                raise PydanticCustomError(
                    "when",
                    "latest must be after earliest, got earliest {earliest}, latest {latest}",
                    {"earliest": f"{self.earliest:%H:%M}", "latest": f"{self.latest:%H:%M}"},
                )
        return self


class ProtocolHomeConfig(Section):
    """What the home does on a day with one protocol; every part is optional."""

    wake: ScenePlanConfig | None = None
    sauna: SaunaPlanConfig | None = None
    compression: TimedPlanConfig | None = None
    meditation: MeditationPlanConfig | None = None
    wind_down: ScenePlanConfig | None = None

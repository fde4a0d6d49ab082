# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""An athlete's section: sources, weekly plan, strap, sensors and the summary's targets."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from recoveryd.config.coach import FuelConfig, SleepConfig
from recoveryd.config.home import (
    EntityId,
)
from recoveryd.config.sections import Section, Slug, Weekday
from recoveryd.domain.validation import LocalTime, between


class ExerciseConfig(Section):
    """One exercise of a strength session."""

    name: str = Field(min_length=1)
    sets: Annotated[int, between(1, 20)]
    reps: Annotated[int, between(1, 100)]
    load_kg: Annotated[float, between(0, 500)] | None = None
    progression: Literal["load", "sets"] = "load"
    load_step_pct: Annotated[float, between(0.5, 10)] = 2.5


class PlannedSessionConfig(Section):
    """One session of the weekly training plan."""

    title: str = Field(min_length=1)
    sport: str = "general"
    duration_min: Annotated[int, between(1, 600)]
    intensity: Literal["easy", "moderate", "hard"] = "moderate"
    zone: str | None = Field(default=None, title="Intensity zone, e.g. '2' or '4-5'")
    target_rpe: Annotated[float, between(1, 10)] | None = None
    start: LocalTime | None = Field(default=None, title="Local start time (calendar export)")
    exercises: list[ExerciseConfig] = Field(default_factory=list)


def _plan_shape(value: object) -> object:
    """Accept the short form, a mapping of weekdays, for ``{sessions: ...}``."""
    weekdays = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    if isinstance(value, dict) and value and set(value) <= weekdays:
        return {"sessions": value}
    return value


class PlanConfig(Section):
    """A weekly training plan (see config/plans/ for examples)."""

    name: str = ""
    sessions: dict[Weekday, PlannedSessionConfig] = Field(default_factory=dict)
    plan_start: date | None = Field(default=None, title="First day of week 1, for deload weeks")
    deload_every_weeks: Annotated[int, between(2, 12)] | None = None
    deload_volume: Annotated[float, between(0.2, 1.0)] = 0.6
    deload_load: Annotated[float, between(0.5, 1.0)] = 0.9
    active_recovery_min: Annotated[int, between(10, 120)] = 40
    mobility: PlannedSessionConfig | None = None

    @model_validator(mode="after")
    def _deload_needs_a_start(self) -> PlanConfig:
        if self.deload_every_weeks is not None and self.plan_start is None:
            raise PydanticCustomError(
                "deload", "deload_every_weeks needs plan_start (the first day of week 1)", {}
            )
        return self


NightMetric = Literal[
    "hrv_rmssd_ms", "rhr_bpm", "sleep_total_min", "sleep_deep_min", "sleep_rem_min",
    "sleep_light_min", "sleep_awake_min", "resp_rate", "skin_temp_dev_c", "spo2_pct",
    "hrv_sdnn_ms", "sleep_onset_min", "sleep_offset_min", "body_weight_kg",
]  # fmt: skip


def _notify_target(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", value):
        raise PydanticCustomError(
            "notify_target",
            "must be a notify service name without 'notify.' (a-z, 0-9, '_'), such as "
            "'mobile_app_alex_phone', got {value}",
            {"value": repr(value)},
        )
    return value


NotifyTarget = Annotated[str, AfterValidator(_notify_target)]
# The MQTT topics of the household's own controls live under this id (see Topics.HOUSEHOLD).
RESERVED_ID = "household"


class HrvStrapConfig(Section):
    """The chest strap for the morning HRV reading (any standard Heart Rate Service device)."""

    device: str = Field(min_length=1, title="Advertised name or address of the strap")
    source: Slug = Field(default="chest_strap", title="The source its readings are stored as")
    minutes: Annotated[float, between(1, 5)] = 3.0
    settle_s: Annotated[float, between(0, 120)] = Field(
        default=30.0, title="Seconds discarded first, while the heart rate settles"
    )
    at: LocalTime | None = Field(default=None, title="Record every morning at this time")
    after_wake: bool = Field(
        default=False, title="Record when the wake signal says the athlete is up"
    )


class HaSensorsConfig(Section):
    """Nightly values read from Home Assistant sensors of another integration."""

    source: Slug = Field(title="The source these values are stored as (listed in sources)")
    at: LocalTime = Field(
        default=time(10, 0), title="A night's value is the last change up to this time"
    )
    metrics: dict[NightMetric, EntityId] = Field(min_length=1)
    scales: dict[NightMetric, Annotated[float, between(0.0001, 10000)]] = Field(
        default_factory=dict, title="Multiply a sensor's state (e.g. 60 for hours to minutes)"
    )


class WhoopConfig(Section):
    """WHOOP API v2 OAuth credentials (from ${ENV} placeholders or *_file keys)."""

    client_id: SecretStr
    client_secret: SecretStr
    refresh_token: SecretStr = Field(title="The first refresh token; rotated ones are stored")
    access_token: SecretStr | None = None


def _fuel_shape(value: object) -> object:
    """``fuel: false`` is ``fuel: {enabled: false}``: the hints off with one key."""
    return {"enabled": False} if value is False else value


class AthleteConfig(Section):
    """One person in the household: their data sources and their weekly plan."""

    id: Slug
    name: str = Field(min_length=1)
    sources: list[Slug] = Field(min_length=1, title="Data sources in order of preference")
    plan: Annotated[PlanConfig, BeforeValidator(_plan_shape)] = Field(
        default_factory=PlanConfig, title="Weekly plan, inline or as plan_file: PATH"
    )
    sex: Literal["male", "female"] | None = Field(default=None, title="For TRIMP's weighting")
    hr_rest_bpm: Annotated[int, between(25, 120)] | None = None
    hr_max_bpm: Annotated[int, between(100, 240)] | None = None
    hrv_strap: HrvStrapConfig | None = None
    whoop: WhoopConfig | None = None
    ha_sensors: list[HaSensorsConfig] = Field(
        default_factory=list, title="Home Assistant sensors that carry this athlete's nights"
    )
    oura_token: SecretStr | None = Field(
        default=None, title="Oura personal access token (or oura_token_file), for import oura"
    )
    source_priority: dict[NightMetric, list[Slug]] = Field(
        default_factory=dict,
        title="Per metric, a different order of sources, e.g. hrv_rmssd_ms: [polar_h10, oura]",
    )
    apple_health_priority: list[Annotated[str, StringConstraints(min_length=1)]] = Field(
        default_factory=list,
        title="Apple Health devices/apps in order of preference (parts of sourceName), "
        "e.g. [watch, iphone]",
    )
    notify: list[NotifyTarget] = Field(
        default_factory=list,
        title="Home Assistant notify services for the morning summary, e.g. mobile_app_alex_phone",
    )
    apprise: list[SecretStr] = Field(
        default_factory=list, title="apprise URLs for the morning summary (ntfy://, tgram://, …)"
    )
    sleep: SleepConfig = Field(
        default_factory=SleepConfig, title="Tomorrow's wake time, for tonight's bedtime"
    )
    fuel: Annotated[FuelConfig, BeforeValidator(_fuel_shape)] = Field(
        default_factory=FuelConfig, title="The day's fuel hints (fuel: false turns them off)"
    )

    @model_validator(mode="after")
    def _priority_sources_listed(self) -> AthleteConfig:
        for metric, order in self.source_priority.items():
            unknown = [s for s in order if s not in self.sources]
            if unknown or not order or len(set(order)) != len(order):
                raise PydanticCustomError(
                    "source",
                    "source_priority.{metric}: list sources of this athlete, each once "
                    "(sources: {known}), got {order}",
                    {"metric": metric, "known": ", ".join(self.sources), "order": order},
                )
        return self

    @model_validator(mode="after")
    def _sensor_sources_listed(self) -> AthleteConfig:
        for index, mapping in enumerate(self.ha_sensors):
            if mapping.source not in self.sources:
                raise PydanticCustomError(
                    "source",
                    "ha_sensors[{index}].source {source} is not among sources; add it there",
                    {"index": index, "source": repr(mapping.source)},
                )
        return self

    @model_validator(mode="after")
    def _strap_source_listed(self) -> AthleteConfig:
        if self.hrv_strap is not None and self.hrv_strap.source not in self.sources:
            raise PydanticCustomError(
                "source",
                "hrv_strap.source {source} is not among sources; add it there, in its order "
                "of preference",
                {"source": repr(self.hrv_strap.source)},
            )
        return self

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[str]) -> list[str]:
        duplicates = sorted({s for s in value if value.count(s) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate", "lists {dups} more than once", {"dups": ", ".join(duplicates)}
            )
        return value

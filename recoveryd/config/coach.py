# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""An athlete's sleep and fuel settings: tomorrow's wake time, and the body weight's sources."""

from __future__ import annotations

from typing import Annotated, cast

from pydantic import Field

from recoveryd.config.home import EntityId
from recoveryd.config.sections import Section, Slug, Weekday
from recoveryd.domain.validation import LocalTime, between

WEEKDAYS: tuple[Weekday, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip


class SleepConfig(Section):
    """Tomorrow's wake time (the first of these that gives one) and the nights not cut short.

    The phone's next-alarm sensor (Home Assistant's companion app), then the wake time of
    that weekday, then ``wake_at``, then the athlete's usual wake time from their own nights.
    """

    next_alarm_entity: EntityId | None = Field(
        default=None, title="A timestamp sensor with the next alarm, e.g. sensor.pixel_next_alarm"
    )
    wake_times: dict[Weekday, LocalTime] = Field(
        default_factory=dict, title="The wake time of each weekday, e.g. monday: '06:30'"
    )
    wake_at: LocalTime | None = Field(default=None, title="The wake time of the other days")
    free_days: list[Weekday] = Field(
        default_factory=lambda: cast("list[Weekday]", ["saturday", "sunday"]),
        title="Days whose mornings no alarm cuts short: the sleep need is learnt from them",
    )
    fall_asleep_min: Annotated[int, between(0, 90)] = Field(
        default=15, title="Minutes from lights out to sleep, counted before the need"
    )

    def free_weekdays(self) -> frozenset[int]:
        """The free days as weekday numbers (Monday 0)."""
        return frozenset(WEEKDAYS.index(day) for day in self.free_days)


class ScaleConfig(Section):
    """A Bluetooth scale with the Weight Scale Service (Weight Measurement, 0x2A9D)."""

    device: str = Field(min_length=1, title="Advertised name or address of the scale")
    source: Slug = Field(default="scale", title="The source its weights are stored as")
    listen_min: Annotated[int, between(1, 120)] = Field(
        default=30, title="Minutes the daemon listens for the scale after the wake signal or 'at'"
    )
    at: LocalTime | None = Field(default=None, title="Listen every morning from this time")
    after_wake: bool = Field(default=False, title="Listen when the wake signal says they are up")
    user_id: Annotated[int, between(0, 255)] | None = Field(
        default=None, title="The athlete's user number on a scale several people share"
    )


class FuelConfig(Section):
    """The day's fuel hints; ``enabled: false`` turns them off for this athlete."""

    enabled: bool = True
    body_weight_kg: Annotated[float, between(20, 350)] | None = Field(
        default=None, title="Used when no weight was measured in the last 14 days"
    )
    weight_entity: EntityId | None = Field(
        default=None, title="A Home Assistant sensor with the body weight in kg"
    )
    scale: ScaleConfig | None = None

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Configuration of the home's devices: how each is reached, its limits and its auto-off.

What each protocol's day does with them is :mod:`recoveryd.config.recovery`.

Read by :mod:`recoveryd.config.loader` (the only reader of the file). Limits that protect people are
in :mod:`recoveryd.domain.limits` and cannot be raised here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from recoveryd.config.sections import Section
from recoveryd.domain import limits
from recoveryd.domain.validation import LocalTime, between

_MAX_ON_MIN = max(limits.SAUNA_MAX_DAILY_ON_MIN, limits.COMPRESSION_MAX_DAILY_ON_MIN)
_MAX_SWITCH_ONS = max(limits.SAUNA_MAX_DAILY_SWITCH_ONS, limits.COMPRESSION_MAX_DAILY_SWITCH_ONS)
_ENTITY = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


def _entity_id(value: str) -> str:
    if not _ENTITY.match(value):
        raise PydanticCustomError(
            "entity_id",
            "must be a Home Assistant entity id such as 'climate.sauna', got {value}",
            {"value": repr(value)},
        )
    return value


EntityId = Annotated[str, AfterValidator(_entity_id)]
DeviceKind = Literal["sauna", "compression", "light", "scene", "media", "switch", "timer"]
Transport = Literal["homeassistant", "zigbee2mqtt", "tasmota", "shelly", "ble", "dry_run"]


class DeviceConfig(Section):
    """One device of the household and how to reach it."""

    kind: DeviceKind
    via: Transport
    entity: EntityId | None = Field(default=None, title="Home Assistant entity (via homeassistant)")
    topic: str | None = Field(
        default=None, title="Zigbee2MQTT name, Tasmota topic or Shelly device id"
    )
    switch_id: Annotated[int, between(0, 15)] = 0
    confirm_s: Annotated[float, between(1, 120)] | None = Field(
        default=None, title="Seconds to wait for an MQTT device's confirmation (default 5)"
    )
    profile: str | None = Field(default=None, title="BLE GATT profile file (via ble)")
    address: str | None = Field(default=None, title="BLE address or name (via ble)")
    max_temp_c: Annotated[int, between(limits.SAUNA_MIN_TEMP_C, limits.SAUNA_MAX_TEMP_C)] = 90
    max_minutes: Annotated[int, between(1, limits.SAUNA_MAX_SESSION_MIN)] = 30
    heat_rate_c_per_min: Annotated[float, between(0.2, 10.0)] = 1.5
    ambient_c: Annotated[float, between(-20, 35)] = 20.0
    start_wait_min: Annotated[int, between(5, limits.SAUNA_MAX_START_WAIT_MIN)] = 20
    door_entity: EntityId | None = Field(default=None, title="Door sensor: no heat while open")
    presence_entity: EntityId | None = Field(
        default=None, title="Presence sensor: the session counts as started when it turns on"
    )
    auto_off_timer: EntityId | None = Field(
        default=None,
        title="A timer helper (restore: true) that the recoveryd auto-off blueprint watches "
        "(via homeassistant): it switches the device off if recoveryd cannot",
    )
    hardware_auto_off: str | None = Field(
        default=None,
        min_length=3,
        title="What switches this device off by itself, named (e.g. 'Harvia Xenio: 4 h "
        "limit'): lets a device via homeassistant heat or squeeze without auto_off_timer",
    )
    # Bounded here by the larger of the kinds' limits; _check_budget applies the device's own.
    daily_max_on_min: Annotated[int, between(1, _MAX_ON_MIN)] | None = None
    daily_max_switch_ons: Annotated[int, between(1, _MAX_SWITCH_ONS)] | None = None
    latest_off: LocalTime | None = Field(
        default=None, title="No switch-on whose session would end after this local time"
    )

    @model_validator(mode="after")
    def _address_for_transport(self) -> DeviceConfig:
        needs = {
            "homeassistant": ("entity", self.entity),
            "zigbee2mqtt": ("topic", self.topic),
            "tasmota": ("topic", self.topic),
            "shelly": ("topic", self.topic),
            "ble": ("profile", self.profile),
        }
        if self.via in needs and needs[self.via][1] is None:
            raise PydanticCustomError(
                "missing_address",
                "a device via {via} needs {key}",
                {"via": self.via, "key": needs[self.via][0]},
            )
        if self.kind == "compression" and self.max_minutes > limits.COMPRESSION_MAX_MIN:
            raise PydanticCustomError(
                "out_of_range",
                "max_minutes of a compression device must be at most {cap}, got {value}",
                {"cap": limits.COMPRESSION_MAX_MIN, "value": self.max_minutes},
            )
        self._check_domain()
        self._check_budget()
        return self

    def _check_domain(self) -> None:
        """A Home Assistant entity of the domain the device's kind is driven through."""
        if self.auto_off_timer is not None and not self.auto_off_timer.startswith("timer."):
            raise PydanticCustomError(
                "entity_domain",
                "auto_off_timer must be a timer entity (timer.*), got {value}",
                {"value": repr(self.auto_off_timer)},
            )
        if self.via != "homeassistant" or self.entity is None:
            return
        domain = self.entity.split(".", 1)[0]
        allowed = KIND_DOMAINS[self.kind]
        if domain not in allowed:
            raise PydanticCustomError(
                "entity_domain",
                "entity {entity} is a {domain} entity; a {kind} via homeassistant must be "
                "{allowed}",
                {
                    "entity": repr(self.entity), "domain": domain, "kind": self.kind,
                    "allowed": " or ".join(f"{d}.*" for d in allowed),
                },
            )  # fmt: skip

    def _check_budget(self) -> None:
        """The daily budget can be lowered, never raised past the hard limits of its kind."""
        if self.kind == "sauna":
            caps = (limits.SAUNA_MAX_DAILY_ON_MIN, limits.SAUNA_MAX_DAILY_SWITCH_ONS,
                    limits.SAUNA_LATEST_OFF)  # fmt: skip
        else:
            caps = (limits.COMPRESSION_MAX_DAILY_ON_MIN, limits.COMPRESSION_MAX_DAILY_SWITCH_ONS,
                    limits.COMPRESSION_LATEST_OFF)  # fmt: skip
        values = (self.daily_max_on_min, self.daily_max_switch_ons, self.latest_off)
        names = ("daily_max_on_min", "daily_max_switch_ons", "latest_off")
        for name, value, cap in zip(names, values, caps, strict=True):
            if value is not None and value > cap:  # type: ignore[operator]
                shown = f"{cap:%H:%M}" if name == "latest_off" else cap
                raise PydanticCustomError(
                    "out_of_range",
                    "{name} of a {kind} must be at most {cap} (a hard limit), got {value}",
                    {"name": name, "kind": self.kind, "cap": shown,
                     "value": f"{value:%H:%M}" if name == "latest_off" else value},
                )  # fmt: skip


# The Home Assistant domains each kind of device is driven through (and confirmed by).
KIND_DOMAINS: dict[str, tuple[str, ...]] = {
    "sauna": ("climate", "switch", "input_boolean"),
    "compression": ("switch", "input_boolean", "fan", "timer"),
    "switch": ("switch", "input_boolean", "fan"),
    "light": ("light",),
    "scene": ("scene",),
    "media": ("media_player",),
    "timer": ("timer",),
}
# Devices that heat or squeeze: they keep a daily budget and need an auto-off.
BUDGETED_MODALITIES: tuple[str, ...] = ("sauna", "compression")

MODALITY_KINDS: dict[str, tuple[str, ...]] = {
    "wake": ("scene", "light"),
    "sauna": ("sauna",),
    "compression": ("compression", "switch"),
    "meditation": ("media",),
    "wind_down": ("scene", "light"),
}

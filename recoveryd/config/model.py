# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The configuration's root: every section together, and the checks across them."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from recoveryd.config.athletes import RESERVED_ID, AthleteConfig
from recoveryd.config.home import BUDGETED_MODALITIES, MODALITY_KINDS, DeviceConfig
from recoveryd.config.panel import PanelConfig
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.config.sections import (
    EngineConfig,
    HomeAssistantConfig,
    HouseholdConfig,
    MqttConfig,
    Section,
    Slug,
    StorageConfig,
)
from recoveryd.domain.models import Protocol


class Config(Section):
    """The whole configuration file."""

    household: HouseholdConfig = Field(default_factory=HouseholdConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    homeassistant: HomeAssistantConfig = Field(default_factory=HomeAssistantConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    athletes: list[AthleteConfig] = Field(min_length=1)
    devices: dict[Slug, DeviceConfig] = Field(default_factory=dict)
    recovery: dict[Protocol, ProtocolHomeConfig] = Field(default_factory=dict)
    dry_run: bool = Field(default=False, title="Plan and log actions but touch no device")
    panel: PanelConfig | None = Field(default=None, title="The web panel; off when absent")
    _base_dir: Path = PrivateAttr(default=Path())
    _unset: tuple[str, ...] = PrivateAttr(default=())
    _read_from: tuple[tuple[Path, ...], tuple[str, ...]] = PrivateAttr(default=((), ()))

    @property
    def unset_placeholders(self) -> tuple[str, ...]:
        """``<key path>: ${NAME}`` of each placeholder left unset (loaded with ``check`` only)."""
        return self._unset

    @property
    def read_from(self) -> tuple[tuple[Path, ...], tuple[str, ...]]:
        """The files and environment variables the loader read it from (none if parsed)."""
        return self._read_from

    def resolve(self, path: str) -> Path:
        """A path from the configuration, relative to the configuration file's directory."""
        candidate = Path(path)
        return candidate if candidate.is_absolute() else self._base_dir / candidate

    @field_validator("athletes")
    @classmethod
    def _unique_athletes(cls, value: list[AthleteConfig]) -> list[AthleteConfig]:
        ids = [a.id for a in value]
        if RESERVED_ID in ids:
            raise PydanticCustomError(
                "reserved",
                "athlete id {id} is reserved for the household's own topics and entities",
                {"id": repr(RESERVED_ID)},
            )
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate",
                "athlete id {dups} is used more than once",
                {"dups": ", ".join(duplicates)},
            )
        return value

    @model_validator(mode="after")
    def _devices_exist(self) -> Config:
        for protocol, home in self.recovery.items():
            for modality, kinds in MODALITY_KINDS.items():
                part = getattr(home, modality)
                if part is None:
                    continue
                where = f"recovery.{protocol.value}.{modality}.device"
                self._check_device(where, part.device, kinds)
                if modality in BUDGETED_MODALITIES:
                    self._check_auto_off(part.device)
                timer = getattr(part, "timer", None)
                if timer is not None:
                    self._check_device(
                        f"recovery.{protocol.value}.{modality}.timer", timer, ("timer",)
                    )
        return self

    @model_validator(mode="after")
    def _transports_available(self) -> Config:
        ha_reachable = self.homeassistant.url is not None and self.homeassistant.token is not None
        for name, device in self.devices.items():
            if device.via == "ble" and device.address is None:
                raise PydanticCustomError(
                    "transport", "devices.{name}: a device via ble needs address", {"name": name}
                )
            if device.via == "homeassistant" and not ha_reachable:
                raise needs_home_assistant(f"devices.{name}.via: homeassistant needs")
        for index, athlete in enumerate(self.athletes):
            if athlete.ha_sensors and not ha_reachable:
                raise needs_home_assistant(f"athletes[{index}].ha_sensors: reading sensors needs")
            if athlete.notify and not ha_reachable:
                raise needs_home_assistant(f"athletes[{index}].notify: notify services need")
        for protocol, home in self.recovery.items():
            if not ha_reachable and home.wake is not None and home.wake.wake_entity is not None:
                raise needs_home_assistant(
                    f"recovery.{protocol.value}.wake.wake_entity: reading {home.wake.wake_entity}"
                    " needs"
                )
        return self

    def _check_auto_off(self, name: str) -> None:
        """A device that heats or squeezes through Home Assistant has an auto-off there.

        Direct MQTT devices and gadgets arm their own with every switch-on; a thermostat or a
        smart switch in Home Assistant has none unless one is set up (see
        :mod:`integrations.homeassistant.auto_off`), or the device limits itself by name.
        """
        device = self.devices[name]
        if (
            device.via == "homeassistant" and device.auto_off_timer is None
            and device.hardware_auto_off is None
            and not (device.entity or "").startswith("timer.")
        ):  # fmt: skip
            raise PydanticCustomError(
                "auto_off",
                "devices.{name}: a {kind} via homeassistant needs an auto-off that outlives "
                "recoveryd: auto_off_timer (a timer with restore: true, watched by the "
                "recoveryd auto-off blueprint) or hardware_auto_off (what switches it off by "
                "itself)",
                {"name": name, "kind": device.kind},
            )

    def _check_device(self, where: str, name: str, kinds: tuple[str, ...]) -> None:
        device = self.devices.get(name)
        if device is None:
            known = ", ".join(sorted(self.devices)) or "none configured"
            raise PydanticCustomError(
                "device", "{where}: unknown device {name} (devices: {known})",
                {"where": where, "name": repr(name), "known": known},
            )  # fmt: skip
        if device.kind not in kinds:
            context = {"where": where, "name": repr(name), "kind": device.kind}
            raise PydanticCustomError(
                "device_kind",
                "{where}: device {name} is a {kind}, expected {kinds}",
                context | {"kinds": " or ".join(kinds)},
            )

    def athlete(self, athlete_id: str) -> AthleteConfig:
        """The athlete with ``athlete_id``; ``KeyError`` names the known ones otherwise."""
        for athlete in self.athletes:
            if athlete.id == athlete_id:
                return athlete
        known = ", ".join(a.id for a in self.athletes)
        raise KeyError(f"unknown athlete {athlete_id!r} (configured: {known})")

    @property
    def zone(self) -> ZoneInfo:
        """The household's time zone."""
        return ZoneInfo(self.household.timezone)


def needs_home_assistant(what: str) -> PydanticCustomError:
    """The one error of every part of the file that reads or drives Home Assistant."""
    return PydanticCustomError(
        "transport",
        "{what} homeassistant.url and homeassistant.token (or token_file)",
        {"what": what},
    )

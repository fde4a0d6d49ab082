# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The configuration tree and its loader, the only code that reads the configuration file.

One pydantic model per section, ``extra="forbid"`` everywhere so a typo is an error, not a
silently ignored key. Validators compare fields and never do I/O; the loader resolves
``${ENV}`` placeholders and ``*_file`` keys (secrets from files) before validation.
Every problem becomes one line: ``<file>: <key path>: <what was wrong>``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from recoveryd.config.files import FileProblem, YamlProblem, load_yaml, read_text
from recoveryd.config.home import (
    BUDGETED_MODALITIES,
    MODALITY_KINDS,
    DeviceConfig,
    EntityId,
    ProtocolHomeConfig,
)
from recoveryd.config.tls import TlsFilesError, client_context
from recoveryd.domain.models import Protocol
from recoveryd.domain.validation import LocalTime, between, slug
from recoveryd.engine.thresholds import Thresholds

DEFAULT_CONFIG_PATH = Path("/etc/recoveryd/recoveryd.yaml")
CONFIG_ENV = "RECOVERYD_CONFIG"

_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    """The configuration could not be loaded; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone",
            "unknown time zone {value}; use an IANA name such as 'Europe/Berlin'",
            {"value": repr(value)},
        ) from None
    return value


def _topic_level(value: str) -> str:
    if not value or any(ch in value for ch in "+#") or value.startswith("/") or value.endswith("/"):
        raise PydanticCustomError(
            "topic",
            "must be a non-empty MQTT topic without '+', '#' or a leading/trailing '/', "
            "got {value}",
            {"value": repr(value)},
        )
    return value


def _client_id(value: str) -> str:
    # It is also a level of the link's own marker topic (see integrations/mqtt/link.py).
    if any(ch in value for ch in "/+#"):
        raise PydanticCustomError(
            "client_id", "must not contain '/', '+' or '#', got {value}", {"value": repr(value)}
        )
    return value


ClientId = Annotated[str, AfterValidator(_client_id)]
Slug = Annotated[str, AfterValidator(slug)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
TopicPrefix = Annotated[str, AfterValidator(_topic_level)]
Port = Annotated[int, between(1, 65535)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HouseholdConfig(_Section):
    """Where and when: the household's time zone and the daily decision time."""

    name: str = Field(default="Home", title="Household name shown in Home Assistant")
    timezone: TimeZoneName = Field(default="UTC", title="IANA time zone of the household")
    decide_at: LocalTime = Field(default=time(7, 0), title="Local time of the daily decision")
    pull_at: LocalTime | None = Field(
        default=None,
        title="Local time to pull nights from the athletes' APIs and Home Assistant sensors "
        "(default: 20 minutes before decide_at)",
    )
    summary_interval_min: Annotated[float, between(0, 1440)] = Field(
        default=30.0,
        title="At most one morning summary per athlete in this many minutes; a new one is "
        "sent only when the protocol or the session changed",
    )


class StorageConfig(_Section):
    """Where the SQLite store lives."""

    path: Path = Field(default=Path("/var/lib/recoveryd/recoveryd.db"), title="SQLite file")
    poll_interval_s: Annotated[float, between(0.1, 3600)] = Field(
        default=30.0, title="How often to look for data imported by other processes"
    )


class TlsConfig(_Section):
    """TLS to the broker (port 8883 usually): the CA that signed it, a client certificate."""

    ca_certs: Path | None = Field(default=None, title="CA certificate, PEM (default: the system's)")
    certfile: Path | None = Field(default=None, title="Client certificate, PEM, if the broker asks")
    keyfile: Path | None = Field(default=None, title="The client certificate's key, PEM")

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.certfile is None) != (self.keyfile is None):
            raise PydanticCustomError("tls_pair", "certfile and keyfile go together")
        return self


class MqttConfig(_Section):
    """The MQTT broker connection. Secrets may come from ``${ENV}`` or ``password_file``."""

    host: str = Field(default="127.0.0.1", min_length=1)
    port: Port = 1883
    username: str | None = None
    password: SecretStr | None = None
    client_id: ClientId = Field(default="recoveryd", min_length=1, max_length=23)
    protocol: Literal["auto", "3.1.1", "5"] = Field(
        default="auto", title="MQTT protocol version; auto: 5, or 3.1.1 if the broker refuses 5"
    )
    session_expiry_s: Annotated[int, between(0, 4_294_967_295)] = Field(
        default=604_800,
        title="MQTT 5: how long the broker keeps the session and its messages while away",
    )
    base_topic: TopicPrefix = "recoveryd"
    keepalive_s: Annotated[int, between(5, 3600)] = 60
    reconnect_max_s: Annotated[float, between(1, 600)] = 60.0
    tls: TlsConfig | None = Field(default=None, title="TLS; omit for plain MQTT on 1883")


class HomeAssistantConfig(_Section):
    """Home Assistant: MQTT discovery, and the REST API for service calls."""

    url: str | None = Field(default=None, title="e.g. http://homeassistant.local:8123")
    token: SecretStr | None = Field(default=None, title="Long-lived access token (or token_file)")
    verify_ssl: bool = True
    ca_certs: Path | None = Field(
        default=None, title="CA certificate, PEM, of an HTTPS Home Assistant with its own CA"
    )

    @property
    def verify(self) -> bool | str:
        """What HTTPS is checked against: the CA file, the system's CAs (True), or nothing."""
        return str(self.ca_certs) if self.ca_certs is not None else self.verify_ssl

    attempts: Annotated[int, between(1, 20)] = 5
    discovery: bool = True
    discovery_prefix: TopicPrefix = "homeassistant"
    status_topic: TopicPrefix = "homeassistant/status"
    rediscovery_delay_max_s: Annotated[float, between(0, 60)] = 5.0
    state_poll_s: Annotated[float, between(0.1, 600)] = Field(
        default=30.0, title="How often a wake entity is read during its morning window"
    )


class EngineConfig(_Section):
    """Thresholds of the decision rules; the defaults are the cited ones in ``Thresholds``."""

    swc_k: Annotated[float, between(0.1, 2.0)] = 0.5
    baseline_days: Annotated[int, between(21, 120)] = 60
    rolling_days: Annotated[int, between(3, 14)] = 7
    min_rolling_days: Annotated[int, between(1, 14)] = 3
    min_hrv_days: Annotated[int, between(7, 60)] = 14
    full_hrv_days: Annotated[int, between(7, 120)] = 28
    min_secondary_days: Annotated[int, between(7, 60)] = 14
    acute_drop_sd: Annotated[float, between(0.5, 3.0)] = 1.0
    flag_z: Annotated[float, between(-4.0, -0.5)] = -1.5
    short_sleep_min: Annotated[float, between(180, 600)] = 360.0
    sleep_debt_days: Annotated[int, between(7, 28)] = 14
    sleep_debt_min: Annotated[float, between(10, 180)] = 45.0
    illness_temp_c: Annotated[float, between(0.1, 3.0)] = 0.5
    illness_z: Annotated[float, between(-5.0, -1.0)] = -2.0
    overload_stable_days: Annotated[int, between(7, 42)] = 14
    overload_lookback_days: Annotated[int, between(1, 14)] = 6
    overload_max_flags: Annotated[int, between(0, 7)] = 1
    overload_min_form_pct: Annotated[float, between(-100, 0)] = -30.0
    min_load_days: Annotated[int, between(7, 120)] = 28
    source_quiet_days: Annotated[int, between(1, 60)] = 7
    calibration_nights: Annotated[int, between(7, 120)] = 14

    @model_validator(mode="after")
    def _consistent(self) -> EngineConfig:
        if self.full_hrv_days < self.min_hrv_days:
            raise PydanticCustomError(
                "order",
                "full_hrv_days ({full}) must not be below min_hrv_days ({min})",
                {"full": self.full_hrv_days, "min": self.min_hrv_days},
            )
        if self.min_rolling_days > self.rolling_days:
            raise PydanticCustomError(
                "order",
                "min_rolling_days ({min}) must not exceed rolling_days ({days})",
                {"min": self.min_rolling_days, "days": self.rolling_days},
            )
        return self

    def thresholds(self) -> Thresholds:
        """The engine's view of this section."""
        return Thresholds(**self.model_dump())


class ExerciseConfig(_Section):
    """One exercise of a strength session."""

    name: str = Field(min_length=1)
    sets: Annotated[int, between(1, 20)]
    reps: Annotated[int, between(1, 100)]
    load_kg: Annotated[float, between(0, 500)] | None = None
    progression: Literal["load", "sets"] = "load"
    load_step_pct: Annotated[float, between(0.5, 10)] = 2.5


class PlannedSessionConfig(_Section):
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


class PlanConfig(_Section):
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
    "hrv_sdnn_ms",
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


class HrvStrapConfig(_Section):
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


class HaSensorsConfig(_Section):
    """Nightly values read from Home Assistant sensors of another integration."""

    source: Slug = Field(title="The source these values are stored as (listed in sources)")
    at: LocalTime = Field(
        default=time(10, 0), title="A night's value is the last change up to this time"
    )
    metrics: dict[NightMetric, EntityId] = Field(min_length=1)
    scales: dict[NightMetric, Annotated[float, between(0.0001, 10000)]] = Field(
        default_factory=dict, title="Multiply a sensor's state (e.g. 60 for hours to minutes)"
    )


class WhoopConfig(_Section):
    """WHOOP API v2 OAuth credentials (from ${ENV} placeholders or *_file keys)."""

    client_id: SecretStr
    client_secret: SecretStr
    refresh_token: SecretStr = Field(title="The first refresh token; rotated ones are stored")
    access_token: SecretStr | None = None


class AthleteConfig(_Section):
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


class Config(_Section):
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
    _base_dir: Path = PrivateAttr(default=Path())
    _unset: tuple[str, ...] = PrivateAttr(default=())

    @property
    def unset_placeholders(self) -> tuple[str, ...]:
        """``<key path>: ${NAME}`` of each placeholder left unset (loaded with ``check`` only)."""
        return self._unset

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
                raise _needs_home_assistant(f"devices.{name}.via: homeassistant needs")
        for index, athlete in enumerate(self.athletes):
            if athlete.ha_sensors and not ha_reachable:
                raise _needs_home_assistant(f"athletes[{index}].ha_sensors: reading sensors needs")
            if athlete.notify and not ha_reachable:
                raise _needs_home_assistant(f"athletes[{index}].notify: notify services need")
        for protocol, home in self.recovery.items():
            if not ha_reachable and home.wake is not None and home.wake.wake_entity is not None:
                raise _needs_home_assistant(
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


def load_config(path: Path | str | None = None, *, check: bool = False) -> Config:
    """Read, resolve and validate the configuration file.

    ``path`` defaults to ``$RECOVERYD_CONFIG``, then ``/etc/recoveryd/recoveryd.yaml``. With
    ``check``, an unset ``${ENV}`` placeholder is no problem (the value is only needed by the
    process that runs): the placeholder itself stands in for it and
    :attr:`Config.unset_placeholders` lists it.

    Raises:
        ConfigError: with one line per problem, each naming the file and key.
    """
    config_path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    label = config_path.name
    try:
        text = read_text(config_path)
    except FileProblem as exc:
        raise ConfigError([str(exc)]) from None
    return parse_config(text, label=label, base_dir=config_path.parent, check=check)


def parse_config(text: str, *, label: str, base_dir: Path, check: bool = False) -> Config:
    """Validate configuration ``text``; ``label`` prefixes every error line.

    Raises:
        ConfigError: with one line per problem: placeholders, files and the schema together.
    """
    try:
        raw = load_yaml(text)
    except YamlProblem as exc:
        raise ConfigError([f"{label}: {exc}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: the file must hold a mapping of sections, got {_kind(raw)}"])
    problems: list[str] = []
    unset: list[str] = []
    files: list[str] = []
    ctx = _Resolving(base_dir, label, problems, files, unset, check=check)
    resolved = _resolve(raw, (), ctx)
    try:
        config = Config.model_validate(resolved)
    except ValidationError as exc:
        # Every problem in one pass; but the schema's view of a key whose file could not
        # be read (a value it never got) would only repeat that file's line.
        lines = describe_errors(exc, Config, skip=tuple(ctx.unread))
        raise ConfigError(problems + files + [f"{label}: {line}" for line in lines]) from None
    if problems or files:
        raise ConfigError(problems + files)
    config = _with_tls_files(config, base_dir, label)
    if not config.storage.path.is_absolute():  # like every path: from the file's folder
        storage = config.storage.model_copy(update={"path": base_dir / config.storage.path})
        config = config.model_copy(update={"storage": storage})
    config._base_dir = base_dir  # noqa: SLF001 - set once by the loader
    config._unset = tuple(unset)  # noqa: SLF001 - set once by the loader
    return config


def _with_tls_files(config: Config, base_dir: Path, label: str) -> Config:
    """Resolve the certificate paths against the file's folder and check they can be used."""

    def absolute(path: Path | None) -> Path | None:
        return None if path is None or path.is_absolute() else base_dir / path

    problems = []
    mqtt, ha = config.mqtt, config.homeassistant
    if mqtt.tls is not None:
        tls = mqtt.tls
        tls = tls.model_copy(update={
            key: absolute(getattr(tls, key)) or getattr(tls, key)
            for key in ("ca_certs", "certfile", "keyfile")
        })  # fmt: skip
        try:
            client_context(tls.ca_certs, tls.certfile, tls.keyfile)
        except TlsFilesError as exc:
            problems.append(f"{label}: mqtt.tls.{exc}")
        mqtt = mqtt.model_copy(update={"tls": tls})
    if ha.ca_certs is not None:
        ha = ha.model_copy(update={"ca_certs": absolute(ha.ca_certs) or ha.ca_certs})
        try:
            client_context(ha.ca_certs)
        except TlsFilesError as exc:
            problems.append(f"{label}: homeassistant.{exc}")
    if problems:
        raise ConfigError(problems)
    return config.model_copy(update={"mqtt": mqtt, "homeassistant": ha})


def _needs_home_assistant(what: str) -> PydanticCustomError:
    """The one error of every part of the file that reads or drives Home Assistant."""
    return PydanticCustomError(
        "transport",
        "{what} homeassistant.url and homeassistant.token (or token_file)",
        {"what": what},
    )


@dataclass(frozen=True)
class _Resolving:
    """What resolving placeholders and ``*_file`` keys needs, and where it reports."""

    base_dir: Path
    label: str
    problems: list[str]
    file_problems: list[str]
    unset: list[str]
    check: bool
    # Where a ``<key>_file`` could not be read: the key it would have set.
    unread: list[tuple[str | int, ...]] = field(default_factory=list)


def _resolve(node: object, path: tuple[str | int, ...], ctx: _Resolving) -> object:
    """Substitute ``${ENV}`` placeholders and read ``<key>_file`` secrets into ``<key>``."""
    if isinstance(node, dict):
        out: dict[object, object] = {}
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_file") and isinstance(value, str):
                target = key.removesuffix("_file")
                out[target] = _read_file_key(value, (*path, key), target, ctx)
                continue
            out[key] = _resolve(value, (*path, key), ctx)
        return out
    if isinstance(node, list):
        return [_resolve(v, (*path, i), ctx) for i, v in enumerate(node)]
    if isinstance(node, str):
        return _substitute(node, path, ctx)
    return node


def _read_file_key(value: str, loc: tuple[str | int, ...], target: str, ctx: _Resolving) -> object:
    """The value of a ``<key>_file`` key: a secret's stripped text, or an included YAML file."""
    unset_before = len(ctx.unset)
    file_path = Path(_substitute(value, loc, ctx))
    if len(ctx.unset) > unset_before:  # checked where the placeholder is not set: noted
        return None if target in _YAML_FILES else str(file_path)
    if not file_path.is_absolute():
        file_path = ctx.base_dir / file_path
    included = target in _YAML_FILES
    try:
        text = read_text(file_path, secret=not included)
    except FileProblem as exc:
        ctx.file_problems.append(f"{ctx.label}: {_format_loc(loc)}: {exc}")
        ctx.unread.append((*loc[:-1], target))
        return None
    if not included:
        return text.strip()
    try:
        return load_yaml(text)
    except YamlProblem as exc:
        ctx.file_problems.append(f"{ctx.label}: {_format_loc(loc)}: {file_path.name}: {exc}")
        ctx.unread.append((*loc[:-1], target))
        return None


# Keys whose ``<key>_file`` holds YAML to include, not a secret string.
_YAML_FILES = frozenset({"plan"})


def _substitute(value: str, path: tuple[str | int, ...], ctx: _Resolving) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in os.environ:
            return os.environ[name]
        where = _format_loc(path)
        if ctx.check:
            ctx.unset.append(f"{where}: ${{{name}}}")
            return match.group(0)
        ctx.problems.append(f"{ctx.label}: {where}: environment variable {name} is not set")
        return ""

    return _ENV_PLACEHOLDER.sub(replace, value)


_MESSAGES: dict[str, str] = {
    "missing": "is required but missing",
    "int_parsing": "must be a whole number, got {value!r}",
    "int_type": "must be a whole number, got {value!r}",
    "int_from_float": "must be a whole number, got {value!r}",
    "float_parsing": "must be a number, got {value!r}",
    "float_type": "must be a number, got {value!r}",
    "bool_parsing": "must be true or false, got {value!r}",
    "bool_type": "must be true or false, got {value!r}",
    "string_type": "must be text, got {kind}",
    "model_type": "must be a mapping of keys, got {kind}",
    "dict_type": "must be a mapping of keys, got {kind}",
    "list_type": "must be a list, got {kind}",
    "too_short": "must have at least {min_length} item(s)",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters, got {length}",
    "literal_error": "must be one of {expected}, got {value!r}",
    "enum": "must be one of {expected}, got {value!r}",
}


def describe_errors(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    skip: Sequence[tuple[str | int, ...]] = (),
) -> list[str]:
    """One ``<key path>: <problem>`` line per pydantic error, in words a user can act on.

    Errors at or under a location in ``skip`` are left out.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        plain = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
        if any(plain[: len(where)] == where for where in skip):
            continue
        value = error.get("input")
        ctx = error.get("ctx") or {}
        template = _MESSAGES.get(error["type"])
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            message = f"unknown key; allowed keys are {', '.join(allowed)}"
        elif template is not None:
            message = template.format(
                value=value,
                kind=_kind(value),
                length=len(str(value)),
                min_length=ctx.get("min_length", 1),
                max_length=ctx.get("max_length", "?"),
                expected=ctx.get("expected", "?"),
            )
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        # Drop pydantic's internal markers such as "function-after[check(), int]".
        loc = tuple(part for part in loc if not (isinstance(part, str) and "[" in part))
        lines.append(f"{_format_loc(loc)}: {message}" if loc else message)
    return lines


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:  # noqa: ANN401 - walks arbitrary type annotations
    """The BaseModel inside ``list[M]``, ``dict[K, M]``, ``M | None`` or ``M`` itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _format_loc(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = _shown_key(part)
            text += f".{name}" if text else name
    return text


def _shown_key(key: str) -> str:
    """A key as written, or quoted and cut when it would break the line.

    A key of an outside payload (an MQTT ingest, a configuration file) can hold anything.
    """
    if key.isprintable() and 0 < len(key) <= _KEY_SHOWN:
        return key
    return repr(key[:_KEY_SHOWN]) + ("..." if len(key) > _KEY_SHOWN else "")


_KEY_SHOWN = 40


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )

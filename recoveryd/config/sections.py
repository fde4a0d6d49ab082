# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The household-wide sections: household, storage, MQTT (and its TLS), Home Assistant, engine.

One pydantic model per section, ``extra="forbid"`` everywhere so a typo is an error, not a
silently ignored key. Validators compare fields and never do I/O.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from recoveryd.domain.validation import LocalTime, between, slug

if TYPE_CHECKING:
    from recoveryd.engine.thresholds import Thresholds


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


class Section(BaseModel):
    """A section of the file: unknown keys are errors, values never change once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HouseholdConfig(Section):
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


class StorageConfig(Section):
    """Where the SQLite store lives."""

    path: Path = Field(default=Path("/var/lib/recoveryd/recoveryd.db"), title="SQLite file")
    poll_interval_s: Annotated[float, between(0.1, 3600)] = Field(
        default=30.0, title="How often to look for data imported by other processes"
    )


class TlsConfig(Section):
    """TLS to the broker (port 8883 usually): the CA that signed it, a client certificate."""

    ca_certs: Path | None = Field(default=None, title="CA certificate, PEM (default: the system's)")
    certfile: Path | None = Field(default=None, title="Client certificate, PEM, if the broker asks")
    keyfile: Path | None = Field(default=None, title="The client certificate's key, PEM")

    @model_validator(mode="after")
    def _pair(self) -> TlsConfig:
        if (self.certfile is None) != (self.keyfile is None):
            raise PydanticCustomError("tls_pair", "certfile and keyfile go together")
        return self


class MqttConfig(Section):
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


class HomeAssistantConfig(Section):
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


class EngineConfig(Section):
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
        # Imported here: the engine (numpy) is not needed to read a configuration.
        from recoveryd.engine.thresholds import Thresholds  # noqa: PLC0415

        return Thresholds(**self.model_dump())

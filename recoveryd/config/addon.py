# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The Home Assistant add-on's options as recoveryd's configuration. Pure: no I/O.

Inside the add-on the Supervisor gives what a household would otherwise write by hand: the
MQTT broker (``GET /services/mqtt``), Home Assistant's API (its Core proxy, with the add-on's
``SUPERVISOR_TOKEN``) and its time zone. The user's options name the athletes, the decision
time and the dry run, and may name the devices and what each protocol does; anything else
comes from an optional full ``recoveryd.yaml`` in the add-on's configuration folder, which
the options override where both speak (devices by name, a protocol's day by part: the options
list them flat, one device with its ``name`` or one part with its ``protocol`` and ``part``
per entry; recoveryd's own checks then judge them). Secrets never appear in the text: the
MQTT password, the token and the ``password`` options are ``${PLACEHOLDERS}`` the command
fills from its own environment.

The Supervisor's payloads are documented at developers.home-assistant.io (add-on
communication, the services API); ``port`` is an integer, ``username`` and ``password`` may
be missing, ``ssl`` means TLS to the broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

# Names of environment variables, not secrets.
MQTT_PASSWORD_ENV = "RECOVERYD_ADDON_MQTT_PASSWORD"  # noqa: S105
TOKEN_ENV = "SUPERVISOR_TOKEN"  # noqa: S105
_PORTS = range(1, 65536)
INGRESS_PORT = 8099  # config.yaml's ingress_port
INGRESS_PROXY = "172.30.32.2"  # the only client the Supervisor's ingress connects from


class AddonError(ValueError):
    """The Supervisor's answer or the options cannot make a configuration; one line why."""


@dataclass(frozen=True, slots=True)
class Broker:
    """The MQTT service the Supervisor names (the Mosquitto add-on, usually)."""

    host: str
    port: int
    ssl: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def of(cls, payload: object) -> Broker:
        """The ``data`` of ``GET /services/mqtt``.

        Raises:
            AddonError: the answer is not a usable MQTT service.
        """
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise AddonError("Supervisor: /services/mqtt answered without a data object")
        host, port = data.get("host"), data.get("port")
        if not isinstance(host, str) or not host:
            raise AddonError("Supervisor: /services/mqtt gave no broker host")
        if isinstance(port, bool) or not isinstance(port, int) or port not in _PORTS:
            raise AddonError(f"Supervisor: /services/mqtt gave port {port!r}, not a port number")
        username, password = data.get("username"), data.get("password")
        return cls(
            host, port, bool(data.get("ssl", False)),
            username if isinstance(username, str) and username else None,
            password if isinstance(password, str) and password else None,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AddonConfig:
    """The configuration text (secrets as placeholders) and the values for the placeholders."""

    text: str
    # Environment variable → secret: the command sets them in its own environment only.
    secrets: Mapping[str, str]


def _athlete(option: Mapping[str, Any], index: int, secrets: dict[str, str]) -> dict[str, Any]:
    """One athlete of the options as the configuration's athlete section.

    The ``password`` options (the Oura token, Apprise URLs, which carry their service's key)
    become placeholders; their values go to ``secrets``.
    """
    athlete: dict[str, Any] = {
        "id": option.get("id"),
        "name": option.get("name"),
        "sources": list(option.get("sources") or []),
    }
    if option.get("notify"):
        athlete["notify"] = list(option["notify"])
    if option.get("wake_at"):
        athlete["sleep"] = {"wake_at": option["wake_at"]}
    if option.get("body_weight_kg") is not None:
        athlete["fuel"] = {"body_weight_kg": option["body_weight_kg"]}
    prefix = f"RECOVERYD_ADDON_ATHLETE_{index}"
    if isinstance(option.get("oura_token"), str) and option["oura_token"]:
        secrets[f"{prefix}_OURA_TOKEN"] = option["oura_token"]
        athlete["oura_token"] = f"${{{prefix}_OURA_TOKEN}}"
    urls = [url for url in option.get("apprise") or [] if isinstance(url, str) and url]
    for number, url in enumerate(urls):
        secrets[f"{prefix}_APPRISE_{number}"] = url
    if urls:
        athlete["apprise"] = [f"${{{prefix}_APPRISE_{n}}}" for n in range(len(urls))]
    return athlete


# An add-on option list holds flat entries; these keys place an entry, the rest are its own.
_DEVICE_NAME = "name"
_PLACE = ("protocol", "part")


def _given(entry: Mapping[str, Any], *, without: tuple[str, ...]) -> dict[str, Any]:
    """An option entry's keys that have a value, but for those that place it."""
    return {k: v for k, v in entry.items() if k not in without and v not in (None, "", [])}


def _devices(options: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any] | None:
    """The options' devices (a list with ``name``) over the file's, by name."""
    entries = [d for d in options.get("devices") or [] if isinstance(d, Mapping)]
    if not entries:
        return None
    devices = dict(base.get("devices") or {})
    for entry in entries:
        devices[str(entry.get(_DEVICE_NAME))] = _given(entry, without=(_DEVICE_NAME,))
    return devices


def _recovery(options: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any] | None:
    """The options' recovery parts (a list with ``protocol`` and ``part``) over the file's."""
    entries = [r for r in options.get("recovery") or [] if isinstance(r, Mapping)]
    if not entries:
        return None
    recovery = {p: dict(parts or {}) for p, parts in dict(base.get("recovery") or {}).items()}
    for entry in entries:
        parts = recovery.setdefault(str(entry.get("protocol")), {})
        parts[str(entry.get("part"))] = _given(entry, without=_PLACE)
    return recovery


def _athletes(base: Mapping[str, Any], given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The options' athletes over the file's, by id: the file's keys stay unless set here.

    A person's Home Assistant sensors or training plan may live in ``recoveryd.yaml`` while
    the options name their sources and wake time.
    """
    merged = [dict(a) for a in base.get("athletes") or [] if isinstance(a, Mapping)]
    by_id = {a.get("id"): a for a in merged}
    for athlete in given:
        known = by_id.get(athlete["id"])
        if known is not None:
            for key, value in athlete.items():
                inner = known.get(key)
                # A section the options touch (sleep, fuel) keeps the file's other keys.
                if isinstance(inner, Mapping) and isinstance(value, Mapping):
                    value = {**inner, **value}  # noqa: PLW2901 - the merged section
                known[key] = value
        else:
            merged.append(athlete)
    return merged


def _mqtt(base: Mapping[str, Any], broker: Broker) -> dict[str, Any]:
    """The Supervisor's broker over the file's MQTT section; the password as a placeholder."""
    mqtt: dict[str, Any] = {**dict(base.get("mqtt") or {}), "host": broker.host,
                            "port": broker.port}  # fmt: skip
    mqtt.pop("password_file", None)
    if broker.username is not None:
        mqtt["username"] = broker.username
    if broker.password is not None:
        mqtt["password"] = f"${{{MQTT_PASSWORD_ENV}}}"
    if broker.ssl:
        mqtt.setdefault("tls", {})
    return mqtt


def addon_config(
    options: Mapping[str, Any],
    base: Mapping[str, Any],
    *,
    broker: Broker,
    supervisor: str,
    time_zone: str | None,
    data_dir: str,
    panel: tuple[str, int] = ("0.0.0.0", INGRESS_PORT),  # noqa: S104 - the ingress proxy's
) -> AddonConfig:
    """The configuration for the add-on, secrets as placeholders.

    ``base`` is the user's own ``recoveryd.yaml`` (empty when there is none); ``supervisor``
    the Supervisor's URL; ``time_zone`` Home Assistant's; ``data_dir`` the add-on's data
    folder (the store lives there, kept across updates and in backups); ``panel`` where the
    web panel listens (all of the add-on's addresses, ``ingress_port``, by default).
    """
    config: dict[str, Any] = dict(base)
    config["mqtt"] = _mqtt(base, broker)
    home = {key: v for key, v in dict(base.get("homeassistant") or {}).items()
            if key not in {"token_file", "ca_certs"}}  # fmt: skip
    config["homeassistant"] = {**home, "url": f"{supervisor.rstrip('/')}/core",
                               "token": f"${{{TOKEN_ENV}}}"}  # fmt: skip
    config["storage"] = {**dict(base.get("storage") or {}), "path": f"{data_dir}/recoveryd.db"}
    household = dict(base.get("household") or {})
    if time_zone and "timezone" not in household:
        household["timezone"] = time_zone
    if options.get("decide_at"):
        household["decide_at"] = options["decide_at"]
    config["household"] = household
    # The web panel behind Home Assistant's ingress: on the add-on's network, for the
    # ingress proxy's address only (developers.home-assistant.io, App presentation).
    host, port = panel
    config["panel"] = {"host": host, "port": port, "allow_from": [INGRESS_PROXY]}
    secrets: dict[str, str] = {}
    if broker.password is not None:
        secrets[MQTT_PASSWORD_ENV] = broker.password
    athletes = [a for a in options.get("athletes") or [] if isinstance(a, Mapping)]
    if athletes:
        config["athletes"] = _athletes(
            base, [_athlete(a, i, secrets) for i, a in enumerate(athletes)]
        )
    listed = {"devices": _devices(options, base), "recovery": _recovery(options, base)}
    config |= {key: value for key, value in listed.items() if value is not None}
    if "dry_run" in options:
        config["dry_run"] = bool(options["dry_run"])
    if not config.get("athletes"):
        raise AddonError(
            "add-on options: add at least one athlete (id, name, sources), or list them in "
            "recoveryd.yaml in the add-on's configuration folder"
        )
    return AddonConfig(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), secrets)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The add-on repository's files against the Home Assistant developer documentation.

The keys, values and option types are those of developers.home-assistant.io, "App
configuration" and "App repository" (the add-ons are called apps there since 2026), and the
patterns the Supervisor validates them with (supervisor/apps/validate.py, options.py): a file
that fails here would be skipped by the Supervisor with a warning, or refused at install.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from recoveryd import __version__
from recoveryd.config.addon import INGRESS_PORT, Broker, addon_config
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import parse_config

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"name", "version", "slug", "description", "arch"}
OPTIONAL = {
    "machine", "url", "startup", "webui", "boot", "ports", "ports_description",
    "host_network", "host_ipc", "host_dbus", "host_pid", "host_uts", "devices",
    "homeassistant", "hassio_role", "hassio_api", "homeassistant_api", "docker_api",
    "privileged", "full_access", "apparmor", "map", "environment", "audio", "video", "gpio",
    "usb", "uart", "udev", "devicetree", "kernel_modules", "stdin", "legacy", "options",
    "schema", "image", "timeout", "tmpfs", "discovery", "services", "auth_api", "ingress",
    "ingress_port", "ingress_entry", "ingress_stream", "panel_icon", "panel_title",
    "panel_admin", "backup", "backup_pre", "backup_post", "backup_exclude", "stage", "init",
    "watchdog", "realtime", "journald", "breaking_versions", "ulimits",
}  # fmt: skip
RE_SLUG = re.compile(r"^[-_.A-Za-z0-9]+$")
RE_SERVICE = re.compile(r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$")
RE_VOLUME = re.compile(
    r"^(data|config|ssl|local_apps|addons|backup|share|media|homeassistant_config"
    r"|all_app_configs|all_addon_configs|app_config|addon_config)(?::(rw|ro))?$"
)
DEPRECATED_MAPS = {"config", "addons", "all_addon_configs", "addon_config"}  # since 2026.07
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:|bool|email|url|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)


def _manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


class OptionError(ValueError):
    """An option the Supervisor would refuse."""


def _bounded(value: object, key: str, found: re.Match[str]) -> None:
    """Text by its length, numbers by their value, within the element's (min,max)."""
    if found.group(0).startswith(("str", "password")):
        if not isinstance(value, str):
            raise OptionError(f"{key}: {value!r} is not text")
        measured: float = len(value)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionError(f"{key}: {value!r} is not a number")
    else:
        measured = value
    bounds = {g[2:]: float(v) for g, v in found.groupdict().items() if v and g[1:2] == "_"}
    if measured < bounds.get("min", measured) or measured > bounds.get("max", measured):
        raise OptionError(f"{key}: {value!r} outside {bounds}")


def _check_element(typ: str, value: object, key: str) -> None:
    """One value against one schema element, as the Supervisor's options validator does."""
    found = RE_SCHEMA_ELEMENT.match(typ)
    if found is None:
        raise OptionError(f"{key}: unknown type {typ!r}")
    if value is None:
        raise OptionError(f"{key}: missing required option")
    if typ.startswith(("str", "password", "int", "float")):
        _bounded(value, key, found)
    elif typ.startswith("bool") and not isinstance(value, bool):
        raise OptionError(f"{key}: {value!r} is not true or false")
    elif typ.startswith("match") and not re.match(found.group("match"), str(value)):
        raise OptionError(f"{key}: {value!r} does not match {found.group('match')}")
    elif typ.startswith("list") and str(value) not in found.group("list").split("|"):
        raise OptionError(f"{key}: {value!r} is not one of {found.group('list')}")
    # email, url, port, device: none in recoveryd's schema (asserted below)


def _check(schema: object, value: object, key: str) -> None:
    """Options against the schema: nested lists and dicts, ``?`` for what may be left out."""
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise OptionError(f"{key}: not a list")
        for item in value:
            _check(schema[0], item, key)
    elif isinstance(schema, dict):
        if not isinstance(value, dict):
            raise OptionError(f"{key}: not a mapping")
        for name, item in value.items():
            if name not in schema:
                raise OptionError(f"{key}.{name}: not in the schema")
            _check(schema[name], item, f"{key}.{name}")
        for name in set(schema) - set(value):
            inner = schema[name][0] if isinstance(schema[name], list) else schema[name]
            if not (isinstance(inner, str) and inner.endswith("?")):
                raise OptionError(f"{key}.{name}: missing required option")
    else:
        _check_element(str(schema), value, key)


def _schema_leaves(schema: object) -> list[str]:
    if isinstance(schema, dict):
        return [leaf for item in schema.values() for leaf in _schema_leaves(item)]
    if isinstance(schema, list):
        assert len(schema) == 1, "a list schema names one element type"
        assert not isinstance(schema[0], list), "a list may not directly contain another list"
        return _schema_leaves(schema[0])
    assert isinstance(schema, str)
    return [schema]


def test_the_manifest_has_the_documented_keys_and_values() -> None:
    manifest = _manifest()
    assert set(manifest) >= REQUIRED
    assert set(manifest) <= REQUIRED | OPTIONAL, set(manifest) - REQUIRED - OPTIONAL
    assert RE_SLUG.match(manifest["slug"])
    assert manifest["version"] == __version__
    assert set(manifest["arch"]) == {"aarch64", "amd64"}
    assert manifest["startup"] in {"initialize", "system", "services", "application", "once"}
    assert manifest["boot"] in {"auto", "manual", "manual_only"}
    assert all(RE_SERVICE.match(service) for service in manifest["services"])
    assert "mqtt:need" in manifest["services"]
    assert manifest["homeassistant_api"] is True
    for volume in manifest["map"]:
        found = RE_VOLUME.match(volume)
        assert found, volume
        assert found.group(1) not in DEPRECATED_MAPS, volume
    assert "image" not in manifest, "built from this folder's Dockerfile"
    # The panel: ingress on the port the add-on's configuration gives the panel.
    assert manifest["ingress"] is True
    assert manifest["ingress_port"] == INGRESS_PORT


def test_the_schema_uses_documented_types_and_the_defaults_pass_it() -> None:
    manifest = _manifest()
    leaves = _schema_leaves(manifest["schema"])
    assert all(RE_SCHEMA_ELEMENT.match(leaf) for leaf in leaves), leaves
    assert not [leaf for leaf in leaves if leaf.rstrip("?") in {"email", "url", "port"}]
    _check(manifest["schema"], manifest["options"], "options")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"decide_at": "6:30 am"}, "decide_at"),
        ({"dry_run": "yes"}, "dry_run"),
        ({"athletes": [{"id": "Alex!", "name": "A", "sources": ["oura"]}]}, "athletes.id"),
        ({"athletes": [{"id": "alex", "name": "A"}]}, "athletes.sources: missing"),
        (
            {"athletes": [{"id": "alex", "name": "A", "sources": ["oura"], "body_weight_kg": 900}]},
            "body_weight_kg",
        ),
        (
            {
                "athletes": [
                    {"id": "alex", "name": "A", "sources": ["oura"], "notify": ["notify.phone"]}
                ]
            },
            "notify",
        ),
    ],
)
def test_the_schema_refuses_what_recoveryd_would_refuse(change: dict[str, Any], said: str) -> None:
    manifest = _manifest()
    with pytest.raises(OptionError, match=re.escape(said)):
        _check(manifest["schema"], {**manifest["options"], **change}, "options")


def test_options_that_pass_the_schema_make_a_valid_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest()
    full: dict[str, Any] = {
        "athletes": [
            {"id": "alex", "name": "Alex", "sources": ["oura", "homeassistant"],
             "notify": ["mobile_app_alex"], "wake_at": "06:45", "body_weight_kg": 68.5,
             "oura_token": "t0ken", "apprise": ["ntfys://key@ntfy.sh/alex"]},
            {"id": "sam-2", "name": "Sam", "sources": ["garmin"]},
        ],
        "devices": [
            {"name": "sauna", "kind": "sauna", "via": "homeassistant", "entity": "climate.sauna",
             "auto_off_timer": "timer.sauna_auto_off", "max_temp_c": 90},
            {"name": "lamp", "kind": "light", "via": "zigbee2mqtt", "topic": "bedroom_lamp"},
        ],
        "recovery": [
            {"protocol": "active_recovery", "part": "sauna", "device": "sauna",
             "ready_by": "18:00", "minutes": 20, "temp_c": 80},
            {"protocol": "rest", "part": "wind_down", "device": "lamp", "before_bedtime_min": 60},
        ],
        "decide_at": "07:00",
        "dry_run": True,
    }  # fmt: skip
    for options in (manifest["options"], full):
        _check(manifest["schema"], options, "options")
        made = addon_config(options, {}, broker=Broker("core-mosquitto", 1883),
                            supervisor="http://supervisor", time_zone="Europe/Berlin",
                            data_dir=str(tmp_path))  # fmt: skip
        for name, value in {**made.secrets, "SUPERVISOR_TOKEN": "x"}.items():
            monkeypatch.setenv(name, value)
        config = parse_config(made.text, label="add-on configuration", base_dir=tmp_path)
        assert [a.id for a in config.athletes] == [a["id"] for a in options["athletes"]]
        assert sorted(config.devices) == sorted(d["name"] for d in options["devices"])
    # The schema refuses the ids recoveryd refuses: the Configuration tab says so at once,
    # rather than the log at the start.
    bad = {**full, "athletes": [{"id": "-x", "name": "X", "sources": ["oura"]}]}
    with pytest.raises(OptionError):
        _check(manifest["schema"], bad, "options")
    made = addon_config(bad, {}, broker=Broker("h", 1883), supervisor="http://supervisor",
                        time_zone=None, data_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(ConfigError):
        parse_config(made.text, label="add-on configuration", base_dir=tmp_path)


def test_every_option_is_translated_and_documented() -> None:
    manifest = _manifest()
    translations = yaml.safe_load((ROOT / "translations" / "en.yaml").read_text("utf-8"))
    assert set(translations) <= {"configuration", "network"}
    for key in manifest["schema"]:
        entry = translations["configuration"][key]
        assert entry["name"]
        assert entry["description"]
    docs = (ROOT / "DOCS.md").read_text(encoding="utf-8")
    schema = manifest["schema"]
    nested = [*schema["athletes"][0], *schema["devices"][0], *schema["recovery"][0]]
    for key in [*schema, *nested]:
        assert f"`{key}`" in docs, key
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_repository_file_and_no_other_manifest() -> None:
    repository = yaml.safe_load((ROOT / "repository.yaml").read_text(encoding="utf-8"))
    assert repository["name"]
    assert set(repository) <= {"name", "url", "maintainer"}
    # The Supervisor takes every config.yaml/.yml/.json below the root for an add-on, but
    # for those in a folder starting with "." or named rootfs (supervisor/store/data.py).
    manifests = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.glob("**/config.*")
        if path.suffix in {".json", ".yaml", ".yml"}
        and not any(part.startswith(".") or part == "rootfs" for part in path.parts)
    ]
    assert manifests == ["config.yaml"]


@pytest.mark.parametrize(("name", "size"), [("icon.png", (128, 128)), ("logo.png", (250, 100))])
def test_icon_and_logo_are_pngs_of_the_documented_size(name: str, size: tuple[int, int]) -> None:
    data = (ROOT / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == size


def test_the_dockerfile_names_its_base_and_the_builders_labels() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    [base] = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    # Since Supervisor 2026.04 no BUILD_FROM is passed: the base is named, with its tag.
    assert "$" not in base
    assert re.fullmatch(r"[\w./-]+:[\w.-]+", base)
    for label in ('io.hass.type="app"', 'io.hass.version="${BUILD_VERSION}"',
                  'io.hass.arch="${BUILD_ARCH}"'):  # fmt: skip
        assert label in text
    copied = re.findall(r"^COPY\s+(\S+)", text, flags=re.MULTILINE)
    for source in copied:
        assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert not [source for source in copied if source.split("/")[0] in ignored]


def test_the_dockerfile_and_the_entrypoint_pass_their_linters() -> None:
    """hadolint, as the Home Assistant builder lints images, and shellcheck (POSIX sh)."""
    tools = Path(sys.executable).parent
    entrypoint = ROOT / "config" / "docker" / "entrypoint.sh"
    commands: list[list[str | Path]] = [
        [tools / "hadolint", ROOT / "Dockerfile"],
        [tools / "shellcheck", "--shell=sh", entrypoint],
    ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    """``recoveryd``, ``setpriv`` and ``id`` that say how they were called."""
    folder = tmp_path / "bin"
    folder.mkdir()
    scripts = {
        "recoveryd": 'echo "recoveryd $*"',
        "setpriv": 'echo "setpriv $*"',
        "id": 'echo "${FAKE_UID:-0}"',
    }
    for name, body in scripts.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (folder / name).chmod(0o755)
    return folder


@pytest.mark.parametrize(
    ("args", "env", "ran"),
    [
        ([], {"SUPERVISOR_TOKEN": "t"}, "recoveryd addon"),
        (["health"], {"SUPERVISOR_TOKEN": "t"}, "recoveryd addon --check"),
        ([], {}, "setpriv --reuid=recoveryd --regid=recoveryd --init-groups -- recoveryd run"),
        (
            ["health"],
            {},
            "setpriv --reuid=recoveryd --regid=recoveryd --init-groups -- recoveryd check-config",
        ),
        (["today", "--athlete", "a"], {"FAKE_UID": "1000"}, "recoveryd today --athlete a"),
        ([], {"FAKE_UID": "1000"}, "recoveryd run"),
    ],
)
def test_the_entrypoint_starts_the_addon_or_the_daemon(
    fake_bin: Path, args: list[str], env: dict[str, str], ran: str
) -> None:
    done = subprocess.run(
        ["/bin/sh", str(ROOT / "config" / "docker" / "entrypoint.sh"), *args],
        env={"PATH": f"{fake_bin}:{os.defpath}", **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == ran

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The add-on's options and the Supervisor's broker as recoveryd's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from recoveryd.config.addon import AddonError, Broker, addon_config
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import parse_config
from recoveryd.domain.models import Protocol

BROKER = {
    "data": {"host": "core-mosquitto", "port": 1883, "ssl": False, "protocol": "3.1.1",
             "username": "addons", "password": "s3cret", "addon": "core_mosquitto"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ({"result": "ok"}, "answered without a data object"),
        ({"data": {"port": 1883}}, "gave no broker host"),
        ({"data": {"host": "h", "port": "1883"}}, "gave port '1883', not a port number"),
        ({"data": {"host": "h", "port": 0}}, "gave port 0, not a port number"),
        ({"data": {"host": "h", "port": True}}, "gave port True, not a port number"),
        ("not json", "answered without a data object"),
    ],
)
def test_a_broken_services_answer_is_one_line(payload: object, said: str) -> None:
    with pytest.raises(AddonError, match=said):
        Broker.of(payload)


def test_the_options_become_a_valid_configuration_without_a_secret_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = Broker.of(BROKER)
    assert (broker.username, broker.password) == ("addons", "s3cret")
    base = {"mqtt": {"host": "elsewhere", "password_file": "/x"},
            "household": {"decide_at": "06:00"},
            "athletes": [{"id": "kim", "name": "Kim", "sources": ["oura"]}]}  # fmt: skip
    options = {"athletes": [{"id": "alex", "name": "Alex", "sources": ["oura"], "notify": ["a_b"],
                             "wake_at": "06:45", "body_weight_kg": 68,
                             "oura_token": "oura-secret", "apprise": ["ntfys://key@host/t"]}],
               "decide_at": "07:30", "dry_run": True}  # fmt: skip
    made = addon_config(options, base, broker=broker, supervisor="http://supervisor",
                        time_zone="Europe/Berlin", data_dir="/data")  # fmt: skip
    text = made.text
    for secret in ("s3cret", "oura-secret", "ntfys://key@host/t"):
        assert secret not in text
    assert dict(made.secrets) == {
        "RECOVERYD_ADDON_MQTT_PASSWORD": "s3cret",
        "RECOVERYD_ADDON_ATHLETE_0_OURA_TOKEN": "oura-secret",
        "RECOVERYD_ADDON_ATHLETE_0_APPRISE_0": "ntfys://key@host/t",
    }
    raw = yaml.safe_load(text)
    assert raw["mqtt"] == {"host": "core-mosquitto", "port": 1883, "username": "addons",
                           "password": "${RECOVERYD_ADDON_MQTT_PASSWORD}"}  # fmt: skip
    assert raw["homeassistant"] == {
        "url": "http://supervisor/core", "token": "${SUPERVISOR_TOKEN}"
    }  # fmt: skip
    for name, value in made.secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SUPERVISOR_TOKEN", "tok")
    config = parse_config(text, label="add-on configuration", base_dir=tmp_path)
    assert [a.id for a in config.athletes] == ["kim", "alex"]  # the file's, then the options'

    assert str(config.storage.path) == "/data/recoveryd.db"
    assert config.household.timezone == "Europe/Berlin"
    assert f"{config.household.decide_at:%H:%M}" == "07:30"
    assert config.athlete("alex").fuel.body_weight_kg == 68
    assert config.dry_run is True
    assert config.panel is not None  # behind ingress: every client but the proxy refused
    assert (config.panel.host, config.panel.port) == ("0.0.0.0", 8099)  # noqa: S104
    assert [str(a) for a in config.panel.allow_from] == ["172.30.32.2"]
    assert config.mqtt.password is not None
    assert config.mqtt.password.get_secret_value() == "s3cret"
    alex = config.athlete("alex")
    assert alex.oura_token is not None
    assert alex.oura_token.get_secret_value() == "oura-secret"
    assert [url.get_secret_value() for url in alex.apprise] == ["ntfys://key@host/t"]
    secure = Broker("h", 8883, ssl=True)
    tls = addon_config(
        {"athletes": options["athletes"]}, {}, broker=secure, supervisor="http://supervisor",
        time_zone=None, data_dir="/data",
    ).text  # fmt: skip
    assert yaml.safe_load(tls)["mqtt"] == {"host": "h", "port": 8883, "tls": {}}


def test_devices_and_recovery_from_the_options_join_the_files_by_name_and_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {
        "devices": {
            "boots": {"kind": "compression", "via": "tasmota", "topic": "boots_plug"},
            "lamp": {"kind": "light", "via": "dry_run"},
        },
        "recovery": {"rest": {"compression": {"device": "boots", "at": "19:00"},
                              "wind_down": {"device": "lamp", "at": "21:00"}}},
    }  # fmt: skip
    options = {
        "athletes": [{"id": "alex", "name": "Alex", "sources": ["oura"]}],
        "devices": [
            {"name": "lamp", "kind": "light", "via": "zigbee2mqtt", "topic": "bedroom",
             "entity": None},
            {"name": "sauna", "kind": "sauna", "via": "shelly", "topic": "shelly-sauna"},
        ],
        "recovery": [
            {"protocol": "rest", "part": "wind_down", "device": "lamp", "before_bedtime_min": 45},
            {"protocol": "active_recovery", "part": "sauna", "device": "sauna",
             "ready_by": "18:30", "temp_c": 75},
        ],
    }  # fmt: skip
    made = addon_config(options, base, broker=Broker("h", 1883), supervisor="http://supervisor",
                        time_zone="Europe/Berlin", data_dir="/data")  # fmt: skip
    monkeypatch.setenv("SUPERVISOR_TOKEN", "tok")
    config = parse_config(made.text, label="add-on configuration", base_dir=tmp_path)
    assert sorted(config.devices) == ["boots", "lamp", "sauna"]
    assert (config.devices["lamp"].via, config.devices["lamp"].topic) == ("zigbee2mqtt", "bedroom")
    assert config.devices["boots"].topic == "boots_plug"  # the file's, untouched
    rest = config.recovery[Protocol.REST]
    assert rest.compression is not None  # the file's part stays
    assert rest.wind_down is not None
    assert (rest.wind_down.before_bedtime_min, rest.wind_down.at) == (45, None)
    sauna = config.recovery[Protocol.ACTIVE_RECOVERY].sauna
    assert sauna is not None
    assert (sauna.device, sauna.temp_c, f"{sauna.ready_by:%H:%M}") == ("sauna", 75, "18:30")


def test_a_device_that_heats_without_an_auto_off_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {
        "athletes": [{"id": "alex", "name": "Alex", "sources": ["oura"]}],
        "devices": [{"name": "sauna", "kind": "sauna", "via": "homeassistant",
                     "entity": "climate.sauna"}],
        "recovery": [{"protocol": "rest", "part": "sauna", "device": "sauna",
                      "ready_by": "18:00"}],
    }  # fmt: skip
    made = addon_config(options, {}, broker=Broker("h", 1883), supervisor="http://supervisor",
                        time_zone=None, data_dir="/data")  # fmt: skip
    monkeypatch.setenv("SUPERVISOR_TOKEN", "tok")
    with pytest.raises(ConfigError) as raised:
        parse_config(made.text, label="add-on configuration", base_dir=tmp_path)
    [line] = raised.value.problems
    assert line.startswith("add-on configuration: ")
    assert "devices.sauna: a sauna via homeassistant needs an auto-off" in line


def test_an_athlete_in_both_keeps_the_files_keys_the_options_do_not_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"athletes": [{"id": "alex", "name": "Alex", "sources": ["garmin"], "sex": "female",
                          "sleep": {"wake_at": "06:00", "fall_asleep_min": 25}}]}  # fmt: skip
    options = {"athletes": [{"id": "alex", "name": "Alex B.", "sources": ["oura"],
                             "wake_at": "07:15"}]}  # fmt: skip
    made = addon_config(options, base, broker=Broker("h", 1883), supervisor="http://supervisor",
                        time_zone=None, data_dir="/data")  # fmt: skip
    monkeypatch.setenv("SUPERVISOR_TOKEN", "tok")
    [alex] = parse_config(made.text, label="add-on configuration", base_dir=tmp_path).athletes
    assert (alex.name, alex.sources, alex.sex) == ("Alex B.", ["oura"], "female")
    assert f"{alex.sleep.wake_at:%H:%M}" == "07:15"
    assert alex.sleep.fall_asleep_min == 25

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The add-on's options and the Supervisor's broker as recoveryd's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from recoveryd.config.addon import AddonError, Broker, addon_config
from recoveryd.config.loader import parse_config

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
    assert [a.id for a in config.athletes] == ["alex"]  # the options over the file
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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Configuration: every problem is one line naming the file, the key and what is allowed."""

from __future__ import annotations

from dataclasses import fields
from datetime import time
from pathlib import Path

import pytest
from recoveryd.cli.main import main
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import load_config, parse_config
from recoveryd.config.sections import EngineConfig
from recoveryd.domain.models import Protocol
from recoveryd.engine.thresholds import Thresholds

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, label="recoveryd.yaml", base_dir=Path("/nonexistent"))
    return caught.value.problems


def test_minimal_configuration_takes_the_documented_defaults() -> None:
    config = parse_config(MINIMAL, label="recoveryd.yaml", base_dir=Path())
    assert config.household.timezone == "UTC"
    assert config.household.decide_at == time(7, 0)
    assert config.mqtt.port == 1883
    assert config.mqtt.protocol == "auto"
    assert config.engine.thresholds().swc_k == 0.5
    assert config.athlete("alex").sources == ["oura"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "mqtt: {port: 70000}\n",
            "recoveryd.yaml: mqtt.port: must be between 1 and 65535, got 70000",
        ),
        (
            "mqtt: {port: many}\n",
            "recoveryd.yaml: mqtt.port: must be a whole number, got 'many'",
        ),
        (
            "mqtt: {hots: broker}\n",
            "recoveryd.yaml: mqtt.hots: unknown key; allowed keys are base_topic, client_id, "
            "host, keepalive_s, password, port, protocol, reconnect_max_s, session_expiry_s, tls, "
            "username",
        ),
        (
            "mqtt: {protocol: '4'}\n",
            "recoveryd.yaml: mqtt.protocol: must be one of 'auto', '3.1.1' or '5', got '4'",
        ),
        (
            "mqtt: {base_topic: 'home/#'}\n",
            "recoveryd.yaml: mqtt.base_topic: must be a non-empty MQTT topic without '+', '#' "
            "or a leading/trailing '/', got 'home/#'",
        ),
        (
            "household: {timezone: Europe/Berln}\n",
            "recoveryd.yaml: household.timezone: unknown time zone 'Europe/Berln'; use an IANA "
            "name such as 'Europe/Berlin'",
        ),
        (
            "household: {decide_at: '25:00'}\n",
            "recoveryd.yaml: household.decide_at: must be a local time HH:MM such as '07:00', "
            "got '25:00'",
        ),
        (
            "engine: {swc_k: 5}\n",
            "recoveryd.yaml: engine.swc_k: must be between 0.1 and 2, got 5",
        ),
        (
            "engine: {min_hrv_days: 30, full_hrv_days: 20}\n",
            "recoveryd.yaml: engine: full_hrv_days (20) must not be below min_hrv_days (30)",
        ),
        (
            "recovery: {nap: {}}\n",
            "recoveryd.yaml: recovery.nap: must be one of 'rest', 'active_recovery', "
            "'mobility', 'as_planned', 'progressive_overload' or 'insufficient_data', got 'nap'",
        ),
    ],
)
def test_each_problem_is_one_line_naming_the_key(text: str, expected: str) -> None:
    assert problems(MINIMAL + text) == [expected]


@pytest.mark.parametrize("bad_id", ["al/ex", "a+b", "x#", "", "Alex"])
def test_names_that_would_break_topics_are_refused(bad_id: str) -> None:
    [line] = problems(f"athletes: [{{id: '{bad_id}', name: A, sources: [oura]}}]\n")
    assert line.startswith("recoveryd.yaml: athletes[0].id: must be 1-32 characters of a-z")
    assert line.endswith(f"got {bad_id!r}")


def test_every_problem_of_a_file_is_reported() -> None:
    lines = problems(
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: []}\n"
        "  - {id: alex, sources: [oura, oura]}\n"
    )
    assert lines == [
        "recoveryd.yaml: athletes[0].sources: must have at least 1 item(s)",
        "recoveryd.yaml: athletes[1].name: is required but missing",
        "recoveryd.yaml: athletes[1].sources: lists oura more than once",
    ]


def test_duplicate_athlete_ids_are_refused() -> None:
    text = "athletes: [{id: alex, name: A, sources: [o]}, {id: alex, name: B, sources: [o]}]\n"
    assert problems(text) == ["recoveryd.yaml: athletes: athlete id alex is used more than once"]


def test_missing_athletes_and_bad_yaml_and_wrong_shape() -> None:
    assert problems("mqtt: {}\n") == ["recoveryd.yaml: athletes: is required but missing"]
    assert problems("mqtt: [\n") == [
        "recoveryd.yaml: line 2: not valid YAML: "
        "expected the node content, but found '<stream end>'"
    ]
    assert problems("- a\n- b\n") == [
        "recoveryd.yaml: the file must hold a mapping of sections, got a list"
    ]


def test_secrets_from_environment_and_files_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MQTT_PASSWORD", "s3cret-from-env")
    config = parse_config(
        MINIMAL + "mqtt: {password: '${MQTT_PASSWORD}'}\n", label="r.yaml", base_dir=tmp_path
    )
    assert config.mqtt.password is not None
    assert config.mqtt.password.get_secret_value() == "s3cret-from-env"
    assert "s3cret" not in repr(config)
    assert "s3cret" not in config.model_dump_json()

    (tmp_path / "pw").write_text("s3cret-from-file\n", encoding="utf-8")
    config = parse_config(
        MINIMAL + "mqtt: {password_file: pw}\n", label="r.yaml", base_dir=tmp_path
    )
    assert config.mqtt.password is not None
    assert config.mqtt.password.get_secret_value() == "s3cret-from-file"


def test_missing_secret_sources_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_VAR", raising=False)
    assert problems(MINIMAL + "mqtt: {password: '${NO_SUCH_VAR}'}\n") == [
        "recoveryd.yaml: mqtt.password: environment variable NO_SUCH_VAR is not set"
    ]
    assert problems(MINIMAL + "mqtt: {password_file: /nonexistent/pw}\n") == [
        "recoveryd.yaml: mqtt.password_file: /nonexistent/pw: cannot read the file: "
        "No such file or directory"
    ]


def test_unquoted_time_is_read_as_the_time_it_looks_like() -> None:
    # YAML 1.1 reads 06:45 as the sexagesimal integer 405.
    config = parse_config(MINIMAL + "household: {decide_at: 06:45}\n", label="r", base_dir=Path())
    assert config.household.decide_at == time(6, 45)


def test_the_shipped_example_configuration_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MQTT_PASSWORD", "example")
    monkeypatch.setenv("HA_TOKEN", "example")
    monkeypatch.setenv("ALEX_NTFY_URL", "ntfys://ntfy.sh/alex-recovery")
    config = load_config(ROOT / "config" / "recoveryd.example.yaml")
    assert [a.id for a in config.athletes] == ["alex", "sam"]
    assert set(config.recovery) == {
        Protocol.REST,
        Protocol.ACTIVE_RECOVERY,
        Protocol.MOBILITY,
        Protocol.AS_PLANNED,
        Protocol.PROGRESSIVE_OVERLOAD,
    }


def test_load_config_uses_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("RECOVERYD_CONFIG", str(path))
    assert load_config().athletes[0].id == "alex"


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    assert main(["check-config", str(good)]) == 0
    assert capsys.readouterr().out == "ok\n"

    bad = tmp_path / "recoveryd.yaml"
    bad.write_text(MINIMAL + "mqtt: {port: 70000, hots: x}\n", encoding="utf-8")
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "recoveryd.yaml: mqtt.port: must be between 1 and 65535, got 70000",
        "recoveryd.yaml: mqtt.hots: unknown key; allowed keys are base_topic, client_id, host, "
        "keepalive_s, password, port, protocol, reconnect_max_s, session_expiry_s, tls, username",
    ]

    assert main(["check-config", str(tmp_path / "missing.yaml")]) == 2
    assert (
        "missing.yaml: cannot read the file: No such file or directory" in capsys.readouterr().err
    )


def test_every_engine_threshold_is_configurable_with_the_cited_default() -> None:
    assert {f.name for f in fields(Thresholds)} == set(EngineConfig.model_fields)
    assert EngineConfig().thresholds() == Thresholds()
    tuned = parse_config(
        MINIMAL + "engine: {swc_k: 0.8, overload_min_form_pct: -20}\n", label="r", base_dir=Path()
    )
    assert tuned.engine.thresholds().swc_k == 0.8
    assert tuned.engine.thresholds().overload_min_form_pct == -20


_HA = "homeassistant: {url: 'http://127.0.0.1:8123', token: t}\n"
_NEEDS_HA = "homeassistant.url and homeassistant.token (or token_file)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("athletes: [{id: alex, name: A, sources: [oura], notify: [alex_phone]}]\n",
         f"athletes[0].notify: notify services need {_NEEDS_HA}"),
        ("athletes: [{id: alex, name: A, sources: [oura],"
         " ha_sensors: [{source: oura, metrics: {rhr_bpm: sensor.rhr}}]}]\n",
         f"athletes[0].ha_sensors: reading sensors needs {_NEEDS_HA}"),
        ("athletes: [{id: alex, name: A, sources: [oura]}]\n"
         "devices: {sauna: {kind: sauna, via: homeassistant, entity: climate.sauna}}\n",
         f"devices.sauna.via: homeassistant needs {_NEEDS_HA}"),
        (_HA + "athletes: [{id: alex, name: A, sources: [oura],"
         " ha_sensors: [{source: garmin, metrics: {rhr_bpm: sensor.rhr}}]}]\n",
         "athletes[0]: ha_sensors[0].source 'garmin' is not among sources; add it there"),
        (_HA + "athletes: [{id: alex, name: A, sources: [oura], notify: ['notify.phone']}]\n",
         "athletes[0].notify[0]: must be a notify service name without 'notify.' (a-z, 0-9, "
         "'_'), such as 'mobile_app_alex_phone', got 'notify.phone'"),
        ("athletes: [{id: alex, name: A, sources: [oura],"
         " source_priority: {hrv_rmssd_ms: [polar]}}]\n",
         "athletes[0]: source_priority.hrv_rmssd_ms: list sources of this athlete, each once "
         "(sources: oura), got ['polar']"),
        ("athletes: [{id: household, name: A, sources: [oura]}]\n",
         "athletes: athlete id 'household' is reserved for the household's own topics and "
         "entities"),
    ],
)  # fmt: skip
def test_athlete_sources_and_home_assistant_needs_are_one_line(text: str, expected: str) -> None:
    assert problems(text) == [f"recoveryd.yaml: {expected}"]


_TOPIC_NAMES = [
    ("devices: {{'{bad}': {{kind: scene, via: dry_run}}}}\n", "devices"),
    ("athletes: [{{id: alex, name: A, sources: ['{bad}']}}]\n", "athletes[0].sources[0]"),
    ("homeassistant: {{discovery_prefix: 'ha/{bad}'}}\n", "homeassistant.discovery_prefix"),
    ("mqtt: {{base_topic: '{bad}'}}\n", "mqtt.base_topic"),
]


@pytest.mark.parametrize(
    ("template", "where", "bad"),
    [
        (template, where, bad)
        for template, where in _TOPIC_NAMES
        for bad in ("sa/una", "a+b", "x#", "")
        # A topic prefix may have several levels.
        if not (bad == "sa/una" and where.endswith(("prefix", "base_topic")))
    ],
)
def test_every_name_that_becomes_part_of_a_topic_is_checked(
    template: str, where: str, bad: str
) -> None:
    text = template.format(bad=bad)
    if "athletes" not in text:
        text += "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
    lines = problems(text)
    assert len(lines) == 1
    assert lines[0].startswith(f"recoveryd.yaml: {where}")


def test_a_relative_store_is_found_from_the_file_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "recoveryd.yaml"
    path.write_text(MINIMAL + "storage: {path: data/r.db}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_config(path).storage.path == folder / "data" / "r.db"
    absolute = tmp_path / "abs.db"
    path.write_text(MINIMAL + f"storage: {{path: {absolute}}}\n", encoding="utf-8")
    assert load_config(path).storage.path == absolute


def test_check_config_reports_unset_variables_files_and_schema_in_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    path = tmp_path / "recoveryd.yaml"
    path.write_text(
        "homeassistant: {url: 'http://127.0.0.1:8123', token: '${NO_SUCH_TOKEN}'}\n"
        "mqtt: {port: 0}\n"
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [oura], oura_token_file: missing.txt}\n"
        "  - {id: sam, sources: [oura]}\n",
        encoding="utf-8",
    )
    assert main(["run", "--config", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "recoveryd.yaml: homeassistant.token: environment variable NO_SUCH_TOKEN is not set",
        f"recoveryd.yaml: athletes[0].oura_token_file: {tmp_path / 'missing.txt'}: cannot read "
        "the file: No such file or directory",
        "recoveryd.yaml: mqtt.port: must be between 1 and 65535, got 0",
        "recoveryd.yaml: athletes[1].name: is required but missing",
    ]

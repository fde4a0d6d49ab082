# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The loader within bounds: every abuse of the file or the files it names is one line, exit 2."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from recoveryd.cli.main import main
from recoveryd.config.basics import ConfigError
from recoveryd.config.files import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from recoveryd.config.loader import load_config

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["check-config", str(path)])
    return code, capsys.readouterr().err.splitlines()


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + MINIMAL


@pytest.mark.timeout(10)
def test_an_alias_bomb_is_refused_before_it_expands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(alias_bomb(9), encoding="utf-8")  # 10**9 values from under 400 bytes
    code, err = check(path, capsys)
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("recoveryd.yaml: line 1: not valid YAML: expands to ")
    assert f"more than the {MAX_NODES:,} allowed" in err[0]


def test_aliases_within_bounds_are_read(tmp_path: Path) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(
        "athletes:\n"
        "  - &alex {id: alex, name: Alex, sources: [oura]}\n"
        "  - {<<: *alex, id: sam, name: Sam}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert [(a.id, a.sources) for a in config.athletes] == [("alex", ["oura"]), ("sam", ["oura"])]


def test_a_self_referring_anchor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + "x: &a [*a]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "recoveryd.yaml: line 2: not valid YAML: an anchor refers to itself"
    ]


def test_nesting_beyond_the_bound_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + "x: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"recoveryd.yaml: line 2: not valid YAML: nested more than {MAX_DEPTH} levels deep"
    ]


def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + "mqtt:\n  port: 1883\n  host: a\n  port: 8883\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "recoveryd.yaml: line 5: not valid YAML: key 'port' appears twice (first on line 3)"
    ]


def test_invalid_utf8_in_the_file_and_in_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "recoveryd.yaml"
    data = MINIMAL.encode() + b"household: {name: 'H\xe9me'}\n"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"{path}: line 2: not UTF-8 text (byte {data.index(0xE9)})"]

    secret = tmp_path / "pw"
    secret.write_bytes(b"\xff\xfe")
    secret.chmod(0o600)
    path.write_text(MINIMAL + f"mqtt: {{password_file: {secret}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"recoveryd.yaml: mqtt.password_file: {secret}: line 1: not UTF-8 text (byte 0)"
    ]


@pytest.mark.timeout(10)
def test_a_fifo_as_secret_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pw"
    os.mkfifo(fifo)
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + f"mqtt: {{password_file: {fifo}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"recoveryd.yaml: mqtt.password_file: {fifo}: not a regular file (a FIFO)"
    ]


@pytest.mark.timeout(10)
def test_a_fifo_as_the_configuration_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "recoveryd.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as caught:
        load_config(fifo)
    assert caught.value.problems == [f"{fifo}: not a regular file (a FIFO)"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("device", "kind"), [("/dev/zero", "a character device"), ("/", "a folder")]
)
def test_devices_and_folders_are_not_files(tmp_path: Path, device: str, kind: str) -> None:
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + f"homeassistant: {{token_file: {device}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"recoveryd.yaml: homeassistant.token_file: {device}: not a regular file ({kind})"
    ]


def test_an_oversized_plan_file_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    path = tmp_path / "recoveryd.yaml"
    path.write_text(
        "athletes: [{id: alex, name: Alex, sources: [oura], plan_file: plan.yaml}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    size = plan.stat().st_size
    assert caught.value.problems == [
        f"recoveryd.yaml: athletes[0].plan_file: {plan}: {size:,} bytes, "
        f"more than the {MAX_FILE_BYTES:,} allowed"
    ]


def test_a_secret_others_can_read_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "token"
    secret.write_text("abc\n", encoding="utf-8")
    secret.chmod(0o644)
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + f"mqtt: {{password_file: {secret}}}\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_config(path).mqtt.password is not None
        load_config(path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"secret file {secret} can be read by every user of this machine (chmod o-r)"
    ]
    assert "abc" not in caplog.text

    private = tmp_path / "private"
    private.write_text("abc\n", encoding="utf-8")
    private.chmod(0o600)
    caplog.clear()
    path.write_text(MINIMAL + f"mqtt: {{password_file: {private}}}\n", encoding="utf-8")
    load_config(path)
    assert [r for r in caplog.records if r.levelno == logging.WARNING] == []


def test_the_example_passes_check_config_as_shipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MQTT_PASSWORD", "HA_TOKEN", "ALEX_NTFY_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["check-config", str(ROOT / "config" / "recoveryd.example.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "ok"
    assert out[:-1] == [
        "note: mqtt.password: ${MQTT_PASSWORD} is not set here; `recoveryd run` needs it",
        "note: homeassistant.token: ${HA_TOKEN} is not set here; `recoveryd run` needs it",
        "note: athletes[0].apprise[0]: ${ALEX_NTFY_URL} is not set here; `recoveryd run` needs it",
    ]


def test_unset_placeholders_and_schema_problems_are_reported_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_VAR", raising=False)
    path = tmp_path / "recoveryd.yaml"
    path.write_text(MINIMAL + "mqtt: {password: '${NO_SUCH_VAR}', port: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "recoveryd.yaml: mqtt.password: environment variable NO_SUCH_VAR is not set",
        "recoveryd.yaml: mqtt.port: must be between 1 and 65535, got 0",
    ]


def test_aliases_that_nest_past_the_bound_are_refused(tmp_path: Path) -> None:
    # Each line nests 29 levels around the one before: shallow as written, 2,900 deep built.
    lines = ["a0: &a0 1"]
    lines += [f"a{i}: &a{i} " + "[" * 29 + f"*a{i - 1}" + "]" * 29 for i in range(1, 101)]
    path = tmp_path / "recoveryd.yaml"
    path.write_text("\n".join(lines) + "\n" + MINIMAL, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        f"recoveryd.yaml: line 1: not valid YAML: nested more than {MAX_DEPTH} levels deep "
        "once its aliases are followed"
    ]


def test_a_placeholder_in_a_secret_path_is_a_note_when_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    path = tmp_path / "recoveryd.yaml"
    path.write_text(
        MINIMAL + "mqtt: {password_file: '${CREDENTIALS_DIRECTORY}/mqtt'}\n", encoding="utf-8"
    )
    assert main(["check-config", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: mqtt.password_file: ${CREDENTIALS_DIRECTORY} is not set here; "
        "`recoveryd run` needs it",
        "ok",
    ]
    with pytest.raises(ConfigError) as caught:  # where it runs, it is needed
        load_config(path)
    assert caught.value.problems[0] == (
        "recoveryd.yaml: mqtt.password_file: environment variable CREDENTIALS_DIRECTORY is not set"
    )


def test_libyaml_reads_every_shipped_file_as_pyyaml_does() -> None:
    from recoveryd.config import files  # noqa: PLC0415 - the two loaders, side by side

    assert files._FastLoader is not None  # libyaml is installed with PyYAML's wheels
    # Every file recoveryd reads (Home Assistant's blueprints carry HA's own !input tags).
    shipped = sorted(p for p in (ROOT / "config").rglob("*.yaml") if "blueprints" not in p.parts)
    assert len(shipped) > 5
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        fast = files._FastLoader(text)  # type: ignore[call-arg]
        slow = files._BoundedLoader(text)
        try:
            assert fast.get_single_data() == slow.get_single_data(), path
        finally:
            fast.dispose()  # type: ignore[attr-defined]
            slow.dispose()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""`recoveryd sample`, `import` and `today` end to end on a store on disk."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from recoveryd.cli.main import main
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.config.loader import load_config
from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.domain.models import Action, Protocol
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"household: {{timezone: Europe/Berlin}}\nstorage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [oura]}\n"
        "  - {id: sam, name: Sam, sources: [garmin]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RECOVERYD_CONFIG", str(config))
    return config


def test_sample_import_and_today(
    configured: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "--out", str(tmp_path / "data"), "--end", SAMPLE_END.isoformat()]) == 0
    assert main(["import", "csv", str(tmp_path / "data" / "alex.csv"), "--athlete", "alex"]) == 0
    capsys.readouterr()

    day = SAMPLE_END.isoformat()
    assert main(["today", "--athlete", "alex", "--date", day, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    config = load_config(configured)
    with Store(config.storage.path) as store:
        [plan] = decide_range(store, config, "alex", SAMPLE_END, SAMPLE_END)
    assert data["date"] == day
    assert data["protocol"] == plan.protocol.value
    assert data["reasons"] == list(plan.reasons)
    assert [c["signal"] for c in data["readiness"]["contributors"]] == [
        c.signal for c in plan.readiness.contributors
    ]
    assert data["stored_decision"] is None

    assert main(["today", "--athlete", "alex", "--date", day]) == 0
    text = capsys.readouterr().out
    assert "Alex · Wednesday 04 March 2026" in text
    assert plan.reasons[0][:30] in text.replace("\n", " ").replace("│", "")


@pytest.mark.usefixtures("configured")
def test_a_command_that_only_reads_refuses_a_store_that_is_not_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["today", "--athlete", "alex"], ["timeline"],
                    ["replay", "--athlete", "alex", "--from", "2026-03-01", "--to", "2026-03-02"],
                    ["imports"]):  # fmt: skip
        assert main(command) == 1
        assert capsys.readouterr().err.strip() == (
            f"no store at {tmp_path / 'r.db'} (storage.path): `recoveryd run` or an import "
            "creates it; is the path right?"
        )
    assert not (tmp_path / "r.db").exists()  # a mistyped path creates nothing
    # A session logged creates the store; its start is stored as HH:MM.
    assert main(["log-session", "--athlete", "alex", "--minutes", "60", "--rpe", "6",
                 "--date", "2026-03-04", "--start", "7:05"]) == 0  # fmt: skip
    with Store(tmp_path / "r.db") as store:
        [session] = store.sessions("alex", date(2026, 3, 4), date(2026, 3, 4))
    assert session.start == "07:05"
    assert main(["today", "--athlete", "alex", "--date", "2026-03-04"]) == 0


@pytest.mark.usefixtures("configured")
def test_today_for_an_unknown_athlete_names_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["today", "--athlete", "kim"]) == 2
    assert "unknown athlete 'kim' (configured: alex, sam)" in capsys.readouterr().err


def test_compose_configuration_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HA_TOKEN", "x")
    config = load_config(ROOT / "config" / "compose" / "recoveryd.yaml")
    assert config.mqtt.host == "mosquitto"
    assert str(config.storage.path) == "/var/lib/recoveryd/recoveryd.db"


def test_replay_json_lines_and_chart(
    configured: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "--out", str(tmp_path / "data"), "--end", SAMPLE_END.isoformat()]) == 0
    assert main(["import", "csv", str(tmp_path / "data" / "sam.csv"), "--athlete", "sam"]) == 0
    capsys.readouterr()
    first = SAMPLE_END - timedelta(days=40)
    chart = tmp_path / "sam.png"
    args = [
        "replay",
        "--athlete",
        "sam",
        "--from",
        first.isoformat(),
        "--to",
        SAMPLE_END.isoformat(),
    ]
    assert main([*args, "--json", "--plot", str(chart)]) == 0
    days = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    config = load_config(configured)
    with Store(config.storage.path) as store:
        plans = decide_range(store, config, "sam", first, SAMPLE_END)
    assert [d["date"] for d in days] == [p.date.isoformat() for p in plans]
    assert [d["protocol"] for d in days] == [p.protocol.value for p in plans]
    assert [d["readiness"] for d in days] == [p.readiness.score for p in plans]
    assert days[-1]["contributors"][0]["reason"] == plans[-1].readiness.contributors[0].reason
    png = chart.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 20_000
    backwards = ["--from", SAMPLE_END.isoformat(), "--to", first.isoformat()]
    assert main([*args[:3], *backwards]) == 2


def test_replay_gives_each_day_the_answer_of_today_in_any_range(
    configured: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sample", "--out", str(tmp_path / "data"), "--end", SAMPLE_END.isoformat()]) == 0
    assert main(["import", "csv", str(tmp_path / "data" / "alex.csv"), "--athlete", "alex"]) == 0
    with Store(load_config(configured).storage.path) as store:
        store.upsert(sessions=[s for s in generate_sessions(SAMPLE_END) if s.athlete == "alex"])
    capsys.readouterr()

    def replay(first: date, last: date) -> list[dict[str, Any]]:
        args = ["replay", "--athlete", "alex", "--json"]
        assert main([*args, "--from", first.isoformat(), "--to", last.isoformat()]) == 0
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    first = SAMPLE_END - timedelta(days=70)
    whole = replay(first, SAMPLE_END)
    middle = first + timedelta(days=33)
    halves = replay(first, middle) + replay(middle + timedelta(days=1), SAMPLE_END)
    assert halves == whole
    assert whole[-1]["load"]["days_with_load"] > 0
    assert whole[-1]["load"]["unit"] in {"srpe", "trimp"}
    for day in (whole[0], whole[40], whole[-1]):
        assert main(["today", "--athlete", "alex", "--json", "--date", day["date"]]) == 0
        today = json.loads(capsys.readouterr().out)
        assert (today["protocol"], today["load"], today["session"]) == (
            day["protocol"],
            day["load"],
            day["session"],
        )


@pytest.mark.usefixtures("configured")
def test_an_output_file_that_cannot_be_written_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    args = ["replay", "--athlete", "sam", "--from", "2026-03-01", "--to", "2026-03-03"]
    assert main([*args, "--plot", str(missing / "x.png")]) == 2
    assert capsys.readouterr().err == (
        f"replay: cannot write {missing / 'x.png'}: no folder {missing}\n"
    )
    assert main(["plan", "--athlete", "sam", "--ics", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"plan: cannot write {tmp_path}: it is a folder\n"
    assert not missing.exists()


def rest_day_with_sauna(cli_config: Callable[[str], Path], sauna: str) -> Config:
    """Alex and Sam on a rest day (overridden) whose sauna is a dry run; ``sauna`` adds keys."""
    config = load_config(cli_config(
        "household: {timezone: Europe/Berlin}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}, {id: sam, name: Sam, "
        "sources: [garmin]}]\n"
        f"devices: {{sauna: {{kind: sauna, via: dry_run, heat_rate_c_per_min: 2, ambient_c: 20,"
        f"{sauna}}}}}\n"
        "recovery: {rest: {sauna: {device: sauna, ready_by: '18:00', minutes: 20, temp_c: 80}}}\n"
    ))  # fmt: skip
    with Store(config.storage.path) as store:
        store.upsert(*generate(SAMPLE_END))
        for athlete in ("alex", "sam"):
            store.set_override(athlete, SAMPLE_END, Protocol.REST, datetime.now(UTC))
    return config


def test_timeline_shows_the_households_day_and_what_became_of_it(
    cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    rest_day_with_sauna(cli_config, "")
    # Overrides to rest, which has a sauna here: no illness, so both sessions are planned.
    assert main(["timeline", "--date", SAMPLE_END.isoformat(), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["at"][11:16], r["athlete"], r["command"], r["status"]) for r in rows] == [
        ("17:30", "alex", "heat_on", "pending"),
        ("19:20", "sam", "heat_off", "pending"),  # one heating block: 18:00-18:40, 18:40-19:20
    ]
    assert rows[0]["text"] == "sauna: heat_on sauna (80 °C, auto-off 110 min)"
    assert main(["timeline", "--date", SAMPLE_END.isoformat()]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == "2026-03-04 (alex rest, sam rest): 2 actions"
    assert text[1] == "17:30  alex       sauna: heat_on sauna (80 °C, auto-off 110 min)  [pending]"


def test_timeline_shows_skips_owed_switch_offs_and_refusals(
    cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = rest_day_with_sauna(cli_config, " daily_max_switch_ons: 1,")
    zone = config.zone
    with Store(config.storage.path) as store:
        # Alex's sauna went on at 10:00 (start now), then Alex skipped the day.
        ten = datetime(2026, 3, 4, 10, 0, tzinfo=zone)
        on = Action(ten, "alex", "sauna", "heat_on", "sauna", (("temp_c", "80"),),
                    ten + timedelta(minutes=70))  # fmt: skip
        store.log_action(on, "done", "on", ten)
        store.set_day_control("alex", SAMPLE_END, "skip", "yes", ten)
    assert main(["timeline", "--date", SAMPLE_END.isoformat(), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["at"][11:16], r["athlete"], r["command"], r["status"]) for r in rows] == [
        ("10:00", "alex", "heat_off", "pending"),  # owed by the log, due at once
        ("17:30", "sam", "heat_on", "will be refused"),  # the sauna's one switch-on is spent
        ("18:40", "sam", "heat_off", "pending"),
    ]
    assert rows[0]["note"] == "alex's sauna is no longer planned today: off now"
    assert rows[1]["detail"] == (
        "refused: sauna was switched on 1 time today, the most its daily budget allows"
    )
    assert main(["timeline", "--date", SAMPLE_END.isoformat()]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == "2026-03-04 (alex rest, sam rest; alex skipped): 3 actions"
    assert text[1] == (
        "10:00  alex       sauna: heat_off sauna  [pending]  alex's sauna is no longer planned "
        "today: off now"
    )


def test_libraries_log_warnings_only_unless_verbose() -> None:
    from recoveryd.cli.main import LIBRARY_LOGGERS, _configure_logging  # noqa: PLC0415

    try:
        _configure_logging(verbose=False, interactive=False)
        assert {logging.getLogger(n).getEffectiveLevel() for n in LIBRARY_LOGGERS} == {
            logging.WARNING
        }
        _configure_logging(verbose=True, interactive=False)
        assert logging.getLogger("homeassistant_api.basewebsocket").getEffectiveLevel() == (
            logging.DEBUG
        )
    finally:
        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["today", "--athlete", "alex", "--date", "2026-11-31"],
         "argument --date: not a date (YYYY-MM-DD): '2026-11-31'"),
        (["hrv", "rr.txt", "--min-seconds", "-5"],
         "argument --min-seconds: must be above 0 seconds, got '-5'"),
        (["hrv", "rr.txt", "--min-seconds", "soon"],
         "argument --min-seconds: not a number of seconds: 'soon'"),
        (["log-session", "--athlete", "alex", "--minutes", "60", "--rpe", "6", "--start", "7pm"],
         "argument --start: not a time of day (HH:MM, 24-hour): '7pm'"),
    ],
)  # fmt: skip
def test_a_wrong_argument_is_named_with_its_value(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(said)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Training plans: adjustment per protocol, progression, deload weeks, calendar export."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from recoveryd.cli.main import main
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import load_config
from recoveryd.daemon.deciding import training_plan
from recoveryd.domain.models import Protocol
from recoveryd.domain.training import Exercise, Session
from recoveryd.engine.plan import TrainingPlan, adjust_session
from recoveryd.integrations.ical.ics import CalendarDay, week_calendar

ROOT = Path(__file__).resolve().parents[2]
MONDAY = date(2026, 3, 2)  # week 9 of a plan starting 2026-01-05
SQUAT = Exercise("Back squat", 5, 5, 100.0, "load", 5.0)
BENCH = Exercise("Bench press", 5, 5, 70.0, "load", 2.5)
CHINS = Exercise("Chin-up", 3, 8, None, "sets")
STRENGTH = Session(
    "Squat and bench", "strength", 75, "hard", target_rpe=8, exercises=(SQUAT, BENCH, CHINS)
)
RUN = Session("Tempo", "run", 60, "hard", zone="3-4", target_rpe=7)
PLAN = TrainingPlan({0: STRENGTH, 1: RUN}, plan_start=date(2026, 1, 5), deload_every_weeks=4)


def test_rest_and_as_planned() -> None:
    assert adjust_session(PLAN, MONDAY, Protocol.REST) is None
    assert adjust_session(PLAN, MONDAY, Protocol.AS_PLANNED) == STRENGTH
    assert adjust_session(PLAN, MONDAY, Protocol.INSUFFICIENT_DATA) == STRENGTH


def test_active_recovery_is_easy_aerobic_of_the_configured_length() -> None:
    session = adjust_session(PLAN, MONDAY, Protocol.ACTIVE_RECOVERY)
    assert session == Session(
        "Easy aerobic",
        "bike or walk",
        40,
        "easy",
        "instead of: Squat and bench",
        zone="1-2",
        target_rpe=3,
    )
    tuesday = adjust_session(
        replace(PLAN, active_recovery_min=30), date(2026, 3, 3), Protocol.ACTIVE_RECOVERY
    )
    assert tuesday is not None
    assert (tuesday.sport, tuesday.duration_min) == ("run", 30)


def test_mobility_removes_the_intensity_or_uses_the_plans_mobility_session() -> None:
    easier = adjust_session(PLAN, MONDAY, Protocol.MOBILITY)
    assert easier is not None
    assert easier.intensity == "easy"
    assert easier.zone == "1-2"
    assert [e.load_kg for e in easier.exercises] == [60.0, 42.5, None]  # 60 %, to 2.5 kg
    mobility = Session("Hips and shoulders", "mobility", 30, "easy")
    own = adjust_session(replace(PLAN, mobility=mobility), MONDAY, Protocol.MOBILITY)
    assert own == replace(mobility, note="instead of: Squat and bench")


def test_progressive_overload_steps_each_exercise_up() -> None:
    session = adjust_session(PLAN, MONDAY, Protocol.PROGRESSIVE_OVERLOAD, last_rpe_of_sport=7.5)
    assert session is not None
    assert session.exercises == (
        replace(SQUAT, load_kg=105.0),  # +5 %
        replace(BENCH, load_kg=72.5),  # +2.5 % = 71.75, to the nearest 2.5 kg
        replace(CHINS, sets=4),  # one more set
    )
    run = adjust_session(PLAN, date(2026, 3, 3), Protocol.PROGRESSIVE_OVERLOAD)
    assert run is not None
    assert run.duration_min == 66


def test_progression_waits_while_the_last_session_was_harder_than_its_target() -> None:
    session = adjust_session(PLAN, MONDAY, Protocol.PROGRESSIVE_OVERLOAD, last_rpe_of_sport=9)
    assert session is not None
    assert session.exercises == STRENGTH.exercises
    assert session.note == "hold the load: the last strength session was RPE 9, above the target 8"


def test_every_fourth_week_is_a_deload_week() -> None:
    deload_monday = date(2026, 1, 26)  # week 4
    weeks = [date(2026, 1, 5) + timedelta(days=7 * w) for w in range(8)]
    assert [PLAN.is_deload_week(monday) for monday in weeks] == [
        False, False, False, True, False, False, False, True,
    ]  # fmt: skip
    planned = PLAN.planned(deload_monday)
    assert planned is not None
    assert planned.note == "deload week"
    assert planned.duration_min == 45
    assert [(e.sets, e.load_kg) for e in planned.exercises] == [(3, 90.0), (3, 62.5), (1, None)]
    # No progression in a deload week.
    assert adjust_session(PLAN, deload_monday, Protocol.PROGRESSIVE_OVERLOAD) == planned


def test_example_plans_load_and_convert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MQTT_PASSWORD", "x")
    monkeypatch.setenv("HA_TOKEN", "x")
    monkeypatch.setenv("ALEX_NTFY_URL", "ntfys://ntfy.sh/alex-recovery")
    config = load_config(ROOT / "config" / "recoveryd.example.yaml")
    strength = training_plan(config.athlete("sam"))
    assert strength.name == "Full-body strength, 3 days"
    assert strength.deload_every_weeks == 4
    monday = strength.sessions[0]
    assert monday.start == time(18, 0)
    assert monday.exercises[0] == Exercise("Back squat", 5, 5, 100.0, "load", 5.0)
    endurance = training_plan(config.athlete("alex"))
    assert set(endurance.sessions) == {1, 2, 3, 4, 5, 6}


def test_plan_file_problems_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("sessions: [\n", encoding="utf-8")
    (tmp_path / "r.yaml").write_text(
        "athletes: [{id: a, name: A, sources: [o], plan_file: broken.yaml}]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "r.yaml")
    assert caught.value.problems == [
        "r.yaml: athletes[0].plan_file: broken.yaml: line 2: not valid YAML: "
        "expected the node content, but found '<stream end>'"
    ]


def test_calendar_has_one_stable_event_per_training_day() -> None:
    zone = ZoneInfo("Europe/Berlin")
    days = [
        CalendarDay(MONDAY, replace(STRENGTH, start=time(18, 0)), "as_planned (decided)"),
        CalendarDay(date(2026, 3, 3), None, "planned"),
        CalendarDay(date(2026, 3, 4), RUN, "planned"),
    ]
    ics = week_calendar("sam", "Sam", days, zone, datetime(2026, 3, 2, 6, tzinfo=UTC))
    events = [c for c in Calendar.from_ical(ics).walk() if c.name == "VEVENT"]
    assert [str(e["uid"]) for e in events] == [
        "sam-2026-03-02@recoveryd",
        "sam-2026-03-04@recoveryd",
    ]
    first = events[0]
    assert first.decoded("dtstart") == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 18:00 CET
    assert first.decoded("dtend") == datetime(2026, 3, 2, 18, 15, tzinfo=UTC)
    description = str(first["description"])
    assert "Back squat: 5 x 5 @ 100 kg" in description
    assert "Chin-up: 3 x 8" in description
    assert events[1].decoded("dtstart") == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)  # default 18:00


def test_plan_command_json_and_ics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "household: {timezone: Europe/Berlin}\n"
        "athletes:\n"
        "  - {id: sam, name: Sam, sources: [garmin], "
        f"plan_file: {ROOT / 'config/plans/strength.yaml'}}}\n",
        encoding="utf-8",
    )
    monkeypatch.setitem(os.environ, "RECOVERYD_CONFIG", str(config))
    ics = tmp_path / "sam.ics"
    assert (
        main(
            ["plan", "--athlete", "sam", "--date", MONDAY.isoformat(), "--ics", str(ics), "--json"]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["date"] for r in rows] == [f"2026-03-0{d}" for d in range(2, 9)]
    assert rows[0]["status"] == "insufficient_data (decided 2026-03-02)"  # an empty store
    assert rows[0]["session"]["title"] == "Squat and bench"
    assert rows[1]["session"] is None
    events = [c for c in Calendar.from_ical(ics.read_bytes()).walk() if c.name == "VEVENT"]
    assert len(events) == 4  # Monday, Wednesday, Friday, Saturday

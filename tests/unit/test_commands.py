# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Commands from Home Assistant: documented values only, one-line errors, and their effect."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recoveryd.daemon.day_state import apply_command, live_state, paused, skipped, starts
from recoveryd.domain.commands import (
    ATHLETE_CONTROLS,
    CommandError,
    DayButton,
    SetCheckIn,
    SetPaused,
    SetProtocol,
    SetRpe,
    parse_command,
)
from recoveryd.domain.models import Action, Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.store.database import Store

DAY = date(2026, 3, 4)
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("owner", "control", "payload", "expected"),
    [
        ("alex", "protocol", b"rest", SetProtocol("alex", Protocol.REST)),
        ("alex", "protocol", b" auto\n", SetProtocol("alex", None)),
        ("alex", "checkin_soreness", b"2", SetCheckIn("alex", "soreness", 2)),
        ("alex", "checkin_sleep_quality", b"5.0", SetCheckIn("alex", "sleep_quality", 5)),
        ("alex", "rpe", b"7.5", SetRpe("alex", 7.5)),
        ("alex", "skip_today", b"PRESS", DayButton("alex", "skip_today")),
        (None, "pause", b"on", SetPaused(paused=True)),
        (None, "pause", b"OFF", SetPaused(paused=False)),
    ],
)
def test_documented_values_are_accepted(
    owner: str | None, control: str, payload: bytes, expected: object
) -> None:
    assert parse_command(owner, control, payload) == expected


@pytest.mark.parametrize(
    ("owner", "control", "payload", "message"),
    [
        ("alex", "protocol", b"insufficient_data",
         "protocol: expected one of auto, rest, active_recovery, mobility, as_planned, "
         "progressive_overload, got 'insufficient_data'"),
        ("alex", "checkin_mood", b"6",
         "checkin_mood: expected a whole number from 1 to 5, got '6'"),
        ("alex", "checkin_mood", b"2.5",
         "checkin_mood: expected a whole number from 1 to 5, got '2.5'"),
        ("alex", "rpe", b"nan", "rpe: expected a number from 0 to 10, got 'nan'"),
        ("alex", "rpe", b"hard", "rpe: expected a number from 0 to 10, got 'hard'"),
        ("alex", "redecide", b"now", "redecide: expected PRESS, got 'now'"),
        ("alex", "pause", b"ON",
         "unknown control 'pause'; allowed: " + ", ".join(ATHLETE_CONTROLS)),
        (None, "protocol", b"rest", "unknown control 'protocol'; allowed: pause"),
        ("alex", "light.turn_on", b"{}",
         "unknown control 'light.turn_on'; allowed: " + ", ".join(ATHLETE_CONTROLS)),
        ("alex", "protocol", b"\xff\xfe", "protocol: payload is not UTF-8 text"),
        ("alex", "protocol", b"r" * 65, "protocol: payload of 65 bytes; at most 64 are accepted"),
        (None, "pause", b"maybe", "pause: expected ON or OFF, got 'maybe'"),
    ],
)  # fmt: skip
def test_anything_else_is_one_clear_line(
    owner: str | None, control: str, payload: bytes, message: str
) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(owner, control, payload)
    assert str(caught.value) == message


@given(st.text(max_size=50), st.binary(max_size=200))
def test_no_payload_escapes_as_anything_but_a_command_error(control: str, payload: bytes) -> None:
    error = ""
    try:
        command = parse_command("alex", control, payload)
    except CommandError as exc:
        error = str(exc)
    else:
        assert control in ATHLETE_CONTROLS
        assert getattr(command, "athlete", "alex") == "alex"
    assert "\n" not in error


def sauna(at: datetime, command: str) -> Action:
    return Action(at, "alex", "sauna", command, "sauna")


def test_commands_change_the_stored_day(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        applied = apply_command(store, SetProtocol("alex", Protocol.REST), NOW)
        assert (applied.redecide, applied.rebuild) == (True, True)
        assert store.overrides("alex", DAY, DAY) == {DAY: Protocol.REST}
        apply_command(store, SetProtocol("alex", None), NOW)
        assert store.overrides("alex", DAY, DAY) == {}

        apply_command(store, SetCheckIn("alex", "mood", 2), NOW)
        apply_command(store, SetCheckIn("alex", "energy", 4), NOW)
        [checkin] = store.checkins("alex", DAY, DAY)
        assert (checkin.mood, checkin.energy, checkin.soreness) == (2, 4, None)

        with pytest.raises(CommandError, match="rpe: no training session is logged yet"):
            apply_command(store, SetRpe("alex", 6), NOW)
        store.upsert(sessions=[
            CompletedSession("alex", DAY - timedelta(days=2), "log", "18:00", "run", 50, 4.0),
            CompletedSession("alex", DAY - timedelta(days=1), "log", "07:00", "bike", 60, None),
        ])  # fmt: skip
        applied = apply_command(store, SetRpe("alex", 6.5), NOW)
        assert applied.summary == "RPE 6.5 for the bike session of 2026-03-03"
        assert [s.rpe for s in store.sessions("alex", DAY - timedelta(days=2), DAY)] == [4.0, 6.5]

        assert apply_command(store, SetPaused(paused=True), NOW).household
        assert paused(store)
        apply_command(store, SetPaused(paused=False), NOW)
        assert not paused(store)


def test_skip_and_start_now_and_no_second_start(tmp_path: Path) -> None:
    heat_on = sauna(NOW + timedelta(hours=8), "heat_on")
    with Store(tmp_path / "r.db") as store:
        apply_command(store, DayButton("alex", "skip_today"), NOW)
        assert skipped(store, "alex", DAY)
        apply_command(store, DayButton("alex", "start_session"), NOW)
        assert not skipped(store, "alex", DAY)  # starting now undoes the skip
        assert starts(store, ["alex", "sam"], DAY) == {"alex": (NOW, "")}
        # The log says the session began, whatever the timeline holds after a Skip.
        store.log_action(heat_on, "sending", "sent", NOW)
        apply_command(store, DayButton("alex", "skip_today"), NOW)
        with pytest.raises(CommandError, match="today's recovery session has already begun"):
            apply_command(store, DayButton("alex", "start_session"), NOW)


def test_start_is_refused_with_the_reason_the_check_gives(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        with pytest.raises(CommandError, match=r"^start_session: sauna was switched on 3 times"):
            apply_command(
                store, DayButton("alex", "start_session"), NOW,
                lambda athlete: f"sauna was switched on 3 times today ({athlete})",
            )  # fmt: skip
        assert starts(store, ["alex"], DAY) == {}  # nothing stored


def test_live_state_of_a_running_session(tmp_path: Path) -> None:
    heat_on, heat_off = sauna(NOW, "heat_on"), sauna(NOW + timedelta(minutes=80), "heat_off")
    with Store(tmp_path / "r.db") as store:
        live = live_state(store, "alex", NOW, [heat_on, heat_off], ["oura"])
        assert live.next_action == (NOW, "sauna: heat_on sauna")
        assert (live.session_running, live.data_fresh, live.override) == (False, False, "auto")
        store.log_action(heat_on, "done", "on", NOW)
        live = live_state(store, "alex", NOW, [heat_on, heat_off], ["oura"])
        assert live.session_running
        # Still running when the timeline no longer holds the switch-on (after Skip).
        assert live_state(store, "alex", NOW, [heat_off], ["oura"]).session_running
        assert live.next_action == (heat_off.at, "sauna: heat_off sauna")
        store.log_action(heat_off, "done", "off", NOW)
        live = live_state(store, "alex", NOW, [heat_on, heat_off], ["oura"])
        assert (live.session_running, live.next_action) == (False, None)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Sessions from the action log, the daily budget, and the switch-offs the log owes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from recoveryd.config.basics import ConfigError
from recoveryd.config.home import DeviceConfig
from recoveryd.config.loader import parse_config
from recoveryd.domain.models import Action, Protocol
from recoveryd.home.day_timeline import what_happens
from recoveryd.home.device_ledger import (
    DailyBudget,
    LoggedAction,
    already_on,
    budget_of,
    budget_refusal,
    budgets,
    sessions,
)
from recoveryd.home.timeline import household_timeline

from tests.unit.test_timeline_safety import DEVICES, RECOVERY, ZONE, at, plan

SAUNA_BUDGET = DailyBudget(max_on_min=240, max_switch_ons=3, latest_off=time(23, 0))


def heat_on(start: datetime, end: datetime, athlete: str = "alex") -> Action:
    return Action(start, athlete, "sauna", "heat_on", "sauna", (("temp_c", "80"),), end)


def row(action: Action, status: str, when: datetime | None = None) -> LoggedAction:
    return LoggedAction(
        action.key, action.athlete, action.modality, action.device, action.command, action.at,
        action.ends_at, status, when or action.at,
    )  # fmt: skip


def off(when: datetime, athlete: str = "alex") -> Action:
    return Action(when, athlete, "sauna", "heat_off", "sauna")


def test_a_session_is_open_from_its_switch_on_to_a_confirmed_switch_off() -> None:
    on = heat_on(at(17, 30), at(18, 40))
    [session] = sessions([row(on, "sending")])
    assert (session.open, session.status, session.minutes) == (True, "sending", 70)
    [session] = sessions([row(on, "sending"), row(on, "done")])
    assert session.open
    assert sessions([row(on, "sending"), row(on, "refused")]) == []  # it never went on
    assert sessions([row(on, "unsent")]) == []
    failed_off = row(off(at(18, 40)), "failed")
    [session] = sessions([row(on, "done"), failed_off])
    assert session.open  # an unconfirmed switch-off leaves it on
    [session] = sessions([row(on, "sending"), row(off(at(18, 40)), "done")])
    assert not session.open
    # Confirmed only after a switch-off went out (a Skip raced it): on again.
    [session] = sessions([row(on, "sending"), row(off(at(17, 31)), "done"), row(on, "done")])
    assert session.open


def test_the_budget_counts_switch_ons_minutes_and_the_latest_switch_off() -> None:
    first = heat_on(at(10, 0), at(11, 20))  # 80 min
    found = sessions([row(first, "done"), row(off(at(11, 20)), "done")])
    assert budget_refusal(heat_on(at(12, 0), at(13, 20)), found, SAUNA_BUDGET) is None
    assert budget_refusal(heat_on(at(12, 0), at(14, 41)), found, SAUNA_BUDGET) == (
        "refused: 161 min more would make 241 min of sauna today, over its daily budget of 240 min"
    )
    assert budget_refusal(heat_on(at(22, 0), at(23, 1)), found, SAUNA_BUDGET) == (
        "refused: sauna would run until 23:01, past its latest switch-off 23:00"
    )
    # A session ended early still counts its planned length: Skip cannot refund it.
    skipped = heat_on(at(12, 0), at(13, 20))
    found = sessions([
        row(first, "done"), row(off(at(11, 20)), "done"),
        row(skipped, "done"), row(off(at(12, 5)), "done"),
    ])  # fmt: skip
    assert sum(s.minutes for s in found) == 160
    third = heat_on(at(15, 0), at(15, 30))
    found = sessions([*(row(heat_on(s.on_at, s.ends_at or s.on_at), "done") for s in found),
                      row(third, "dry_run")])  # fmt: skip
    assert budget_refusal(heat_on(at(16, 0), at(16, 10)), found, SAUNA_BUDGET) == (
        "refused: sauna was switched on 3 times today, the most its daily budget allows"
    )
    assert already_on("sauna", found, "another") is not None
    assert already_on("boots", found, "another") is None


def test_a_device_budget_is_the_hard_limit_or_lower() -> None:
    assert budget_of(DeviceConfig(kind="sauna", via="dry_run")) == SAUNA_BUDGET
    lowered = DeviceConfig(
        kind="compression", via="dry_run", daily_max_on_min=40, daily_max_switch_ons=2,
        latest_off=time(21, 0),
    )  # fmt: skip
    assert budget_of(lowered) == DailyBudget(40, 2, time(21, 0))
    for kind, key, value, said in (
        ("compression", "daily_max_on_min", "200", "at most 180 (a hard limit), got 200"),
        ("sauna", "daily_max_on_min", "300", "must be between 1 and 240, got 300"),
        ("sauna", "daily_max_switch_ons", "4", "at most 3 (a hard limit), got 4"),
        ("sauna", "latest_off", "'23:30'", "at most 23:00 (a hard limit), got 23:30"),
    ):
        text = (
            "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
            f"devices: {{it: {{kind: {kind}, via: dry_run, {key}: {value}}}}}\n"
        )
        with pytest.raises(ConfigError) as caught:
            parse_config(text, label="r.yaml", base_dir=Path())
        [line] = str(caught.value).splitlines()
        assert line.startswith("r.yaml: devices.it")
        assert said in line


def test_the_log_owes_each_open_session_its_switch_off_whatever_the_plan_says() -> None:
    planned = household_timeline([plan()], RECOVERY, DEVICES, ZONE)
    on = next(a for a in planned if a.command == "heat_on")
    plan_off = next(a for a in planned if a.command == "heat_off")
    found = sessions([row(on, "done")])
    day = what_happens(planned, found, budgets(DEVICES), {on.key})
    assert day.actions == planned  # the plan ends it in time
    assert day.notes == {}

    # Skipped (or a protocol without a sauna): the session is gone from the plan, so off now.
    without = tuple(a for a in planned if a.modality != "sauna")
    day = what_happens(without, found, budgets(DEVICES), {on.key})
    [owed] = [a for a in day.actions if a.command == "heat_off"]
    assert (owed.at, owed.device) == (on.at, "sauna")  # due at once, with a stable key
    assert day.notes[owed.key] == "alex's sauna is no longer planned today: off now"

    # A plan that now ends later (moved, merged) does not move the logged end.
    later = tuple(
        a if a.command != "heat_off" else Action(plan_off.at + timedelta(hours=1), "alex",
                                                 "sauna", "heat_off", "sauna")
        for a in planned
    )  # fmt: skip
    day = what_happens(later, found, budgets(DEVICES), {on.key})
    kept = [a for a in day.actions if a.command == "heat_off" and a.at == on.ends_at]
    assert len(kept) == 1
    assert day.notes[kept[0].key].startswith("kept: the end of the session on since 18:00")

    # Unconfirmed: the device may be on, so off at once.
    day = what_happens(planned, sessions([row(on, "failed")]), budgets(DEVICES), {on.key})
    assert any(a.command == "heat_off" and a.at == on.at for a in day.actions)


def test_switch_ons_to_come_are_refused_while_on_and_over_budget_in_time_order() -> None:
    planned = household_timeline([plan()], RECOVERY, DEVICES, ZONE)
    on = next(a for a in planned if a.command == "heat_on")
    early = heat_on(at(9, 0), at(12, 50))  # 230 min of this day's 240
    found = sessions([row(early, "done")])
    day = what_happens(planned, found, budgets(DEVICES), {early.key})
    # The 09:00 session owes its switch-off at 12:50 (alex's sauna is still planned today).
    assert any(a.command == "heat_off" and a.at == at(12, 50) for a in day.actions)
    assert day.refused[on.key].startswith("refused: 65 min more would make 295 min of sauna")
    # Still on at the later switch-on's time: refused for that, whatever the budget.
    still_on = heat_on(at(17, 0), at(18, 30))
    day = what_happens(planned, sessions([row(still_on, "done")]), budgets(DEVICES), set())
    assert day.refused[on.key] == (
        "refused: sauna is still on until 18:30; that switch-off stands"
    )  # fmt: skip


def test_skip_drops_the_session_and_keeps_the_scenes() -> None:
    actions = household_timeline([plan()], RECOVERY, DEVICES, ZONE, skips=frozenset({"alex"}))
    assert [(a.modality, a.command) for a in actions] == [("wind_down", "scene")]


def test_a_session_never_merges_into_one_whose_heat_on_did_not_start() -> None:
    both = [plan("alex"), plan("sam")]
    merged = household_timeline(both, RECOVERY, DEVICES, ZONE)
    alex_on = next(a for a in merged if a.command == "heat_on")
    assert [a.athlete for a in merged if a.command == "heat_on"] == ["alex"]  # one block
    refused = household_timeline(
        both, RECOVERY, DEVICES, ZONE, not_started=frozenset({alex_on.key})
    )
    sauna = [(a.athlete, a.command) for a in refused if a.device == "sauna"]
    # Alex's refused heat-on stays for the record, nothing else of it; Sam heats on their own.
    assert sauna == [("alex", "heat_on"), ("sam", "heat_on"), ("sam", "heat_off")]


HA = "homeassistant: {url: 'http://127.0.0.1:8123', token: t}\n"
ATHLETE = "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"


@pytest.mark.parametrize(
    ("device", "said"),
    [
        ("{kind: compression, via: homeassistant, entity: timer.boots}", None),
        ("{kind: compression, via: homeassistant, entity: switch.boots, auto_off_timer: "
         "timer.boots_off}", None),
        ("{kind: compression, via: homeassistant, entity: switch.boots, hardware_auto_off: "
         "'the boots stop after their programme'}", None),
        ("{kind: compression, via: tasmota, topic: boots}", None),
        ("{kind: compression, via: homeassistant, entity: switch.boots}",
         "devices.boots: a compression via homeassistant needs an auto-off that outlives "
         "recoveryd: auto_off_timer (a timer with restore: true, watched by the recoveryd "
         "auto-off blueprint) or hardware_auto_off (what switches it off by itself)"),
        ("{kind: compression, via: homeassistant, entity: light.boots, auto_off_timer: "
         "timer.boots_off}",
         "devices.boots: entity 'light.boots' is a light entity; a compression via "
         "homeassistant must be switch.* or input_boolean.* or fan.* or timer.*"),
        ("{kind: compression, via: homeassistant, entity: switch.boots, auto_off_timer: "
         "switch.timer}",
         "devices.boots: auto_off_timer must be a timer entity (timer.*), got 'switch.timer'"),
    ],
)  # fmt: skip
def test_boots_via_home_assistant_need_the_right_entity_and_an_auto_off(
    device: str, said: str | None
) -> None:
    text = (
        f"{HA}{ATHLETE}devices: {{boots: {device}}}\n"
        "recovery: {rest: {compression: {device: boots, at: '19:00', minutes: 20}}}\n"
    )
    if said is None:
        parse_config(text, label="r.yaml", base_dir=Path())
        return
    with pytest.raises(ConfigError) as caught:
        parse_config(text, label="r.yaml", base_dir=Path())
    [line] = str(caught.value).splitlines()
    assert said in line, line


def test_a_sauna_is_a_thermostat_or_a_switch_and_a_timer_is_a_timer() -> None:
    for kind, entity, ok in (
        ("sauna", "climate.sauna", True), ("sauna", "switch.sauna", True),
        ("sauna", "timer.sauna", False), ("timer", "timer.meditation", True),
        ("timer", "switch.meditation", False), ("scene", "light.bedroom", False),
        ("media", "media_player.bedroom", True),
    ):  # fmt: skip
        device = f"{{kind: {kind}, via: homeassistant, entity: {entity}}}"
        text = f"{HA}{ATHLETE}devices: {{it: {device}}}\n"
        if ok:
            parse_config(text, label="r.yaml", base_dir=Path())
            continue
        with pytest.raises(ConfigError, match=rf"entity '{entity}' is a \w+ entity; a {kind}"):
            parse_config(text, label="r.yaml", base_dir=Path())


def test_start_now_holds_only_for_the_protocol_it_was_pressed_for(tmp_path: Path) -> None:
    from recoveryd.daemon.household_day import started_now  # noqa: PLC0415
    from recoveryd.store.database import Store  # noqa: PLC0415

    from tests.conftest import make_config  # noqa: PLC0415

    config = make_config(tmp_path)
    active, rest = plan("alex"), replace(plan("alex"), protocol=Protocol.REST)
    with Store(config.storage.path) as store:
        store.set_day_control("alex", active.date, "start", f"{at(10, 0).isoformat()} "
                              "active_recovery", at(10, 0))  # fmt: skip
        assert started_now(store, config, [active], active.date) == {"alex": at(10, 0)}
        assert started_now(store, config, [rest], active.date) == {}


def test_a_switch_on_confirmed_after_its_switch_off_is_owed_another() -> None:
    # Skip pressed while the heat-on was being confirmed: the switch-off reached the device
    # first, the heat-on after it. The device is on again, and owed a switch-off of its own.
    on = heat_on(at(10, 0), at(11, 10))
    first = sessions([row(on, "sending", at(10, 0))])[0].switch_off(now=True)
    log = [row(on, "sending", at(10, 0)), row(first, "done", at(10, 0)), row(on, "done", at(10, 1))]
    [session] = sessions(log)
    assert session.open
    again = session.switch_off(now=True)
    assert again.key != first.key
    without = tuple(a for a in household_timeline([plan()], RECOVERY, DEVICES, ZONE)
                    if a.modality != "sauna")  # fmt: skip
    day = what_happens(without, [session], budgets(DEVICES), {first.key, on.key})
    assert again in day.actions
    assert again.key in day.due_now

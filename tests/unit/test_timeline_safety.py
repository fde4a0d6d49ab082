# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The household timeline, its shared-device policy, restart catch-up, and the safety rules."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.basics import ConfigError
from recoveryd.config.home import DeviceConfig
from recoveryd.config.loader import parse_config
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.domain.models import Action, DayPlan, HrvStatus, Protocol, Readiness
from recoveryd.home.catch_up import catch_up, switch_off_for
from recoveryd.home.safety import Sensors, check, sauna_allowed, start_check_turns_off
from recoveryd.home.timeline import household_timeline, preheat_minutes

ZONE = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 4)
SAUNA = DeviceConfig(
    kind="sauna", via="dry_run", heat_rate_c_per_min=2.0, ambient_c=20, start_wait_min=15
)
BOOTS = DeviceConfig(kind="compression", via="dry_run", max_minutes=45)
SCENE = DeviceConfig(kind="scene", via="dry_run")
DEVICES = {"sauna": SAUNA, "boots": BOOTS, "scene": SCENE}
HOME = ProtocolHomeConfig.model_validate(
    {
        "sauna": {"device": "sauna", "ready_by": "18:30", "minutes": 20, "temp_c": 80},
        "compression": {"device": "boots", "at": "19:00", "minutes": 20},
        "wind_down": {"device": "scene", "at": "21:30", "kelvin": 2200, "brightness_pct": 30},
    }
)
RECOVERY = {Protocol.ACTIVE_RECOVERY: HOME}


def readiness(flags: tuple[str, ...] = (), *, illness: bool = False) -> Readiness:
    return Readiness(
        score=60,
        confidence=1.0,
        hrv_status=HrvStatus.BELOW,
        acute_hrv_drop=False,
        illness=illness,
        flags=flags,
        contributors=(),
        hrv_valid_days=60,
        hrv_source="oura",
    )


def plan(athlete: str = "alex", r: Readiness | None = None) -> DayPlan:
    return DayPlan(athlete, DAY, Protocol.ACTIVE_RECOVERY, r or readiness(), (), None, None)


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(DAY, time(hh, mm), tzinfo=ZONE)


def test_one_athletes_day() -> None:
    actions = household_timeline([plan()], RECOVERY, DEVICES, ZONE)
    summary = [(a.at, a.command, a.device) for a in actions]
    assert preheat_minutes(SAUNA, 80) == 30  # (80 - 20) / 2
    assert summary == [
        (at(18, 0), "heat_on", "sauna"),  # ready by 18:30
        (at(19, 0), "turn_on", "boots"),
        (at(19, 5), "heat_off", "sauna"),  # ready + 15 min wait + 20 min session
        (at(19, 20), "turn_off", "boots"),
        (at(21, 30), "scene", "scene"),
    ]
    heat = actions[0]
    assert heat.param("temp_c") == "80"
    assert heat.param("auto_off_min") == "65"  # the device switches itself off at 19:05
    assert actions[1].param("minutes") == "20"
    assert dict(actions[-1].params) == {"kelvin": "2200", "brightness_pct": "30"}


def test_a_presence_sensor_adds_a_start_check() -> None:
    sensed = SAUNA.model_copy(update={"presence_entity": "binary_sensor.sauna_presence"})
    devices = DEVICES | {"sauna": sensed}
    actions = household_timeline([plan()], RECOVERY, devices, ZONE)
    assert [(a.at, a.command) for a in actions if a.device == "sauna"] == [
        (at(18, 0), "heat_on"),
        (at(18, 45), "start_check"),
        (at(19, 5), "heat_off"),
    ]


def test_two_athletes_one_sauna_one_heating_block_and_no_overlap() -> None:
    actions = household_timeline([plan("alex"), plan("sam")], RECOVERY, DEVICES, ZONE)
    sauna = [(a.athlete, a.at, a.command) for a in actions if a.device == "sauna"]
    # Sam's session starts when Alex's ends (19:05) and the heat stays on until Sam's ends.
    assert sauna == [("alex", at(18, 0), "heat_on"), ("sam", at(19, 40), "heat_off")]
    heat = next(a for a in actions if a.command == "heat_on")
    assert heat.param("auto_off_min") == str(100)  # 18:00 to 19:40
    boots = [(a.athlete, a.at, a.command) for a in actions if a.device == "boots"]
    assert boots == [
        ("alex", at(19, 0), "turn_on"),
        ("alex", at(19, 20), "turn_off"),
        ("sam", at(19, 20), "turn_on"),
        ("sam", at(19, 40), "turn_off"),
    ]


def test_no_sauna_on_an_illness_day_or_with_raised_rhr_and_temperature() -> None:
    ill = household_timeline([plan(r=readiness(illness=True))], RECOVERY, DEVICES, ZONE)
    feverish = household_timeline(
        [plan(r=readiness(("rhr", "skin_temp")))], RECOVERY, DEVICES, ZONE
    )
    one_flag = household_timeline([plan(r=readiness(("rhr",)))], RECOVERY, DEVICES, ZONE)
    assert not any(a.device == "sauna" for a in ill)
    assert not any(a.device == "sauna" for a in feverish)
    assert any(a.device == "sauna" for a in one_flag)
    assert sauna_allowed(readiness(illness=True)) == (
        False,
        "no sauna: the illness pattern is present",
    )


def test_catch_up_after_a_restart() -> None:
    actions = household_timeline([plan()], RECOVERY, DEVICES, ZONE)
    heat_on, boots_on, heat_off = actions[0], actions[1], actions[2]
    # Restart at 18:05: the pre-heat is 5 minutes late, inside its 10-minute grace.
    early = catch_up(actions, set(), at(18, 5))
    assert early.run_now == (heat_on,)
    assert heat_off in early.later
    # Restart at 18:20: too late to start heating, never run it; nothing ran twice.
    late = catch_up(actions, set(), at(18, 20))
    assert late.missed == (heat_on,)
    # Restart at 19:30 after the pre-heat ran: the heat-off always runs, however late.
    after = catch_up(actions, {heat_on.key}, at(19, 30))
    assert heat_off in after.run_now
    assert boots_on in after.missed  # 30 minutes late: past its 15-minute grace
    assert heat_on not in after.run_now + after.later + after.missed


def sauna_action(temp: int) -> Action:
    return Action(at(18, 0), "alex", "sauna", "heat_on", "sauna", (("temp_c", str(temp)),))


def test_safety_rules_at_the_moment_of_action() -> None:
    assert check(sauna_action(80), Sensors()).allowed
    assert check(sauna_action(130), Sensors()).reason == "refused: 130 °C is outside 40-100 °C"
    assert (
        check(sauna_action(80), Sensors(door_open=True)).reason == "refused: the sauna door is open"
    )
    assert check(sauna_action(80), Sensors(door_open=False)).allowed
    boots = Action(at(19, 0), "alex", "compression", "turn_on", "boots", (("minutes", "240"),))
    assert check(boots, Sensors()).reason == "refused: 240 min is outside 1-60 min"
    off = Action(at(19, 0), "alex", "sauna", "heat_off", "sauna")
    assert check(off, Sensors(door_open=True)).allowed  # a turn-off is never refused
    assert start_check_turns_off(Sensors(someone_present=False))
    assert start_check_turns_off(Sensors(someone_present=None))  # unknown: off
    assert not start_check_turns_off(Sensors(someone_present=True))


WAKE_DEVICES = (
    "homeassistant: {url: 'http://127.0.0.1:8123', token: t}\n"
    "devices: {lights: {kind: scene, via: homeassistant, entity: scene.wake_up}}\n"
)
HOME_DEVICES = (
    "devices: {sauna: {kind: sauna, via: dry_run}, boots: {kind: compression, via: dry_run}}\n"
)


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            HOME_DEVICES
            + "recovery: {active_recovery: {sauna: "
            + "{device: sauna, ready_by: '18:00', temp_c: 130}}}",
            "recovery.active_recovery.sauna.temp_c: must be between 40 and 100, got 130",
        ),
        (
            HOME_DEVICES
            + "recovery: {active_recovery: {sauna: "
            + "{device: sauna, ready_by: '18:00', minutes: 240}}}",
            "recovery.active_recovery.sauna.minutes: must be between 5 and 60, got 240",
        ),
        (
            HOME_DEVICES + "recovery: {rest: {wind_down: {device: nowhere, at: '21:00'}}}",
            "recovery.rest.wind_down.device: unknown device 'nowhere' (devices: boots, sauna)",
        ),
        (
            HOME_DEVICES + "recovery: {rest: {sauna: {device: boots, ready_by: '18:00'}}}",
            "recovery.rest.sauna.device: device 'boots' is a compression, expected sauna",
        ),
        (
            "devices: {oven: {kind: sauna, via: homeassistant}}",
            "devices.oven: a device via homeassistant needs entity",
        ),
        (
            "devices: {hot: {kind: sauna, via: dry_run, max_temp_c: 130}}",
            "devices.hot.max_temp_c: must be between 40 and 100, got 130",
        ),
        (
            "devices: {tight: {kind: compression, via: dry_run, max_minutes: 240}}",
            "devices.tight.max_minutes: must be between 1 and 60, got 240",
        ),
        (
            WAKE_DEVICES + "recovery: {rest: {wake: {device: lights, wake_entity: Bed Sensor}}}",
            "recovery.rest.wake.wake_entity: must be a Home Assistant entity id such as "
            "'climate.sauna', got 'Bed Sensor'",
        ),
        (
            WAKE_DEVICES
            + "recovery: {rest: {wake: {device: lights, wake_entity: binary_sensor.bed}}}",
            "recovery.rest.wake: wake_entity needs latest: HH:MM, when the scene runs without it",
        ),
        (
            WAKE_DEVICES + "recovery: {rest: {wake: {device: lights, at: '06:00', "
            "wake_entity: binary_sensor.bed, latest: '08:00'}}}",
            "recovery.rest.wake: give either wake_entity (with latest: HH:MM) or "
            "at/before_bedtime_min",
        ),
        (
            WAKE_DEVICES + "recovery: {rest: {wake: {device: lights, "
            "wake_entity: binary_sensor.bed, earliest: '09:00', latest: '08:00'}}}",
            "recovery.rest.wake: latest must be after earliest, got earliest 09:00, latest 08:00",
        ),
        (
            "devices: {lights: {kind: scene, via: dry_run}}\n"
            "recovery: {rest: {wake: {device: lights, wake_entity: binary_sensor.bed, "
            "latest: '08:00'}}}",
            "recovery.rest.wake.wake_entity: reading binary_sensor.bed needs homeassistant.url "
            "and homeassistant.token (or token_file)",
        ),
    ],
)
def test_dangerous_or_broken_home_configuration_is_refused(snippet: str, message: str) -> None:
    text = "athletes: [{id: alex, name: A, sources: [oura]}]\n" + snippet + "\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, label="r.yaml", base_dir=Path())
    assert caught.value.problems == [f"r.yaml: {message}"]


def test_a_wake_scene_waits_for_the_signal_until_latest() -> None:
    home = ProtocolHomeConfig.model_validate(
        {"wake": {"device": "scene", "wake_entity": "binary_sensor.bed", "earliest": "05:30",
                  "latest": "08:00", "kelvin": 4000}}
    )  # fmt: skip
    (wake,) = household_timeline([plan()], {Protocol.ACTIVE_RECOVERY: home}, DEVICES, ZONE)
    assert (wake.at, wake.command, wake.device) == (at(8, 0), "scene", "scene")
    assert dict(wake.params) == {
        "kelvin": "4000",
        "wake_entity": "binary_sensor.bed",
        "wake_state": "off",
        "earliest": at(5, 30).isoformat(),
    }


def test_the_switch_off_of_a_failed_switch_on() -> None:
    two = household_timeline([plan("alex"), plan("sam")], RECOVERY, DEVICES, ZONE)
    heat_on = next(a for a in two if a.command == "heat_on")
    boots_on = next(a for a in two if a.command == "turn_on" and a.athlete == "alex")
    # One heating block for both: its heat-off is the one at the end of Sam's session.
    assert switch_off_for(heat_on, two) == next(a for a in two if a.command == "heat_off")
    assert switch_off_for(heat_on, two).athlete == "sam"  # type: ignore[union-attr]
    boots_off = switch_off_for(boots_on, two)
    assert boots_off is not None
    assert (boots_off.command, boots_off.at) == ("turn_off", boots_on.ends_at)
    assert switch_off_for(heat_on, [heat_on]) is None

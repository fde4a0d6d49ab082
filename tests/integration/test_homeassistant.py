# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A day's timeline against a real Home Assistant core (2024.3.3, started by the fixture)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.home import DeviceConfig
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.domain.models import Action, DayPlan, HrvStatus, Protocol, Readiness
from recoveryd.home.safety import check
from recoveryd.home.timeline import household_timeline
from recoveryd.integrations.homeassistant.actuator import HomeAssistant

from tests.integration.ha_core import HomeAssistantCore, start_home_assistant

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("Europe/Berlin")
DEVICES = {
    "sauna": DeviceConfig(
        kind="sauna", via="homeassistant", entity="climate.sauna",
        door_entity="binary_sensor.sauna_door", presence_entity="binary_sensor.sauna_presence",
        auto_off_timer="timer.sauna_auto_off",
    ),
    "boots": DeviceConfig(
        kind="compression", via="homeassistant", entity="switch.boots",
        auto_off_timer="timer.boots_auto_off",
    ),
    "timer": DeviceConfig(kind="timer", via="homeassistant", entity="timer.meditation"),
    "speaker": DeviceConfig(kind="media", via="homeassistant", entity="media_player.bedroom"),
    "wind_down": DeviceConfig(kind="scene", via="homeassistant", entity="scene.wind_down"),
}  # fmt: skip


@pytest.fixture(scope="module")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantCore]:
    """A fresh Home Assistant for this module's tests."""
    yield from start_home_assistant(tmp_path_factory)


def day_plan() -> DayPlan:
    readiness = Readiness(
        score=50,
        confidence=1.0,
        hrv_status=HrvStatus.BELOW,
        acute_hrv_drop=False,
        illness=False,
        flags=(),
        contributors=(),
        hrv_valid_days=60,
        hrv_source="oura",
    )
    return DayPlan("alex", date(2026, 3, 4), Protocol.ACTIVE_RECOVERY, readiness, (), None, None)


HOME = ProtocolHomeConfig.model_validate(
    {
        "sauna": {"device": "sauna", "ready_by": "18:30", "minutes": 20, "temp_c": 80},
        "compression": {"device": "boots", "at": "19:00", "minutes": 20},
        "meditation": {
            "device": "speaker",
            "at": "21:00",
            "minutes": 10,
            "media_id": "x",
            "timer": "timer",
        },
        "wind_down": {"device": "wind_down", "at": "21:30"},
    }
)


async def test_a_day_against_home_assistant(home_assistant: HomeAssistantCore) -> None:
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=3, backoff_s=0.2)
    actions = household_timeline([day_plan()], {Protocol.ACTIVE_RECOVERY: HOME}, DEVICES, ZONE)
    expected_after = {
        "heat_on": ("climate.sauna", "heat"),
        "heat_off": ("climate.sauna", "off"),
        "start_check": ("climate.sauna", "off"),  # nobody is in the sauna
        "turn_on": ("switch.boots", "on"),
        "turn_off": ("switch.boots", "off"),
    }
    done = []
    for action in actions:
        if action.command == "play_media":
            continue  # the test instance has no media player; the timer stands in for it
        device = DEVICES[action.device]
        verdict = check(action, await ha.sensors(device))
        assert verdict.allowed, verdict.reason
        result = await ha.execute(action, device)
        assert result.status == "done", result.detail
        done.append(action.command)
        if action.command in expected_after:
            entity, state = expected_after[action.command]
            assert home_assistant.state(entity)["state"] == state
        if action.command == "heat_on":
            sauna = home_assistant.state("climate.sauna")
            assert sauna["attributes"]["temperature"] == 80
            # generic_thermostat switches the heater on: 21 °C is far below 80 °C.
            assert home_assistant.state("input_boolean.sauna_heater_relay")["state"] == "on"
        if action.command == "timer_start":
            assert home_assistant.state("timer.meditation")["attributes"]["duration"] == "0:10:00"
    assert done == [
        "heat_on", "start_check", "turn_on", "heat_off", "turn_off", "timer_start", "scene",
    ]  # fmt: skip
    assert home_assistant.state("input_boolean.sauna_heater_relay")["state"] == "off"


async def test_door_interlock_reads_the_real_sensor(home_assistant: HomeAssistantCore) -> None:
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=2, backoff_s=0.2)
    heat_on = Action(datetime.now(ZONE), "alex", "sauna", "heat_on", "sauna", (("temp_c", "80"),))
    home_assistant.call("input_boolean", "turn_on", entity_id="input_boolean.sauna_door_open")
    try:
        sensors = await ha.sensors(DEVICES["sauna"])
        assert sensors.door_open is True
        assert check(heat_on, sensors).reason == "refused: the sauna door is open"
        # The actuator reads the door again on every attempt, just before the heat goes on
        # (the daemon's guard may have run while Home Assistant was away).
        home_assistant.call(
            "climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="heat"
        )  # an earlier attempt's heat mode, before Home Assistant went away
        result = await ha.execute(heat_on, DEVICES["sauna"])
        assert (result.status, result.detail) == ("refused", "refused: the sauna door is open")
        assert home_assistant.state("climate.sauna")["state"] == "off"
    finally:
        home_assistant.call("input_boolean", "turn_off", entity_id="input_boolean.sauna_door_open")
    assert (await ha.sensors(DEVICES["sauna"])).door_open is False


async def test_the_wake_entity_is_read_from_home_assistant(
    home_assistant: HomeAssistantCore,
) -> None:
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=1)
    home_assistant.call("input_boolean", "turn_on", entity_id="input_boolean.bed_occupied")
    assert await ha.entity_state("binary_sensor.bed") == "on"
    home_assistant.call("input_boolean", "turn_off", entity_id="input_boolean.bed_occupied")
    assert await ha.entity_state("binary_sensor.bed") == "off"
    assert await ha.entity_state("binary_sensor.no_such_bed") is None
    wrong_token = HomeAssistant(home_assistant.url, "not-a-token", attempts=1)
    assert await wrong_token.entity_state("binary_sensor.bed") is None


async def test_home_assistant_down_retries_then_gives_up_and_heat_off_waits_for_it(
    home_assistant: HomeAssistantCore,
) -> None:
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=3, backoff_s=0.2)
    sauna = DEVICES["sauna"]
    now = datetime.now(ZONE)
    heat_on = Action(
        now, "alex", "sauna", "heat_on", "sauna", (("temp_c", "80"), ("auto_off_min", "30"))
    )
    assert (await ha.execute(heat_on, sauna)).status == "done"
    home_assistant.stop()
    failed = await ha.execute(heat_on, sauna)
    assert failed.status == "failed"
    assert failed.detail.startswith(f"Home Assistant at {home_assistant.url}/api unreachable")
    assert re.search(r"\(gave up after 3 attempts in \d+ s\)$", failed.detail), failed.detail
    # The heat-off is asked while Home Assistant is down and is confirmed once it is back.
    turning_off = asyncio.create_task(
        ha.execute(Action(now, "alex", "sauna", "heat_off", "sauna"), sauna)
    )
    await asyncio.sleep(1.0)
    assert not turning_off.done()
    await asyncio.to_thread(home_assistant.start)
    result = await asyncio.wait_for(turning_off, 120)
    assert result.status == "done", result.detail
    assert home_assistant.state("climate.sauna")["state"] == "off"


async def test_the_sauna_ready_blueprint_announces_a_hot_sauna(
    home_assistant: HomeAssistantCore,
) -> None:
    log = home_assistant.config_dir / "sauna_log.txt"
    automation = home_assistant.state("automation.sauna_ready")
    assert automation["state"] == "on"  # the blueprint loaded with its inputs
    # 21 °C in the room: a 22 °C target is within the 3 °C margin, so it is "ready" at once.
    home_assistant.call("climate", "set_temperature", entity_id="climate.sauna", temperature=40)
    home_assistant.call("climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="heat")
    assert "The sauna is ready." not in (log.read_text() if log.exists() else "")
    home_assistant.call("climate", "set_temperature", entity_id="climate.sauna", temperature=23)
    try:
        await asyncio.wait_for(_until_file_says(log, "The sauna is ready."), 30)
    finally:
        home_assistant.call("climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="off")


async def _until_file_says(path: Path, text: str) -> None:
    while not (path.exists() and text in path.read_text(encoding="utf-8")):
        await asyncio.sleep(0.2)


async def test_a_sensors_history_becomes_nights(
    home_assistant: HomeAssistantCore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415
    from recoveryd.integrations.homeassistant.history import HistoryError, entity_histories  # noqa: PLC0415
    from recoveryd.store.database import Store  # noqa: PLC0415

    home_assistant.call("input_number", "set_value", entity_id="input_number.oura_hrv", value=48.5)
    now = datetime.now(ZONE)

    async def latest() -> str:
        readings = await entity_histories(
            home_assistant.url, home_assistant.token, ["input_number.oura_hrv"],
            now - timedelta(hours=1), now + timedelta(minutes=1),
        )  # fmt: skip
        return readings["input_number.oura_hrv"][-1][1]

    async def recorded() -> None:
        # The recorder writes in its own thread: the new state reaches the history shortly.
        while await latest() != "48.5":
            await asyncio.sleep(0.2)

    await asyncio.wait_for(recorded(), 15)
    with pytest.raises(HistoryError, match=r"Home Assistant has no entity sensor\.no_such_ring"):
        await entity_histories(home_assistant.url, home_assistant.token,
                               ["sensor.no_such_ring"], now - timedelta(hours=1), now)  # fmt: skip

    # The command, as a household runs it: the night ending at the next full minute.
    cutoff = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    config = tmp_path / "r.yaml"
    config.write_text(
        f"household: {{timezone: Europe/Berlin}}\n"
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        f"homeassistant: {{url: '{home_assistant.url}', token: '{home_assistant.token}'}}\n"
        "athletes:\n"
        "  - id: alex\n    name: Alex\n    sources: [oura]\n"
        f"    ha_sensors: [{{source: oura, at: '{cutoff:%H:%M}',"
        " metrics: {hrv_rmssd_ms: input_number.oura_hrv}}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RECOVERYD_CONFIG", str(config))
    day = cutoff.date().isoformat()
    code = await asyncio.to_thread(
        main, ["import", "homeassistant", "--athlete", "alex", "--from", day, "--to", day]
    )
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out == (
        f"homeassistant {day} to {day}: 1 nights, 1 new or changed (import 1)\n"
    )
    with Store(tmp_path / "r.db") as store:
        [night] = store.nights("alex", cutoff.date(), cutoff.date())
    assert (night.source, night.hrv_rmssd_ms) == ("oura", 48.5)


async def test_the_phones_next_alarm_times_the_evening_in_home_assistant(
    home_assistant: HomeAssistantCore, tmp_path: Path
) -> None:
    from recoveryd.cli import sampledata  # noqa: PLC0415
    from recoveryd.config.loader import parse_config  # noqa: PLC0415
    from recoveryd.daemon.alarms import NextAlarms  # noqa: PLC0415
    from recoveryd.daemon.deciding import decide_and_store  # noqa: PLC0415
    from recoveryd.domain.events import EntityState, Event  # noqa: PLC0415
    from recoveryd.store.database import Store  # noqa: PLC0415

    day = date(2026, 3, 4)
    config = parse_config(
        f"""
household: {{timezone: Europe/Berlin}}
storage: {{path: {tmp_path / "r.db"}}}
homeassistant: {{url: "{home_assistant.url}", token: "{home_assistant.token}"}}
devices:
  wind_down: {{kind: scene, via: homeassistant, entity: scene.wind_down}}
athletes:
  - {{id: alex, name: Alex, sources: [oura],
     sleep: {{next_alarm_entity: sensor.alex_phone_next_alarm, wake_at: "07:30"}}}}
recovery:
  rest: &evening {{wind_down: {{device: wind_down, before_bedtime_min: 60, at: "21:00"}}}}
  active_recovery: *evening
  mobility: *evening
  as_planned: *evening
  progressive_overload: *evening
  insufficient_data: *evening
""",
        label="alarm.yaml", base_dir=tmp_path,
    )  # fmt: skip
    ha = HomeAssistant(home_assistant.url, home_assistant.token, attempts=2, backoff_s=0.2)
    events: list[Event] = []
    reads: list[asyncio.Task[None]] = []

    def set_alarm(local: datetime) -> None:
        # As the companion app reports it: a timestamp sensor in UTC.
        home_assistant.request(
            "POST", "/api/states/sensor.alex_phone_next_alarm",
            {"state": local.astimezone(ZoneInfo("UTC")).isoformat(),
             "attributes": {"device_class": "timestamp"}},
        )  # fmt: skip

    async def read_alarm(alarms: NextAlarms) -> str | None:
        alarms.poll()
        await asyncio.gather(*reads)
        reads.clear()
        found = [e for e in events if isinstance(e, EntityState)]
        events.clear()
        [state] = found
        return alarms.observed(state.entity, state.state, day)

    nights, checkins = sampledata.generate(day)
    with Store(config.storage.path) as store:
        store.upsert([n for n in nights if n.athlete == "alex"], checkins)
        alarms = NextAlarms(
            config, store, reader=ha, put=events.append,
            spawn=lambda work, _: reads.append(asyncio.ensure_future(work)),
        )  # fmt: skip
        evenings = []
        for alarm in (datetime(2026, 3, 5, 6, 10, tzinfo=ZONE),
                      datetime(2026, 3, 5, 5, 40, tzinfo=ZONE)):  # fmt: skip
            set_alarm(alarm)
            assert await read_alarm(alarms) == "alex"  # a new alarm: decide again
            decision = decide_and_store(store, config, "alex", day, datetime.now(ZONE))
            assert decision is not None
            plan, need = decision.plan, decision.plan.sleep
            assert plan.bedtime is not None
            assert need is not None
            assert plan.bedtime.wake_at == alarm
            assert plan.bedtime.wake_source == "next alarm (sensor.alex_phone_next_alarm)"
            assert plan.bedtime.lights_out == alarm - timedelta(minutes=need.need_min + 15)
            recovery = {plan.protocol: config.recovery[plan.protocol]}
            [scene] = household_timeline([plan], recovery, config.devices, ZONE)
            assert scene.at == plan.bedtime.lights_out - timedelta(minutes=60)
            before = home_assistant.state("scene.wind_down")["state"]
            result = await ha.execute(scene, config.devices["wind_down"])
            assert result.status == "done", result.detail
            home_assistant.wait_for("scene.wind_down", lambda s, b=before: s["state"] != b)
            evenings.append(scene.at)
            assert await read_alarm(alarms) is None  # the same alarm again changes nothing
        assert evenings[0] - evenings[1] == timedelta(minutes=30)
        # An alarm that is not tomorrow morning's (the day after) leaves the stored one.
        set_alarm(datetime(2026, 3, 6, 6, 0, tzinfo=ZONE))
        assert await read_alarm(alarms) is None
        assert decide_and_store(store, config, "alex", day, datetime.now(ZONE)) is None

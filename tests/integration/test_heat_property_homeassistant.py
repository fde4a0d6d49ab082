# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The random days of ``test_heat_property``, with the sauna and boots in a real Home Assistant.

The sauna is the test core's thermostat and the boots its switch, each with a restoring
auto-off timer and an automation from the shipped ``auto_off.yaml`` blueprint. Home
Assistant's own recorder is the history checked: per device and day no more switch-ons than
the budget; each switch-on with its timer running, armed to end by the session's logged end;
the timer never pushed later while the device is on (that would stretch the session); no more
armed minutes than the budget; everything off when the day ends.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, until
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant
from tests.integration.test_heat_property import (
    BERLIN,
    Household,
    random_days,
    rests_of,
    run_day,
    within_a_session,
)

pytestmark = [pytest.mark.integration, pytest.mark.fuzz]

EXAMPLES = 40 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 2
BUDGETS = {"sauna": (2, 40), "boots": (3, 10)}  # switch-ons, minutes a day
ENTITIES = {"sauna": ("climate.sauna", "heat"), "boots": ("switch.boots", "on")}
TIMERS = {"sauna": "timer.sauna_auto_off", "boots": "timer.boots_auto_off"}


@pytest.fixture(scope="module")
def home_assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantCore]:
    """A fresh Home Assistant for this module's days."""
    yield from start_home_assistant(tmp_path_factory)


def household(tmp: Path, port: int, core: HomeAssistantCore) -> str:
    return f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {port}, client_id: recoveryd-heat-ha, reconnect_max_s: 1}}
homeassistant: {{url: "{core.url}", token: "{core.token}", discovery: false, attempts: 3}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}, {{id: sam, name: Sam, sources: [garmin]}}]
devices:
  sauna: {{kind: sauna, via: homeassistant, entity: climate.sauna, ambient_c: 35,
          heat_rate_c_per_min: 10, start_wait_min: 5, auto_off_timer: timer.sauna_auto_off,
          daily_max_switch_ons: {BUDGETS["sauna"][0]}, daily_max_on_min: {BUDGETS["sauna"][1]}}}
  boots: {{kind: compression, via: homeassistant, entity: switch.boots,
          auto_off_timer: timer.boots_auto_off, daily_max_switch_ons: {BUDGETS["boots"][0]},
          daily_max_on_min: {BUDGETS["boots"][1]}}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "17:28", minutes: 5, temp_c: 40}}
    compression: {{device: boots, at: "17:27", minutes: 2}}
  rest:
    compression: {{device: boots, at: "17:28", minutes: 2}}
"""


def reset(core: HomeAssistantCore) -> None:
    """Everything off and no timer running, as a day begins."""
    core.call("climate", "set_hvac_mode", entity_id="climate.sauna", hvac_mode="off")
    core.call("switch", "turn_off", entity_id="switch.boots")
    for timer in TIMERS.values():
        core.call("timer", "cancel", entity_id=timer)


def history(core: HomeAssistantCore, since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Home Assistant's recorded states since ``since``, attribute changes included."""
    entities = ",".join([*(e for e, _ in ENTITIES.values()), *TIMERS.values()])
    rows = core.request(
        "GET",
        f"/api/history/period/{since.isoformat()}?filter_entity_id={entities}"
        "&significant_changes_only=0",
    )
    return {r[0]["entity_id"]: r for r in rows if r}


def when(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["last_updated"])


def check(home: Household, core: HomeAssistantCore, began: datetime) -> None:
    with Store(home.tmp / "r.db") as store:
        log = store.action_log(SAMPLE_END, SAMPLE_END)
    recorded = history(core, began)
    for device, (entity, on_state) in ENTITIES.items():
        rows = [r for r in recorded.get(entity, []) if r["state"] not in {"unknown", "unavailable"}]
        timer_rows = recorded.get(TIMERS[device], [])
        ons, armed = [], 0.0
        for previous, row in zip([{"state": "off"}, *rows], rows, strict=False):
            if row["state"] == on_state and previous["state"] != on_state:
                ons.append(when(row))
        if rows:
            assert rows[-1]["state"] == "off"
        switch_ons, minutes = BUDGETS[device]
        assert len(ons) <= switch_ons, f"{device}: {len(ons)} switch-ons"
        rests = rests_of(log, device)
        for on in ons:
            # Its timer was started just before the switch-on, for the rest of the session.
            timer = [t for t in timer_rows if when(t) <= on][-1]
            assert timer["state"] == "active", (device, on, timer)
            finishes = datetime.fromisoformat(timer["attributes"]["finishes_at"])
            armed += (finishes - on).total_seconds()
            assert within_a_session(finishes - on, rests), (device, on, finishes)
            # Never pushed later while the device is on: that would stretch the session.
            off = next((when(r) for r in rows if when(r) > on and r["state"] != on_state), None)
            until_off = off or began + timedelta(days=1)
            during = [t for t in timer_rows if on < when(t) < until_off]
            for later in during:
                if later["state"] == "active":
                    pushed = datetime.fromisoformat(later["attributes"]["finishes_at"])
                    assert pushed <= finishes + timedelta(seconds=1), (device, on, pushed)
        assert armed <= minutes * 60 + len(ons), f"{device}: armed for {armed:.0f} s"


@random_days(EXAMPLES)
def test_no_sequence_leaves_heat_on_through_home_assistant(
    home_assistant: HomeAssistantCore,
    mosquitto: BrokerAddress,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[object, ...]],
) -> None:
    tmp = tmp_path_factory.mktemp("day")
    reset(home_assistant)
    began = datetime.now(BERLIN)
    home = Household(tmp, mosquitto)

    def all_off() -> bool:
        return all(home_assistant.state(e)["state"] == "off" for e, _ in ENTITIES.values())

    asyncio.run(run_day(home, household(tmp, mosquitto.port, home_assistant), steps, all_off))

    def recorded_off() -> bool:
        found = history(home_assistant, began)
        return all(found.get(e, [{}])[-1].get("state") == "off" for e, _ in ENTITIES.values())

    # The recorder writes in its own thread: until it has the last states.
    asyncio.run(until(recorded_off, "the recorder's last states", 15))
    check(home, home_assistant, began)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""recoveryd's entities in a real Home Assistant, through its MQTT integration and mosquitto.

Home Assistant 2024.3.3 (from ``.cache/ha-venv``) gets its MQTT integration through the
config-flow REST API, as the UI adds it; the daemon runs in this process. Home Assistant is
only ever called from a worker thread, so the daemon's event loop keeps running meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import urllib.error
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from recoveryd.config.loader import parse_config
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import CommandReceived
from recoveryd.domain.models import CheckIn, Night, Protocol, Readiness
from recoveryd.home.notification import LADDER
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, Mosquitto
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant
from tests.integration.test_daemon_mqtt import (
    DISCOVERED,
    MORNING,
    FixedClock,
    running,
    seeded_config,
    watching,
)
from tests.stand_ins import Supervisor

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerAddress]:
    mosquitto = Mosquitto(tmp_path_factory.mktemp("mosquitto"), free_port())
    yield mosquitto.address
    mosquitto.stop()


@pytest.fixture(scope="module")
def home_assistant(
    tmp_path_factory: pytest.TempPathFactory, broker: BrokerAddress
) -> Iterator[HomeAssistantCore]:
    started = start_home_assistant(tmp_path_factory)
    core = next(started)
    try:
        core.configure_mqtt(broker.host, broker.port)
        yield core
    finally:
        started.close()


async def hrv_pattern_sensors_show(core: HomeAssistantCore, readiness: Readiness) -> None:
    """The HRV pattern and the 7-day CV, as Home Assistant shows them."""
    pattern = await ha(core.state, "sensor.recoveryd_alex_hrv_pattern")
    assert pattern["state"] == readiness.hrv_pattern.value != "unknown"
    assert pattern["attributes"]["device_class"] == "enum"
    swings = readiness.contributor("hrv_cv")
    assert swings is not None
    cv = await ha(core.state, "sensor.recoveryd_alex_contributor_hrv_cv")
    assert float(cv["state"]) == pytest.approx(swings.value, abs=0.01)
    assert cv["attributes"]["unit_of_measurement"] == "%"


async def ha(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A Home Assistant call in a worker thread."""
    return await asyncio.to_thread(call, *args, **kwargs)


async def test_entities_and_controls_in_home_assistant(
    home_assistant: HomeAssistantCore,
    broker: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
) -> None:
    core = home_assistant
    config = seeded_config(tmp_path, broker, sample)
    async with watching(broker) as watcher, running(config, FixedClock(MORNING)) as daemon:
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/state")), "the decision")
        decision = daemon.store.latest_decision("alex", SAMPLE_END)
        assert decision is not None
        decided = decision.plan.protocol.value
        protocol = await ha(
            core.wait_for, "sensor.recoveryd_alex_protocol", lambda s: s["state"] == decided
        )
        assert protocol["attributes"]["friendly_name"] == "Alex recovery Protocol"
        assert protocol["attributes"]["device_class"] == "enum"
        assert protocol["attributes"]["hrv_status"] == decision.plan.readiness.hrv_status.value
        rhr = await ha(core.wait_for, "sensor.recoveryd_alex_resting_hr", lambda _: True)
        assert rhr["attributes"]["unit_of_measurement"] == "bpm"
        sleep = await ha(core.state, "sensor.recoveryd_alex_sleep_duration")
        assert sleep["attributes"]["device_class"] == "duration"
        assert (await ha(core.state, "binary_sensor.recoveryd_alex_illness"))["state"] in {
            "on", "off",
        }  # fmt: skip
        await hrv_pattern_sensors_show(core, decision.plan.readiness)
        chart = await ha(core.wait_for, "image.recoveryd_alex_chart", lambda _: True)
        assert chart["attributes"]["friendly_name"] == "Alex recovery 30-day chart"

        # The select, through Home Assistant's own service: today becomes a rest day.
        await ha(core.call, "select", "select_option",
                 entity_id="select.recoveryd_alex_protocol_override", option="rest")  # fmt: skip
        await ha(core.wait_for, "sensor.recoveryd_alex_protocol", lambda s: s["state"] == "rest")
        assert daemon.store.overrides("alex", SAMPLE_END, SAMPLE_END) == {SAMPLE_END: Protocol.REST}

        # A button and a number.
        await ha(core.call, "button", "press", entity_id="button.recoveryd_sam_skip_today")
        await ha(core.call, "number", "set_value",
                 entity_id="number.recoveryd_alex_checkin_mood", value=2)  # fmt: skip
        await ha(core.wait_for, "number.recoveryd_alex_checkin_mood", lambda s: s["state"] == "2")
        assert daemon.store.day_controls("sam", SAMPLE_END) == {"skip": "yes"}
        [checkin] = daemon.store.checkins("alex", SAMPLE_END, SAMPLE_END)
        assert checkin.mood == 2

        # A malformed command changes nothing and is reported on the event entity.
        revisions = daemon.store.decision_count("alex", SAMPLE_END)
        await ha(core.call, "mqtt", "publish",
                 topic="recoveryd/alex/set/protocol", payload="sauna_all_day")  # fmt: skip
        event = await ha(
            core.wait_for, "event.recoveryd_alex_events",
            lambda s: s["attributes"].get("event_type") == "error",
        )  # fmt: skip
        assert event["attributes"]["control"] == "protocol"
        assert event["attributes"]["error"].endswith("got 'sauna_all_day'")
        assert daemon.store.decision_count("alex", SAMPLE_END) == revisions
        assert (await ha(core.state, "sensor.recoveryd_alex_protocol"))["state"] == "rest"

        # The household's pause switch.
        await ha(core.call, "switch", "turn_on", entity_id="switch.recoveryd_household_pause")
        await ha(core.wait_for, "switch.recoveryd_household_pause", lambda s: s["state"] == "on")
        assert daemon.store.setting("paused") == "on"

        # The rest-day blueprint, run now: the protocol sensor says rest, so the lights dim.
        automation = await ha(core.state, "automation.rest_day_wind_down")
        assert automation["state"] == "on"  # the blueprint loaded with its inputs
        await ha(core.call, "automation", "trigger",
                 entity_id="automation.rest_day_wind_down", skip_condition=False)  # fmt: skip
        await ha(core.wait_for, "input_boolean.bedroom_light", lambda s: s["state"] == "on")

        # Home Assistant announces a restart: every config is sent again after it. (Home
        # Assistant announces itself on its own too, so count from the last announcement.)
        await ha(core.call, "mqtt", "publish", topic="homeassistant/status", payload="online")

        def configs_since_online() -> int:
            topics = [m.topic for m in watcher.messages]
            if "homeassistant/status" not in topics:
                return 0
            since = len(topics) - topics[::-1].index("homeassistant/status")
            return sum(t.endswith("/config") for t in topics[since:])

        await watcher.until(lambda: configs_since_online() >= DISCOVERED, "re-sent discovery")


async def test_the_morning_summary_and_its_buttons_through_home_assistant(
    home_assistant: HomeAssistantCore,
    broker: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
) -> None:
    core = home_assistant
    config = parse_config(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00", summary_interval_min: 0}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 0.2}}
mqtt: {{host: 127.0.0.1, port: {broker.port}, client_id: recoveryd-notify, reconnect_max_s: 1}}
homeassistant: {{url: "{core.url}", token: "{core.token}"}}
athletes:
  - {{id: alex, name: Alex, sources: [oura], notify: [alex_phone]}}
""",
        label="notify.yaml",
        base_dir=tmp_path,
    )
    with Store(config.storage.path) as store:
        store.upsert(*sample)
    phone = core.config_dir / "alex_phone.txt"

    def notified(daemon: Daemon) -> str | None:
        sent = daemon.store.setting("notified:alex:2026-03-04")
        return None if sent is None else str(json.loads(sent)["protocol"])

    async with running(config, FixedClock(MORNING)) as daemon:
        await asyncio.wait_for(_until(lambda: "Readiness" in _text(phone)), 60)
        # Home Assistant writes the file before its answer reaches the daemon, which then
        # marks the summary sent.
        await asyncio.wait_for(_until(lambda: notified(daemon) is not None), 30)
        decision = daemon.store.latest_decision("alex", SAMPLE_END)
        assert decision is not None
        first = decision.plan.protocol
        assert notified(daemon) == first.value
        assert f"Readiness {decision.plan.readiness.score}/100" in _text(phone)
        # Check-in sliders moved: new decision revisions, the same protocol and session, so
        # no new summary.
        revisions = decision.revision
        for value in (3, 4, 3):
            daemon.queue.put_nowait(
                CommandReceived("recoveryd/alex/set/checkin_soreness", str(value).encode())
            )
        await asyncio.wait_for(
            _until(lambda: _revision(daemon) > revisions and not daemon.consumer.commanded.waiting),
            30,
        )
        plan = daemon.store.latest_decision("alex", SAMPLE_END)
        assert plan is not None
        assert plan.plan.protocol == first  # (soreness 3-4 of 5 moves no protocol)
        # "Easier" on the phone: the companion app fires this event in Home Assistant.
        await ha(core.request, "POST", "/api/events/mobile_app_notification_action",
                 {"action": "RECOVERYD_EASIER_alex"})  # fmt: skip
        await asyncio.wait_for(
            _until(lambda: bool(daemon.store.overrides("alex", SAMPLE_END, SAMPLE_END))), 30
        )
        easier = LADDER[max(LADDER.index(first) - 1, 0)]
        assert daemon.store.overrides("alex", SAMPLE_END, SAMPLE_END) == {SAMPLE_END: easier}
        # The protocol changed: the message is replaced (same tag) and sent once more.
        await asyncio.wait_for(_until(lambda: notified(daemon) == easier.value), 30)
        assert _text(phone).count("Readiness") == 2
    # Restarted and decided again (a new revision): what was sent is not sent again.
    async with running(config, FixedClock(MORNING)) as daemon:
        before = _revision(daemon)
        daemon.queue.put_nowait(CommandReceived("recoveryd/alex/set/redecide", b"PRESS"))

        def settled() -> bool:
            busy = daemon.consumer.commanded.waiting or daemon.morning.busy
            return _revision(daemon) > before and not busy and not daemon._running

        await asyncio.wait_for(_until(settled), 30)
    assert _text(phone).count("Readiness") == 2


def _revision(daemon: Daemon) -> int:
    decision = daemon.store.latest_decision("alex", SAMPLE_END)
    return 0 if decision is None else decision.revision


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.1)


async def test_the_dashboard_loads_and_every_entity_it_names_exists(
    home_assistant: HomeAssistantCore,
    broker: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
) -> None:
    import yaml  # noqa: PLC0415
    from recoveryd.integrations.homeassistant.session import ha_websocket  # noqa: PLC0415
    from recoveryd.present.dashboard import dashboard, entity_ids  # noqa: PLC0415

    core = home_assistant
    config = seeded_config(tmp_path, broker, sample)
    board = dashboard(config)
    # As `recoveryd dashboard` writes it, where the YAML dashboard of configuration.yaml is.
    (core.config_dir / "recoveryd_dashboard.yaml").write_text(
        yaml.safe_dump(board, sort_keys=False), encoding="utf-8"
    )
    async with watching(broker) as watcher, running(config, FixedClock(MORNING)):
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/state")), "the decision")
        named = entity_ids(board)
        assert len(named) > 60  # two athletes' views and the household's
        missing = set(named)
        for _ in range(100):  # until discovery has reached Home Assistant
            states = await ha(core.request, "GET", "/api/states")
            missing = named - {s["entity_id"] for s in states}
            if not missing:
                break
            await asyncio.sleep(0.2)
        assert not missing
        websocket = core.url.replace("http", "ws", 1) + "/api/websocket"
        async with ha_websocket(websocket, core.token, verify=True) as ws:
            loaded = await ws.recv_result_dict(
                await ws.send("lovelace/config", url_path="recoveryd-board")
            )
        assert loaded["views"][0]["title"] == "Alex"
        assert entity_ids(loaded) == named  # Home Assistant read the file as written


async def test_the_addon_started_by_a_supervisor_has_its_entities_in_home_assistant(
    home_assistant: HomeAssistantCore, broker: BrokerAddress, tmp_path: Path
) -> None:
    """`recoveryd addon`: broker and Core from a stand-in Supervisor, entities in a real HA."""
    token = "addon-token"  # noqa: S105 - the stand-in's
    supervisor = Supervisor(
        token,
        {"host": broker.host, "port": broker.port, "ssl": False, "protocol": "3.1.1",
         "addon": "core_mosquitto"},
        core=(home_assistant.url, home_assistant.token),
    )  # fmt: skip
    data, config = tmp_path / "data", tmp_path / "config"
    data.mkdir()
    config.mkdir()
    options = {"athletes": [{"id": "kim", "name": "Kim", "sources": ["oura"]}],
               "decide_at": "07:00", "dry_run": True}  # fmt: skip
    (data / "options.json").write_text(json.dumps(options), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "RECOVERYD_CONFIG"}
    env |= {"SUPERVISOR_URL": supervisor.url, "SUPERVISOR_TOKEN": token}
    daemon = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("recoveryd")), "addon", "--data", str(data),
        "--config-dir", str(config), "--panel", f"127.0.0.1:{free_port()}", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:

        def discovered() -> dict[str, Any] | None:
            try:
                return home_assistant.state("sensor.recoveryd_kim_readiness")
            except urllib.error.HTTPError:
                return None

        readiness = None
        async with asyncio.timeout(60):
            while readiness is None:
                readiness = await asyncio.to_thread(discovered)
                await asyncio.sleep(0.2)
        select = await ha(home_assistant.state, "select.recoveryd_kim_protocol_override")
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(daemon.communicate(), 30)
        supervisor.close()
    assert daemon.returncode == 0, err.decode()[-2000:]
    assert readiness["attributes"]["friendly_name"].startswith("Kim")
    assert "auto" in select["attributes"]["options"]
    # Home Assistant reached through the Supervisor's Core proxy, with the add-on's token.
    assert ("/core/api/config", f"Bearer {token}") in supervisor.asked
    assert {auth for _, auth in supervisor.asked} == {f"Bearer {token}"}

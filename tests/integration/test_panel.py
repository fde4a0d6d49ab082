# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The web panel in a real browser (Chromium, headless) against `recoveryd run` and mosquitto.

The page shows the stored decision; a control used on the page changes the decision, and the
page, the store and the retained MQTT state then agree. Screenshots at phone and desktop
width go to ``.cache/test-output/panel/`` (or ``$RECOVERYD_TEST_OUTPUT/panel``).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.store.database import Store

from tests.conftest import BrokerAddress

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
RECOVERYD = Path(sys.executable).with_name("recoveryd")
ZONE = ZoneInfo("Europe/Berlin")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = Path(os.environ.get("RECOVERYD_TEST_OUTPUT", ROOT / ".cache" / "test-output")) / "panel"


@pytest.fixture
def running(tmp_path: Path, mosquitto: BrokerAddress) -> Iterator[tuple[str, Path, int]]:
    """`recoveryd run` with the panel on 127.0.0.1, on a store holding 90 days to today."""
    today = datetime.now(ZONE).date()
    store = tmp_path / "recoveryd.db"
    nights, checkins = generate(today)
    with Store(store) as opened:
        opened.upsert(nights, checkins, generate_sessions(today))
    port = free_port()
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "00:00"}}
storage: {{path: {store}}}
mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, client_id: recoveryd-panel}}
panel: {{host: 127.0.0.1, port: {port}}}
athletes:
  - {{id: alex, name: Alex, sources: [oura]}}
  - {{id: sam, name: Sam, sources: [garmin]}}
devices:
  wind_down_scene: {{kind: scene, via: dry_run}}
recovery:
  rest:
    wind_down: {{device: wind_down_scene, at: "20:45"}}
  active_recovery:
    wind_down: {{device: wind_down_scene, at: "21:15"}}
  mobility:
    wind_down: {{device: wind_down_scene, at: "21:30"}}
""",
        encoding="utf-8",
    )
    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [str(RECOVERYD), "run", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        break
            except OSError:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "daemon.log").read_text(encoding="utf-8")[-2000:])
                time.sleep(0.1)
        while any(_stored_protocol(store, athlete) is None for athlete in ("alex", "sam")):
            assert time.monotonic() < deadline, "the daemon did not decide at its start"
            time.sleep(0.1)
        yield url, store, mosquitto.port
    finally:
        daemon.terminate()
        daemon.wait(timeout=15)
        log.close()


def _mqtt_protocol(port: int, athlete: str) -> str:
    """The protocol of the athlete's retained state, as Home Assistant reads it."""
    received: queue.Queue[bytes] = queue.Queue()
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.on_message = lambda _client, _data, message: received.put(bytes(message.payload))
    client.connect("127.0.0.1", port)
    client.subscribe(f"recoveryd/{athlete}/state")
    client.loop_start()
    try:
        payload = received.get(timeout=5)
    finally:
        client.loop_stop()
        client.disconnect()
    return str(json.loads(payload)["protocol"])


def _stored_protocol(store: Path, athlete: str) -> str | None:
    with Store(store) as opened:
        stored = opened.latest_decision(athlete, datetime.now(ZONE).date())
    return None if stored is None else stored.plan.protocol.value


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (`make test` installs it)")
def test_the_panel_shows_the_decision_and_its_controls_change_it(
    running: tuple[str, Path, int],
) -> None:
    from playwright.sync_api import expect, sync_playwright  # noqa: PLC0415

    url, store, mqtt_port = running
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            desktop = browser.new_page(viewport={"width": 1280, "height": 900})
            desktop.goto(url + "/")
            alex = desktop.locator("#athlete-alex")
            shown = alex.locator("[data-protocol]").get_attribute("data-protocol")
            # The page, the store and the MQTT state: one decision.
            assert shown == _stored_protocol(store, "alex") == _mqtt_protocol(mqtt_port, "alex")
            expect(alex.locator("li.signal")).not_to_have_count(0)
            expect(alex.locator("img.chart")).to_have_js_property("complete", value=True)
            assert alex.locator("img.chart").evaluate("i => i.naturalWidth") > 0
            desktop.screenshot(path=str(OUTPUT / "desktop.png"), full_page=True)

            # The protocol select: the same checked command as MQTT's select.
            wanted = "mobility" if shown != "mobility" else "rest"
            alex.locator("select[name=value]").first.select_option(wanted)
            alex.get_by_role("button", name="Set").first.click()
            expect(desktop.locator("[role=status]")).to_contain_text("alex: ")
            expect(desktop.locator("#athlete-alex [data-protocol]")).to_have_attribute(
                "data-protocol", wanted
            )
            assert _stored_protocol(store, "alex") == wanted
            deadline = time.monotonic() + 10
            while _mqtt_protocol(mqtt_port, "alex") != wanted:
                assert time.monotonic() < deadline, "the MQTT state did not follow the page"
                time.sleep(0.2)
            # Sam's day is his own.
            assert desktop.locator("#athlete-sam [data-protocol]").get_attribute(
                "data-protocol"
            ) == _stored_protocol(store, "sam")

            # A check-in answer, stored as the check-in's number would be.
            soreness = desktop.locator("#checkin-alex-soreness")
            soreness.select_option("2")
            soreness.locator("xpath=..").get_by_role("button", name="Set").click()
            expect(desktop.locator("#checkin-alex-soreness")).to_have_value("2")
            with Store(store) as opened:
                [checkin] = opened.checkins("alex", datetime.now(ZONE).date(),
                                            datetime.now(ZONE).date())  # fmt: skip
            assert checkin.soreness == 2

            # What MQTT refuses, the panel refuses: one line, nothing stored.
            token = desktop.locator("input[name=token]").first.get_attribute("value")
            refused = desktop.request.post(
                url + "/athlete/alex/rpe", form={"token": str(token), "value": "11"}
            )
            assert "rpe: " in refused.text()
            assert "outside" in refused.text() or "between" in refused.text()
            forged = desktop.request.post(url + "/athlete/alex/protocol", form={"value": "rest"})
            assert forged.status == 403
            assert _stored_protocol(store, "alex") == wanted

            phone = browser.new_page(
                viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
            )
            phone.goto(url + "/")
            # Nothing wider than the phone's screen but the contributors' own scroller.
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            phone.screenshot(path=str(OUTPUT / "phone.png"), full_page=True)
        finally:
            browser.close()
    for name, width in (("desktop.png", 1280), ("phone.png", 780)):
        data = (OUTPUT / name).read_bytes()
        assert int.from_bytes(data[16:20], "big") == width, name


def test_behind_ingress_every_link_starts_with_the_ingress_path(
    running: tuple[str, Path, int],
) -> None:
    url, _, _ = running
    ingress = "/api/hassio_ingress/Xy_12-ab"
    request = urllib.request.Request(url + "/", headers={"X-Ingress-Path": ingress})  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
        html = answer.read().decode()
    links = re.findall(r'(?:action|src)="([^"]+)"', html)
    assert links
    assert all(link.startswith(ingress + "/") for link in links), links
    hostile = urllib.request.Request(  # noqa: S310
        url + "/", headers={"X-Ingress-Path": '"><script>alert(1)</script>'}
    )
    with urllib.request.urlopen(hostile, timeout=5) as answer:  # noqa: S310 - loopback
        html = answer.read().decode()
    assert "<script>" not in html
    assert all(link.startswith("/") for link in re.findall(r'action="([^"]+)"', html))

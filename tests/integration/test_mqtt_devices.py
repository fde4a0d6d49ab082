# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Direct MQTT devices against simulated firmware on a real mosquitto."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiomqtt
import pytest
from recoveryd.config.home import DeviceConfig
from recoveryd.config.sections import MqttConfig
from recoveryd.domain.events import BrokerConnected, Event
from recoveryd.domain.models import Action
from recoveryd.integrations.devices.mqtt_devices import MqttDevices
from recoveryd.integrations.devices.tracker import StateTracker
from recoveryd.integrations.mqtt.link import MqttLink

from tests.conftest import BrokerAddress

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
TASMOTA = DeviceConfig(kind="compression", via="tasmota", topic="boots_plug")
ZIGBEE = DeviceConfig(kind="light", via="zigbee2mqtt", topic="bedroom_lamp")
SHELLY = DeviceConfig(kind="sauna", via="shelly", topic="shellyplus1pm-a8032ab1", switch_id=0)
SILENT = DeviceConfig(kind="sauna", via="tasmota", topic="unplugged_heater")
DEVICES = [TASMOTA, ZIGBEE, SHELLY, SILENT]
FIRMWARE_TOPICS = (
    "cmnd/boots_plug/#",
    "cmnd/unplugged_heater/#",
    "zigbee2mqtt/bedroom_lamp/set",
    "shellyplus1pm-a8032ab1/rpc",
)


@dataclass
class Firmware:
    """Answers like Tasmota, Zigbee2MQTT and Shelly Gen2 do, and remembers what it got."""

    received: list[tuple[str, str]] = field(default_factory=list)
    pulse_time: int | None = None
    toggle_after: int | None = None

    async def serve(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload
            assert isinstance(payload, bytes)
            text = payload.decode()
            self.received.append((topic, text))
            if topic == "cmnd/boots_plug/PulseTime":
                self.pulse_time = int(text)
            elif topic == "cmnd/boots_plug/POWER":
                await client.publish("stat/boots_plug/POWER", text.upper())
            elif topic == "zigbee2mqtt/bedroom_lamp/set":
                state = json.loads(text) | {"linkquality": 120}
                await client.publish("zigbee2mqtt/bedroom_lamp", json.dumps(state))
            elif topic == "shellyplus1pm-a8032ab1/rpc":
                request = json.loads(text)
                on = request["params"]["on"]
                self.toggle_after = request["params"].get("toggle_after")
                await client.publish(
                    "recoveryd/rpc", json.dumps({"id": request["id"], "result": {"was_on": not on}})
                )
                status = {"id": 0, "output": on, "apower": 2000.0 if on else 0.0}
                await client.publish("shellyplus1pm-a8032ab1/status/switch:0", json.dumps(status))


@asynccontextmanager
async def devices(broker: BrokerAddress) -> AsyncIterator[tuple[MqttDevices, Firmware]]:
    firmware = Firmware()
    async with aiomqtt.Client(broker.host, broker.port, identifier="firmware") as fw:
        for topic in FIRMWARE_TOPICS:
            await fw.subscribe(topic, qos=1)
        served = asyncio.create_task(firmware.serve(fw))
        tracker = StateTracker()
        events: asyncio.Queue[Event] = asyncio.Queue()
        link = MqttLink(
            MqttConfig(host=broker.host, port=broker.port, client_id="recoveryd-devices"),
            "recoveryd/status",
            None,
            events.put_nowait,
            device_topics=[t for d in DEVICES for t in MqttDevices.state_topics(d)],
            on_device_message=tracker.feed,
        )
        running = asyncio.create_task(link.run())
        assert isinstance(await asyncio.wait_for(events.get(), 10), BrokerConnected)
        try:
            yield MqttDevices(link, tracker, timeout_s=1.0, off_retry_pauses_s=(0.1, 0.1)), firmware
        finally:
            link.close()
            await asyncio.wait_for(running, 10)
            served.cancel()


def action(command: str, device: str, **params: object) -> Action:
    return Action(
        NOW, "alex", "test", command, device, tuple((k, str(v)) for k, v in params.items())
    )


async def test_tasmota_arms_pulsetime_then_switches_and_confirms(mosquitto: BrokerAddress) -> None:
    async with devices(mosquitto) as (driver, firmware):
        result = await driver.execute(action("turn_on", "boots", minutes=20), TASMOTA)
        assert result.status == "done"
        assert firmware.pulse_time == 100 + 20 * 60  # PulseTime: seconds + 100
        assert firmware.received[:2] == [
            ("cmnd/boots_plug/PulseTime", "1300"),
            ("cmnd/boots_plug/POWER", "ON"),
        ]  # the device-side off is armed before the power goes on
        off = await driver.execute(action("turn_off", "boots"), TASMOTA)
        assert off.status == "done"
        assert firmware.received[-1] == ("cmnd/boots_plug/POWER", "OFF")


async def test_zigbee2mqtt_scene_in_mireds(mosquitto: BrokerAddress) -> None:
    async with devices(mosquitto) as (driver, firmware):
        result = await driver.execute(
            action("scene", "lamp", kelvin=2200, brightness_pct=30, transition_s=60), ZIGBEE
        )
        assert result.status == "done"
        [(topic, payload)] = firmware.received
        assert topic == "zigbee2mqtt/bedroom_lamp/set"
        assert json.loads(payload) == {
            "state": "ON",
            "color_temp": 455,  # 1,000,000 / 2200 K
            "brightness": 77,  # 30 % of 254, rounded up
            "transition": 60,
        }


async def test_shelly_switch_set_with_toggle_after(mosquitto: BrokerAddress) -> None:
    async with devices(mosquitto) as (driver, firmware):
        result = await driver.execute(
            action("heat_on", "sauna", temp_c=80, auto_off_min=65), SHELLY
        )
        assert result.status == "done"
        assert firmware.toggle_after == 65 * 60
        [(topic, payload)] = firmware.received
        request = json.loads(payload)
        assert topic == "shellyplus1pm-a8032ab1/rpc"
        assert request["method"] == "Switch.Set"
        assert request["params"] == {"id": 0, "on": True, "toggle_after": 3900}
        assert (await driver.execute(action("heat_off", "sauna"), SHELLY)).status == "done"


async def test_a_silent_device_is_a_failure_and_heat_is_never_assumed_off(
    mosquitto: BrokerAddress,
) -> None:
    async with devices(mosquitto) as (driver, firmware):
        on = await driver.execute(action("heat_on", "heater", temp_c=80, auto_off_min=60), SILENT)
        assert on.status == "failed"
        assert on.detail == "tasmota unplugged_heater POWER ON: no confirmation within 1 s"
        off = await driver.execute(action("heat_off", "heater"), SILENT)
        assert off.status == "failed"
        offs = [m for m in firmware.received if m == ("cmnd/unplugged_heater/POWER", "OFF")]
        assert len(offs) == 3  # the first try and two retries, each unconfirmed
        # A device with a window of its own is waited for that long instead.
        patient = SILENT.model_copy(update={"confirm_s": 1.5})
        slow = await driver.execute(action("heat_on", "heater", temp_c=80, auto_off_min=60),
                                    patient)  # fmt: skip
        assert slow.detail == "tasmota unplugged_heater POWER ON: no confirmation within 1.5 s"

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Direct MQTT devices, without Home Assistant: Tasmota, Zigbee2MQTT and Shelly Gen2.

Every command is confirmed by the device's own state message; silence means failed, and a
heating device is never assumed to be off. Whenever the firmware can switch itself off, the
off-timer is armed with the command, so that a crashed daemon cannot leave it running:

* Tasmota: ``cmnd/<topic>/PulseTime`` then ``cmnd/<topic>/POWER``; PulseTime 112-64900 means
  (value - 100) seconds (Tasmota documentation, "PulseTime"); confirmed on
  ``stat/<topic>/POWER``.
* Zigbee2MQTT: ``zigbee2mqtt/<name>/set`` with ``state``, ``brightness`` (0-254),
  ``color_temp`` in mireds (1,000,000 / kelvin) and ``transition``; ``on_time`` (seconds)
  as the device-side off; confirmed on ``zigbee2mqtt/<name>``.
* Shelly Gen2 RPC: ``<id>/rpc`` with ``Switch.Set`` and ``toggle_after`` (seconds);
  confirmed on ``<id>/status/switch:<n>`` (Shelly Gen2 API, "Switch" component).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from collections.abc import Callable
from typing import Any

from recoveryd.config.home import DeviceConfig
from recoveryd.daemon.ports import ActionResult, BrokerAwayError, Publisher, PublishError
from recoveryd.domain.models import Action
from recoveryd.home.safety import Sensors
from recoveryd.integrations.devices.tracker import StateTracker

CONFIRM_TIMEOUT_S = 5.0
TASMOTA_PULSE_OFFSET = 100
TASMOTA_PULSE_MAX_S = 64_800
_SAFE_RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def _auto_off_seconds(action: Action) -> int | None:
    # auto_off_s is the rest of the session when the switch-on runs (the daemon sets it): a
    # switch-on run late must not be armed past its planned end.
    seconds = action.param("auto_off_s")
    if seconds is not None:
        return int(seconds)
    minutes = action.param("auto_off_min") or action.param("minutes")
    return None if minutes is None else int(minutes) * 60


def _json_state(key: str, wanted: object) -> Callable[[bytes], bool]:
    return lambda payload: json.loads(payload).get(key) == wanted


class MqttDevices:
    """The actuator for every device reached directly over MQTT."""

    def __init__(
        self,
        publisher: Publisher,
        tracker: StateTracker,
        *,
        timeout_s: float = CONFIRM_TIMEOUT_S,
        off_retry_pauses_s: tuple[float, ...] = _SAFE_RETRY_S,
    ) -> None:
        self._publisher = publisher
        self._tracker = tracker
        self._timeout = timeout_s
        self._off_pauses = off_retry_pauses_s
        self._rpc_ids = itertools.count(1)

    @staticmethod
    def state_topics(device: DeviceConfig) -> list[str]:
        """The topics this driver must hear to confirm commands to ``device``."""
        match device.via:
            case "tasmota":
                return [f"stat/{device.topic}/POWER"]
            case "zigbee2mqtt":
                return [f"zigbee2mqtt/{device.topic}"]
            case "shelly":
                return [f"{device.topic}/status/switch:{device.switch_id}"]
        return []

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002 - no sensors here
        """Direct MQTT devices carry no door or presence sensor."""
        return Sensors()

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        """Send, wait for the confirmation, and keep retrying a turn-off until confirmed."""
        on = action.command in {"heat_on", "turn_on", "scene", "play_media"}
        if action.command == "start_check":
            on = False  # no presence sensor: nobody is known to be there, so the heat goes off
        if action.command in {"play_media", "timer_start"}:
            return ActionResult("failed", f"{device.via} devices cannot {action.command}")
        # A turn-on is tried once (late heat is worse than none); a turn-off until confirmed.
        pauses = (0.0,) if on else (0.0, *self._off_pauses)
        detail = ""
        for pause in pauses:
            await asyncio.sleep(pause)
            try:
                confirmed, detail = await self._send(action, device, on=on)
            except BrokerAwayError as exc:
                if on:  # nothing left the daemon: the turn-on can go when the broker is back
                    return ActionResult("unsent", str(exc))
                confirmed, detail = False, str(exc)
            except PublishError as exc:
                confirmed, detail = False, str(exc)
            if confirmed:
                return ActionResult("done", detail)
        return ActionResult("failed", detail)

    async def _send(self, action: Action, device: DeviceConfig, *, on: bool) -> tuple[bool, str]:
        match device.via:
            case "tasmota":
                return await self._tasmota(action, device, on=on)
            case "zigbee2mqtt":
                return await self._zigbee(action, device, on=on)
            case "shelly":
                return await self._shelly(action, device, on=on)
        return False, f"{device.via} is not an MQTT device"

    async def _publish(self, topic: str, payload: str) -> None:
        await self._publisher.publish(topic, payload, retain=False, qos=1)

    async def _confirm(
        self, future: asyncio.Future[bytes], what: str, device: DeviceConfig
    ) -> tuple[bool, str]:
        # A device that answers slowly (a Zigbee router far away, a busy bridge) has its
        # own window; the driver's is the default.
        timeout = self._timeout if device.confirm_s is None else device.confirm_s
        answer = await self._tracker.wait(future, timeout)
        if answer is None:
            return False, f"{what}: no confirmation within {timeout:g} s"
        return True, f"{what}: confirmed"

    async def _tasmota(self, action: Action, device: DeviceConfig, *, on: bool) -> tuple[bool, str]:
        topic = device.topic
        seconds = _auto_off_seconds(action) if on else None
        if seconds is not None:
            pulse = TASMOTA_PULSE_OFFSET + min(seconds, TASMOTA_PULSE_MAX_S)
            await self._publish(f"cmnd/{topic}/PulseTime", str(pulse))
        wanted = b"ON" if on else b"OFF"
        future = self._tracker.expect(f"stat/{topic}/POWER", lambda p: p.strip().upper() == wanted)
        await self._publish(f"cmnd/{topic}/POWER", wanted.decode())
        return await self._confirm(future, f"tasmota {topic} POWER {wanted.decode()}", device)

    async def _zigbee(self, action: Action, device: DeviceConfig, *, on: bool) -> tuple[bool, str]:
        payload: dict[str, Any] = {"state": "ON" if on else "OFF"}
        if on:
            kelvin = action.param("kelvin")
            brightness = action.param("brightness_pct")
            transition = action.param("transition_s")
            seconds = _auto_off_seconds(action)
            if kelvin is not None:
                payload["color_temp"] = round(1_000_000 / int(kelvin))
            if brightness is not None:
                payload["brightness"] = math.ceil(int(brightness) * 254 / 100)
            if transition is not None:
                payload["transition"] = int(transition)
            if seconds is not None and action.command != "scene":
                payload["on_time"] = seconds
        future = self._tracker.expect(
            f"zigbee2mqtt/{device.topic}", _json_state("state", payload["state"])
        )
        await self._publish(f"zigbee2mqtt/{device.topic}/set", json.dumps(payload, sort_keys=True))
        return await self._confirm(future, f"zigbee2mqtt {device.topic} {payload['state']}", device)

    async def _shelly(self, action: Action, device: DeviceConfig, *, on: bool) -> tuple[bool, str]:
        params: dict[str, Any] = {"id": device.switch_id, "on": on}
        seconds = _auto_off_seconds(action) if on else None
        if seconds is not None:
            params["toggle_after"] = seconds
        request = {
            "id": next(self._rpc_ids),
            "src": "recoveryd",
            "method": "Switch.Set",
            "params": params,
        }
        status = f"{device.topic}/status/switch:{device.switch_id}"
        future = self._tracker.expect(status, _json_state("output", on))
        await self._publish(f"{device.topic}/rpc", json.dumps(request, sort_keys=True))
        what = f"shelly {device.topic} switch:{device.switch_id} {'on' if on else 'off'}"
        return await self._confirm(future, what, device)

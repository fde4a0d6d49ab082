# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The auto-off that outlives recoveryd for a device driven through Home Assistant.

Tasmota, Shelly and Zigbee2MQTT switch themselves off (PulseTime, ``toggle_after``,
``on_time``); a thermostat or a smart switch in Home Assistant has nothing of the kind. So a
device that heats or squeezes is given a timer helper with ``restore: true`` and an enabled
automation from the shipped blueprint (``config/blueprints/automation/recoveryd/
auto_off.yaml``) that switches the device off when the timer finishes, and at Home
Assistant's start when the timer finished while it was down. recoveryd starts the timer for
the whole session before each switch-on and cancels it after the switch-off.

Before each switch-on the arrangement is checked in Home Assistant itself: the timer exists
and restores, and an enabled automation made from the blueprint watches this device with this
timer (its configuration is read over the WebSocket API, ``automation/config``). Anything
missing is one line saying what, and the device is not switched on.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from homeassistant_api import AsyncClient, AsyncWebsocketClient
from homeassistant_api.errors import EndpointNotFoundError, HomeassistantAPIError
from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import Action

BLUEPRINT = "recoveryd/auto_off.yaml"


def watches(config: dict[str, Any], device: str, timer: str) -> bool:
    """Whether an automation's configuration is the blueprint's, for ``device`` and ``timer``.

    Home Assistant hands back an automation made from a blueprint with its inputs filled in
    (``automation/config``): the blueprint's ``variables`` name the device and the timer, and
    its trigger is the timer's ``timer.finished`` event. An automation that still shows
    ``use_blueprint`` (as written in ``automations.yaml``) is read from its inputs.
    """
    use = config.get("use_blueprint")
    if isinstance(use, dict):
        inputs = use.get("input") or {}
        return (
            str(use.get("path", "")).endswith(BLUEPRINT) and isinstance(inputs, dict)
            and inputs.get("device") == device and inputs.get("timer") == timer
        )  # fmt: skip
    variables = config.get("variables") or {}
    finished = {
        "platform": "event",
        "event_type": "timer.finished",
        "event_data": {"entity_id": timer},
    }
    triggers = config.get("trigger") or []
    return (
        isinstance(variables, dict)
        and variables.get("device") == device and variables.get("timer") == timer
        and isinstance(triggers, list)
        and any(
            isinstance(t, dict) and {k: t.get(k) for k in finished} == finished for t in triggers
        )
    )  # fmt: skip


WebSocket = Callable[[], AbstractAsyncContextManager[AsyncWebsocketClient]]


async def auto_off_problem(
    client: AsyncClient, websocket: WebSocket, device: str, timer: str
) -> str | None:
    """What is missing for ``timer`` to switch ``device`` off without recoveryd, or ``None``.

    ``websocket`` opens a WebSocket connection to the same Home Assistant.
    """
    try:
        state = await client.get_state(entity_id=timer)
    except EndpointNotFoundError:
        return f"the auto-off timer {timer} does not exist in Home Assistant"
    if state.state in {"unknown", "unavailable"} or "duration" not in state.attributes:
        return f"the auto-off timer {timer} does not exist in Home Assistant"
    if state.attributes.get("restore") is not True:
        return f"the auto-off timer {timer} does not restore across restarts (set restore: true)"
    async with websocket() as ws:
        for automation in await ws.get_states():
            if not automation.entity_id.startswith("automation.") or automation.state != "on":
                continue
            try:
                result = await ws.recv_result_dict(
                    await ws.send("automation/config", entity_id=automation.entity_id)
                )
            except (TypeError, HomeassistantAPIError):
                continue  # gone since the list was read, or an answer of another shape
            config = result.get("config")
            if isinstance(config, dict) and watches(config, device, timer):
                return None
    return (
        f"no enabled automation from the recoveryd auto-off blueprint ({BLUEPRINT}) switches "
        f"{device} off when {timer} finishes"
    )


def hms(seconds: int) -> str:
    """A duration as Home Assistant's timer takes it: ``HH:MM:SS``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def session_seconds(action: Action) -> int:
    """How long what ``action`` starts may run.

    The rest of its session when the daemon says (``auto_off_s``), else its planned length.
    """
    seconds = action.param("auto_off_s")
    if seconds is not None:
        return int(seconds)
    return int(action.param("auto_off_min") or action.param("minutes") or 0) * 60


async def auto_off_refusal(
    client: AsyncClient, websocket: WebSocket, action: Action, device: DeviceConfig
) -> str | None:
    """Why ``device`` must not be switched on for want of an auto-off, or ``None``."""
    timer = device.auto_off_timer
    if timer is None:
        if device.hardware_auto_off is not None:
            return None  # the configuration names what switches it off by itself
        return f"refused: {device.entity} has no auto-off (set auto_off_timer)"
    problem = await auto_off_problem(client, websocket, device.entity or "", timer)
    if problem is not None:
        return f"refused: {problem}"
    if session_seconds(action) <= 0:
        return f"refused: {action.command} {device.entity} has no session length to arm"
    return None

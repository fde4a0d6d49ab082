# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The Home Assistant service calls of each command, and the state read back to confirm it.

A heater is a ``climate`` entity (hvac mode and temperature) or a switch whose own thermostat
holds the temperature; boots run by a ``timer`` (an automation starts and stops them with
it); a scene is a ``scene`` or a ``light`` set to a colour temperature. A command is done only
when Home Assistant reports the state it asked for.
"""

from __future__ import annotations

from typing import Any

from homeassistant_api import AsyncClient
from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import SWITCH_ONS, Action
from recoveryd.home.safety import Sensors, check, start_check_turns_off
from recoveryd.integrations.homeassistant.auto_off import hms, session_seconds


class StateMismatchError(Exception):
    """Home Assistant accepted the call, but the entity did not reach the asked state."""


class RefusedError(Exception):
    """The guard refused the action when the call was made (a sensor read just before it)."""


def entity_of(device: DeviceConfig) -> str:
    """The device's entity; a device without one cannot be driven through Home Assistant."""
    if device.entity is None:
        msg = "the device has no Home Assistant entity"
        raise StateMismatchError(msg)
    return device.entity


async def door_check(client: AsyncClient, action: Action, device: DeviceConfig) -> None:
    """Refuse the heat while the door is open, and set off what an earlier attempt set on.

    The daemon's guard ran before the first attempt, when the door may have been unreadable
    (Home Assistant away): every attempt reads it again just before the heat goes on. An
    earlier attempt may have set the heat mode before Home Assistant went away, so a refusal
    sets it off.
    """
    verdict = check(action, Sensors(door_open=await binary(client, device.door_entity)))
    if not verdict.allowed:
        await _heat_off(client, action, device)
        raise RefusedError(verdict.reason)


async def _heat_on(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity, temp = entity_of(device), float(action.param("temp_c") or 0)
    if domain_of(device) != "climate":
        # A heater on a smart switch: its own thermostat holds the temperature.
        return await _switch(client, action, device)
    await client.trigger_service("climate", "set_hvac_mode", entity_id=entity, hvac_mode="heat")
    await client.trigger_service("climate", "set_temperature", entity_id=entity, temperature=temp)
    return await confirm(client, entity, "heat", temperature=temp)


async def _heat_off(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = entity_of(device)
    if domain_of(device) != "climate":
        return await _switch(client, action, device)
    await client.trigger_service("climate", "set_hvac_mode", entity_id=entity, hvac_mode="off")
    return await confirm(client, entity, "off")


async def _start_check(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    present = await binary(client, device.presence_entity)
    if not start_check_turns_off(Sensors(someone_present=present)):
        return "session started: the heat stays on"
    return await _heat_off(client, action, device) + " (nobody started the session)"


async def _switch(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity, on = entity_of(device), action.command in SWITCH_ONS
    if domain_of(device) == "timer":
        # Boots run by a timer (an automation in Home Assistant starts and stops them with
        # it): the timer is the session, and it ends by itself.
        if on:
            return await _timer_start(client, action, device)
        await client.trigger_service("timer", "cancel", entity_id=entity)
        return await confirm(client, entity, "idle")
    state = "on" if on else "off"
    await client.trigger_service(domain_of(device), f"turn_{state}", entity_id=entity)
    return await confirm(client, entity, state)


def domain_of(device: DeviceConfig) -> str:
    """The domain of the device's entity (``climate``, ``switch``, ``timer``...)."""
    return entity_of(device).split(".", 1)[0]


async def _play_media(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = entity_of(device)
    await client.trigger_service(
        "media_player",
        "play_media",
        entity_id=entity,
        media_content_id=action.param("media_id") or "",
        media_content_type=action.param("media_type") or "music",
    )
    return f"{entity}: playing {action.param('media_id')}"


async def _timer_start(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    return await timer_start(client, action, entity_of(device))


async def timer_start(client: AsyncClient, action: Action, entity: str) -> str:
    """Start the timer ``entity`` for the rest of ``action``'s session, and confirm it runs."""
    duration = hms(session_seconds(action))
    await client.trigger_service("timer", "start", entity_id=entity, duration=duration)
    return await confirm(client, entity, "active")


async def _scene(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = entity_of(device)
    if entity.startswith("scene."):
        transition = action.param("transition_s")
        data: dict[str, Any] = {"entity_id": entity}
        if transition is not None:
            data["transition"] = int(transition)
        await client.trigger_service("scene", "turn_on", **data)
        return f"{entity}: activated"
    data = {"entity_id": entity}
    for param, key in _LIGHT_PARAMS:
        value = action.param(param)
        if value is not None:
            data[key] = int(value)
    await client.trigger_service("light", "turn_on", **data)
    return await confirm(client, entity, "on")


_LIGHT_PARAMS = (
    ("kelvin", "color_temp_kelvin"),
    ("brightness_pct", "brightness_pct"),
    ("transition_s", "transition"),
)
CALLS = {
    "heat_on": _heat_on,
    "heat_off": _heat_off,
    "start_check": _start_check,
    "turn_on": _switch,
    "turn_off": _switch,
    "scene": _scene,
    "play_media": _play_media,
    "timer_start": _timer_start,
}
"""The service calls of each command, by command."""


async def binary(client: AsyncClient, entity: str | None) -> bool | None:
    """A binary sensor's state; ``None`` when there is none or it is neither on nor off."""
    if entity is None:
        return None
    state = (await client.get_state(entity_id=entity)).state
    return {"on": True, "off": False}.get(state)


async def confirm(client: AsyncClient, entity: str, wanted: str, **attributes: float) -> str:
    """Read ``entity`` back; raise :class:`StateMismatchError` unless it is as asked."""
    state = await client.get_state(entity_id=entity)
    if state.state != wanted:
        msg = f"{entity} is {state.state!r} after the call, not {wanted!r}"
        raise StateMismatchError(msg)
    for name, value in attributes.items():
        if float(state.attributes.get(name, "nan")) != value:
            msg = f"{entity} reports {name} {state.attributes.get(name)!r}, not {value:g}"
            raise StateMismatchError(msg)
    return f"{entity}: {wanted} (confirmed)"

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Home Assistant service calls through homeassistant-api's ``trigger_service``.

Each action maps to one or two service calls, then the entity's state is read back: a
command is only done when Home Assistant reports the state it asked for. When Home Assistant
cannot be reached the call is retried with capped backoff; a turn-on gives up after the
configured attempts with a clear error, a turn-off keeps trying far longer, because heat must
never be left on. A heat-on reads the door sensor again on every attempt, just before the
heat goes on. ``get_domain(...).turn_on`` is avoided: it asks for ``return_response``,
which Home Assistant 2024.3 answers in a way the library rejects after the call already ran.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace
from typing import Any

import niquests
from homeassistant_api import AsyncClient
from homeassistant_api.errors import (
    EndpointNotFoundError,
    HomeassistantAPIError,
    MethodNotAllowedError,
    RequestError,
    RequestTimeoutError,
    UnauthorizedError,
    UnexpectedStatusCodeError,
)
from recoveryd.config.home import DeviceConfig
from recoveryd.daemon.ports import ActionResult
from recoveryd.domain.clock import span
from recoveryd.domain.models import SAFE_COMMANDS, SWITCH_OFFS, SWITCH_ONS, Action
from recoveryd.home.safety import Sensors, check, start_check_turns_off

from integrations.homeassistant.auto_off import auto_off_refusal, hms, session_seconds
from integrations.homeassistant.session import ha_client, ha_websocket, why

log = logging.getLogger(__name__)

_BACKOFF_CAP_S = 30.0
_SAFE_ATTEMPTS = 40  # about 15 minutes of trying to switch heat off


class StartingError(Exception):
    """Home Assistant answers but has not finished starting: its entities are not yet real."""


_TRANSIENT = (
    HomeassistantAPIError, niquests.exceptions.RequestException, OSError, TimeoutError,
    StartingError,
)  # fmt: skip


class StateMismatchError(Exception):
    """Home Assistant accepted the call, but the entity did not reach the asked state."""


class RefusedError(Exception):
    """The guard refused the action when the call was made (a sensor read just before it)."""


class HomeAssistant:
    """The actuator for devices reached through Home Assistant."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        attempts: int = 5,
        backoff_s: float = 1.0,
        verify: bool | str = True,
    ) -> None:
        self._url = url.rstrip("/") + ("" if url.rstrip("/").endswith("/api") else "/api")
        self._websocket = f"{self._url.replace('http', 'ws', 1)}/websocket"
        self._token = token
        self._attempts = attempts
        self._backoff = backoff_s
        self._verify = verify

    async def _with_client(self, work: Any) -> Any:  # noqa: ANN401 - returns what work returns
        async with ha_client(self._url, self._token, verify=self._verify) as client:
            # A Home Assistant still starting answers before its entities exist or have their
            # state (a presence sensor reads "unknown", and the start check would take that
            # for nobody there): it counts as not there yet.
            state = (await client.get_config()).get("state")
            if state != "RUNNING":
                raise StartingError(f"still starting (state {state})")
            return await work(client)

    async def sensors(self, device: DeviceConfig) -> Sensors:
        """Door and presence sensor states; ``None`` when absent or unreadable."""

        async def read(client: AsyncClient) -> Sensors:
            door = await _binary(client, device.door_entity)
            present = await _binary(client, device.presence_entity)
            return Sensors(door_open=door, someone_present=present)

        try:
            result: Sensors = await self._with_client(read)
        except _TRANSIENT as exc:
            log.warning("could not read the sensors of %s: %s", device.entity, why(exc))
            return Sensors()
        return result

    async def entity_state(self, entity: str) -> str | None:
        """One entity's state, ``None`` when Home Assistant or the entity cannot be read."""

        async def read(client: AsyncClient) -> str:
            state: str = (await client.get_state(entity_id=entity)).state
            return state

        try:
            result: str = await self._with_client(read)
        except _TRANSIENT as exc:
            log.warning("could not read %s: %s", entity, why(exc))
            return None
        return result

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        """Call, confirm, and retry with backoff while Home Assistant is unreachable.

        A switch-off tries about 15 minutes (the daemon then tries again every minute); any
        other command at least the configured attempts, and on for as long as the daemon
        says it may still run (``retry_s``: the rest of its grace window). An answer that
        says the call itself is wrong (HTTP 4xx) is not retried: it is a configuration
        problem, reported in one line.
        """
        safe = action.command in SAFE_COMMANDS
        attempts = _SAFE_ATTEMPTS if safe else self._attempts
        started = time.monotonic()
        deadline = started + float(action.param("retry_s") or 0)
        error = ""
        attempt = 0
        while True:
            sent = _with_rest_of_session(action, time.monotonic() - started)
            try:
                detail = await self._with_client(lambda c: self._call(c, sent, device))  # noqa: B023 - awaited in this iteration
            except RefusedError as exc:
                return ActionResult("refused", str(exc))
            except StateMismatchError as exc:
                error = str(exc)
            except _TRANSIENT as exc:
                refusal = _refused_call(exc)
                if refusal is not None:
                    return ActionResult(
                        "failed",
                        f"Home Assistant refused {action.command} of {_entity(device)}: "
                        f"{refusal} (not retried: check the device's entity and kind)",
                    )
                error = f"Home Assistant at {self._url} unreachable: {why(exc)}"
            else:
                return ActionResult("done", detail)
            attempt += 1
            pause = min(self._backoff * 2 ** (attempt - 1), _BACKOFF_CAP_S)
            more = attempt < attempts or (not safe and time.monotonic() + pause < deadline)
            if not more:
                break
            log.warning(
                "%s %s, attempt %d: %s; trying again in %g s",
                action.command, device.entity, attempt, error, pause,
            )  # fmt: skip
            await asyncio.sleep(pause)
        spent = span(time.monotonic() - started)
        return ActionResult("failed", f"{error} (gave up after {attempt} attempts in {spent})")

    async def _call(self, client: AsyncClient, action: Action, device: DeviceConfig) -> str:
        call = _CALLS.get(action.command)
        if call is None:
            msg = f"unknown command {action.command!r}"
            raise StateMismatchError(msg)
        if action.command == "heat_on":
            await _door_check(client, action, device)
        if action.command in SWITCH_ONS and _domain(device) != "timer":
            await self._arm_auto_off(client, action, device)
        detail = await call(client, action, device)
        if action.command in SWITCH_OFFS and device.auto_off_timer is not None:
            # Off and confirmed: the timer's own switch-off is not needed any more. Left
            # running (Home Assistant away), it only switches off a device that is off.
            await client.trigger_service("timer", "cancel", entity_id=device.auto_off_timer)
        return detail

    async def _arm_auto_off(
        self, client: AsyncClient, action: Action, device: DeviceConfig
    ) -> None:
        """Start the device's auto-off timer for the rest of the session, or refuse.

        Raises:
            RefusedError: nothing in Home Assistant would switch the device off without
                recoveryd (and the configuration does not name a hardware limit).
        """
        refusal = await auto_off_refusal(
            client, lambda: ha_websocket(self._websocket, self._token, verify=self._verify),
            action, device,
        )  # fmt: skip
        if refusal is not None:
            raise RefusedError(refusal)
        timer = device.auto_off_timer
        if timer is not None:
            duration = hms(session_seconds(action))
            await client.trigger_service("timer", "start", entity_id=timer, duration=duration)
            await _confirm(client, timer, "active")


def _with_rest_of_session(action: Action, spent_s: float) -> Action:
    """``action`` with its auto-off shortened by the time spent retrying it."""
    rest = action.param("auto_off_s")
    if rest is None or spent_s < 1:
        return action
    left = max(1, int(rest) - int(spent_s))
    params = tuple((k, str(left) if k == "auto_off_s" else v) for k, v in action.params)
    return replace(action, params=params)


_REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (UnauthorizedError, "401 Unauthorized: the token is not accepted"),
    (EndpointNotFoundError, "404 Not Found: no such service or entity"),
    (MethodNotAllowedError, "405 Method Not Allowed"),
)


def _refused_call(exc: BaseException) -> str | None:
    """The one-line reason when Home Assistant refused the call itself (HTTP 4xx)."""
    if isinstance(exc, RequestError) and not isinstance(exc, RequestTimeoutError):
        # The library puts Home Assistant's answer after the URL: {"message": "..."}.
        found = re.search(r'"message":\s*"([^"]{1,200})"', str(exc))
        return f"400 Bad Request: {found.group(1) if found else 'the call was not accepted'}"
    if isinstance(exc, UnexpectedStatusCodeError):  # the code is only in its message
        found = re.search(r"\b(4\d\d)\b", str(exc))
        if found is None or found.group(1) in {"408", "429"}:  # a timeout, too many requests
            return None
        return f"HTTP {found.group(1)}"
    return next((text for kind, text in _REFUSALS if isinstance(exc, kind)), None)


def _entity(device: DeviceConfig) -> str:
    if device.entity is None:
        msg = "the device has no Home Assistant entity"
        raise StateMismatchError(msg)
    return device.entity


async def _door_check(client: AsyncClient, action: Action, device: DeviceConfig) -> None:
    """Refuse the heat while the door is open, and set off what an earlier attempt set on.

    The daemon's guard ran before the first attempt, when the door may have been unreadable
    (Home Assistant away): every attempt reads it again just before the heat goes on. An
    earlier attempt may have set the heat mode before Home Assistant went away, so a refusal
    sets it off.
    """
    verdict = check(action, Sensors(door_open=await _binary(client, device.door_entity)))
    if not verdict.allowed:
        await _heat_off(client, action, device)
        raise RefusedError(verdict.reason)


async def _heat_on(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity, temp = _entity(device), float(action.param("temp_c") or 0)
    if _domain(device) != "climate":
        # A heater on a smart switch: its own thermostat holds the temperature.
        return await _switch(client, action, device)
    await client.trigger_service("climate", "set_hvac_mode", entity_id=entity, hvac_mode="heat")
    await client.trigger_service("climate", "set_temperature", entity_id=entity, temperature=temp)
    return await _confirm(client, entity, "heat", temperature=temp)


async def _heat_off(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = _entity(device)
    if _domain(device) != "climate":
        return await _switch(client, action, device)
    await client.trigger_service("climate", "set_hvac_mode", entity_id=entity, hvac_mode="off")
    return await _confirm(client, entity, "off")


async def _start_check(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    present = await _binary(client, device.presence_entity)
    if not start_check_turns_off(Sensors(someone_present=present)):
        return "session started: the heat stays on"
    return await _heat_off(client, action, device) + " (nobody started the session)"


async def _switch(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity, on = _entity(device), action.command in SWITCH_ONS
    if _domain(device) == "timer":
        # Boots run by a timer (an automation in Home Assistant starts and stops them with
        # it): the timer is the session, and it ends by itself.
        if on:
            return await _timer_start(client, action, device)
        await client.trigger_service("timer", "cancel", entity_id=entity)
        return await _confirm(client, entity, "idle")
    state = "on" if on else "off"
    await client.trigger_service(_domain(device), f"turn_{state}", entity_id=entity)
    return await _confirm(client, entity, state)


def _domain(device: DeviceConfig) -> str:
    return _entity(device).split(".", 1)[0]


async def _play_media(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = _entity(device)
    await client.trigger_service(
        "media_player",
        "play_media",
        entity_id=entity,
        media_content_id=action.param("media_id") or "",
        media_content_type=action.param("media_type") or "music",
    )
    return f"{entity}: playing {action.param('media_id')}"


async def _timer_start(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = _entity(device)
    duration = hms(session_seconds(action))
    await client.trigger_service("timer", "start", entity_id=entity, duration=duration)
    return await _confirm(client, entity, "active")


async def _scene(client: AsyncClient, action: Action, device: DeviceConfig) -> str:
    entity = _entity(device)
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
    return await _confirm(client, entity, "on")


_LIGHT_PARAMS = (
    ("kelvin", "color_temp_kelvin"),
    ("brightness_pct", "brightness_pct"),
    ("transition_s", "transition"),
)
_CALLS = {
    "heat_on": _heat_on,
    "heat_off": _heat_off,
    "start_check": _start_check,
    "turn_on": _switch,
    "turn_off": _switch,
    "scene": _scene,
    "play_media": _play_media,
    "timer_start": _timer_start,
}


async def _binary(client: AsyncClient, entity: str | None) -> bool | None:
    if entity is None:
        return None
    state = (await client.get_state(entity_id=entity)).state
    return {"on": True, "off": False}.get(state)


async def _confirm(client: AsyncClient, entity: str, wanted: str, **attributes: float) -> str:
    state = await client.get_state(entity_id=entity)
    if state.state != wanted:
        msg = f"{entity} is {state.state!r} after the call, not {wanted!r}"
        raise StateMismatchError(msg)
    for name, value in attributes.items():
        if float(state.attributes.get(name, "nan")) != value:
            msg = f"{entity} reports {name} {state.attributes.get(name)!r}, not {value:g}"
            raise StateMismatchError(msg)
    return f"{entity}: {wanted} (confirmed)"

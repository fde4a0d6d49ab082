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
from recoveryd.home.safety import Sensors
from recoveryd.integrations.homeassistant.auto_off import auto_off_refusal
from recoveryd.integrations.homeassistant.services import (
    CALLS,
    RefusedError,
    StateMismatchError,
    binary,
    domain_of,
    door_check,
    entity_of,
    timer_start,
)
from recoveryd.integrations.homeassistant.session import ha_client, ha_websocket, why

log = logging.getLogger(__name__)

_BACKOFF_CAP_S = 30.0
_SAFE_ATTEMPTS = 40  # about 15 minutes of trying to switch heat off


class StartingError(Exception):
    """Home Assistant answers but has not finished starting: its entities are not yet real."""


_TRANSIENT = (
    HomeassistantAPIError, niquests.exceptions.RequestException, OSError, TimeoutError,
    StartingError,
)  # fmt: skip


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
            door = await binary(client, device.door_entity)
            present = await binary(client, device.presence_entity)
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
                        f"Home Assistant refused {action.command} of {entity_of(device)}: "
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
        call = CALLS.get(action.command)
        if call is None:
            msg = f"unknown command {action.command!r}"
            raise StateMismatchError(msg)
        if action.command == "heat_on":
            await door_check(client, action, device)
        if action.command in SWITCH_ONS and domain_of(device) != "timer":
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
            await timer_start(client, action, timer)


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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning summary through a Home Assistant notify service, and its buttons coming back.

A ``notify.<target>`` call (``trigger_service``) with the companion app's actionable
notification data: ``tag`` (a newer message replaces the older), ``actions`` and the chart
from the athlete's image entity (``/api/image_proxy/<entity>``). Button presses arrive as
``mobile_app_notification_action`` events on Home Assistant's WebSocket API; the listener
only hands each action id to the daemon's queue, and reconnects with capped backoff.
See https://companion.home-assistant.io/docs/notifications/actionable-notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import niquests
from homeassistant_api import AsyncWebsocketClient
from homeassistant_api.errors import HomeassistantAPIError
from homeassistant_api.models.websocket import PingResponse
from recoveryd.home.notification import Notice
from recoveryd.integrations.homeassistant.session import ha_client, ha_websocket, why

log = logging.getLogger(__name__)

ACTION_EVENT = "mobile_app_notification_action"
_TRANSIENT = (HomeassistantAPIError, niquests.exceptions.RequestException, OSError, TimeoutError)
HEARTBEAT_S = 20.0  # Home Assistant's frontend pings about as often
READ_TIMEOUT_S = 2 * HEARTBEAT_S + 5  # a read waits at most this long: pongs arrive before
# Home Assistant is on the household's own network: a refused connection costs nothing, and
# a press made between its return and the listener's is lost (it keeps no record of them).
RECONNECT_CAP_S = 0.5


def notify_data(notice: Notice, image_entity: str | None) -> dict[str, Any]:
    """The service data of one notice (companion-app actionable notification)."""
    data: dict[str, Any] = {
        "tag": notice.tag,
        "group": "recoveryd",
        "actions": [{"action": action, "title": title} for action, title in notice.actions],
    }
    if image_entity is not None:
        data["image"] = f"/api/image_proxy/{image_entity}"
    return {"title": notice.title, "message": notice.message, "data": data}


class HomeAssistantNotifier:
    """Calls notify services and listens for the answers."""

    def __init__(self, url: str, token: str, *, verify: bool | str = True) -> None:
        base = url.rstrip("/").removesuffix("/api")
        self._api = f"{base}/api"
        self._websocket = f"{base.replace('http', 'ws', 1)}/api/websocket"
        self._token = token
        self._verify = verify

    async def send(self, target: str, notice: Notice, image_entity: str | None) -> bool:
        """Call ``notify.<target>``; whether Home Assistant accepted it."""
        data = notify_data(notice, image_entity)
        try:
            async with ha_client(self._api, self._token, verify=self._verify) as client:
                await client.trigger_service("notify", target, **data)
        except _TRANSIENT as exc:
            log.error(  # noqa: TRY400 - one line for an operational fault, no traceback
                "notify.%s: the summary for %s was not sent: %s",
                target, notice.athlete, why(exc),
            )  # fmt: skip
            return False
        return True

    async def listen(self, on_action: Callable[[str], None], stop: asyncio.Event) -> None:
        """Hand every notification action id to ``on_action`` until ``stop`` is set.

        The connection is kept through idle hours by a ping every :data:`HEARTBEAT_S`
        (Home Assistant's own ``ping``/``pong``); one that stays unanswered ends it. After a
        drop the listener is back within :data:`RECONNECT_CAP_S`: a button pressed on a
        phone once Home Assistant is back must find it listening. The backoff starts again
        after every connection that got as far as listening.
        """
        attempt = 0
        while not stop.is_set():
            listening = asyncio.Event()
            session = asyncio.create_task(self._session(on_action, listening))
            stopping = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (session, stopping):
                task.cancel()
            if session not in done:
                with contextlib.suppress(asyncio.CancelledError, *_TRANSIENT):
                    await session
                return
            error = session.exception()
            if error is not None and not isinstance(error, _TRANSIENT):
                # Whatever ended it (a message the library did not expect), the buttons must
                # keep working: reported whole once, then connected again like any drop.
                log.error("Home Assistant WebSocket: unexpected %r", error, exc_info=error)
            attempt = 1 if listening.is_set() else min(attempt + 1, 32)
            delay = random.uniform(0, min(RECONNECT_CAP_S, 0.1 * 1.5**attempt))  # noqa: S311
            # One line when the connection ends; the attempts after it are debug lines.
            log.log(
                logging.WARNING if attempt == 1 else logging.DEBUG,
                "Home Assistant WebSocket: %s; again in %.1f s",
                "closed" if error is None else why(error), delay,
            )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    async def _session(self, on_action: Callable[[str], None], listening: asyncio.Event) -> None:
        # Our own HTTP session, closed on every way out: the client's enter does not close
        # its session when Home Assistant cannot be reached.
        async with (
            ha_websocket(
                self._websocket, self._token, verify=self._verify, read_timeout_s=READ_TIMEOUT_S
            ) as ws,
            ws.listen_events(ACTION_EVENT) as events,
        ):
            log.info("listening for notification actions from Home Assistant")
            listening.set()

            async def read() -> None:
                async for event in events:
                    action = getattr(event, "data", {}).get("action")
                    if isinstance(action, str):
                        on_action(action)

            tasks = {asyncio.create_task(read()), asyncio.create_task(_heartbeat(ws))}
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
            for task in done:
                task.result()  # the error that ended the session, if any


async def _heartbeat(ws: AsyncWebsocketClient) -> None:
    """Ping every :data:`HEARTBEAT_S`; a ping unanswered by the next one ends the session.

    The pong is read by the event reader (the one reader of the socket), which files it
    among the client's ping responses; it is taken from there here.
    """
    while True:
        # Registered before it is sent (the library's send registers it after): the reader
        # could otherwise meet the pong first, and the library fails on a pong it does not
        # know. The library's record of pings is the only one the reader fills in.
        ping = ws._request_id()  # noqa: SLF001
        ws._ping_responses[ping] = PingResponse(start=time.perf_counter_ns(), id=ping, type="pong")  # noqa: SLF001
        await ws._async_send({"id": ping, "type": "ping"})  # noqa: SLF001
        await asyncio.sleep(HEARTBEAT_S)
        pong = ws._ping_responses.pop(ping, None)  # noqa: SLF001
        if pong is None or pong.end is None:
            raise TimeoutError(f"no answer to a ping in {HEARTBEAT_S:g} s")

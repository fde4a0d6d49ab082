# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT connection: one reconnect loop, a last will, and callbacks that only enqueue.

aiomqtt (paho-mqtt 2 underneath) carries the protocol. On every (re)connect the link publishes
``online`` (retained) on the availability topic, subscribes, and reports
:class:`~recoveryd.events.BrokerConnected`; on a clean stop it publishes ``offline`` itself,
since a clean disconnect does not fire the last will. Backoff is capped and randomised
(``uniform(0, min(cap, 1.5 ** attempt))``), as in aiomqtt's own reconnection example.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections.abc import Callable

import aiomqtt
from recoveryd.config import MqttConfig
from recoveryd.events import BrokerConnected, CommandReceived, Event, HomeAssistantOnline
from recoveryd.ports import BrokerAwayError, PublishError
from recoveryd.tls import client_context

log = logging.getLogger(__name__)

_PROTOCOLS = {"3.1.1": aiomqtt.ProtocolVersion.V311, "5": aiomqtt.ProtocolVersion.V5}
_BACKOFF_BASE = 1.5
_PUBLISH_TIMEOUT_S = 10.0
# A publish waits this long for a connection that is being (re-)established.
_CONNECT_WAIT_S = 10.0
_NO_CONNECTION = 4  # paho-mqtt MQTT_ERR_NO_CONN: the client was not connected


class MqttLink:
    """Owns the broker connection for the daemon's lifetime."""

    def __init__(
        self,
        config: MqttConfig,
        availability_topic: str,
        ha_status_topic: str | None,
        enqueue: Callable[[Event], None],
        *,
        device_topics: list[str] | None = None,
        on_device_message: Callable[[str, bytes], None] | None = None,
        command_filters: tuple[str, ...] = (),
    ) -> None:
        self._config = config
        self._availability = availability_topic
        self._ha_status = ha_status_topic
        self._enqueue = enqueue
        self._device_topics = device_topics or []
        self._on_device_message = on_device_message
        self._command_filters = command_filters
        self._client: aiomqtt.Client | None = None
        self._up = asyncio.Event()
        self._closing = asyncio.Event()
        self.connections = 0
        self._lost = asyncio.Event()  # set when the current session ends
        tls = config.tls
        self._tls = None if tls is None else client_context(tls.ca_certs, tls.certfile, tls.keyfile)

    @property
    def connected(self) -> bool:
        """Whether a broker connection is up right now."""
        return self._client is not None

    async def run(self) -> None:
        """Connect, and reconnect with backoff, until :meth:`close` is called."""
        attempt = 0
        while not self._closing.is_set():
            try:
                await self._session()
                attempt = 0
            except aiomqtt.MqttError as exc:
                self._client = None
                self._up.clear()
                if self._closing.is_set():
                    break
                delay = random.uniform(0, min(self._config.reconnect_max_s, _BACKOFF_BASE**attempt))  # noqa: S311 - jitter, not cryptography
                attempt = min(attempt + 1, 32)
                log.warning(
                    "MQTT broker %s:%d unreachable (%s); retrying in %.1f s",
                    self._config.host,
                    self._config.port,
                    exc,
                    delay,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), timeout=delay)

    async def _session(self) -> None:
        cfg = self._config
        will = aiomqtt.Will(self._availability, "offline", qos=1, retain=True)
        password = cfg.password.get_secret_value() if cfg.password is not None else None
        async with aiomqtt.Client(
            cfg.host,
            cfg.port,
            identifier=cfg.client_id,
            username=cfg.username,
            password=password,
            protocol=_PROTOCOLS[cfg.protocol],
            keepalive=cfg.keepalive_s,
            will=will,
            timeout=_PUBLISH_TIMEOUT_S,
            tls_context=self._tls,
            # A device command must not wait behind the state published just before it:
            # Nagle's algorithm holds small writes until the last one is acknowledged, which
            # a delayed ACK makes about 40 ms on Linux.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        ) as client:
            if self._ha_status is not None:
                await client.subscribe(self._ha_status, qos=1)
            for topic in self._device_topics:
                await client.subscribe(topic, qos=1)
            for topic in self._command_filters:
                await client.subscribe(topic, qos=1)
            # Online once it listens: a command sent on seeing "online" is not lost.
            await client.publish(self._availability, "online", qos=1, retain=True)
            self._client = client
            self._lost = asyncio.Event()
            self._up.set()
            self.connections += 1
            log.info("connected to MQTT broker %s:%d", cfg.host, cfg.port)
            self._enqueue(BrokerConnected())
            reader = asyncio.create_task(self._read(client))
            closing = asyncio.create_task(self._closing.wait())
            try:
                done, _ = await asyncio.wait({reader, closing}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (reader, closing):
                    task.cancel()
                self._up.clear()
                self._lost.set()  # publishes still waiting for an acknowledgement give up now
            self._client = None
            if reader in done:
                reader.result()  # re-raises the MqttError that ended the session
                raise aiomqtt.MqttError("the broker closed the connection")
            await client.publish(self._availability, "offline", qos=1, retain=True)
            log.info("published offline and disconnected from the MQTT broker")

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            payload = message.payload
            text = (
                payload.decode(errors="replace")
                if isinstance(payload, bytes | bytearray)
                else str(payload)
            )
            if self._ha_status is not None and message.topic.matches(self._ha_status):
                if text.strip() == "online":
                    self._enqueue(HomeAssistantOnline())
                continue
            raw = payload if isinstance(payload, bytes) else text.encode()
            if self._on_device_message is not None and str(message.topic) in self._device_topics:
                self._on_device_message(str(message.topic), raw)
                continue
            if any(message.topic.matches(f) for f in self._command_filters):
                self._enqueue(CommandReceived(str(message.topic), raw, retained=message.retain))
                continue
            log.debug("ignored message on %s", message.topic)

    async def publish(self, topic: str, payload: str | bytes, *, retain: bool, qos: int) -> None:
        """Publish through the live connection, waiting briefly for one that is coming up.

        Raises:
            PublishError: when not connected within a few seconds, or the broker did not
                acknowledge.
        """
        if self._client is None and not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._up.wait(), _CONNECT_WAIT_S)
        client = self._client
        if client is None:
            raise BrokerAwayError(f"not connected to the MQTT broker; {topic} not published")
        lost = self._lost
        try:
            publishing = asyncio.ensure_future(
                client.publish(topic, payload, qos=qos, retain=retain)
            )
            watching = asyncio.ensure_future(lost.wait())
            await asyncio.wait({publishing, watching}, return_when=asyncio.FIRST_COMPLETED)
            watching.cancel()
            if not publishing.done():
                # The session ended while the broker had not acknowledged: do not wait out
                # aiomqtt's timeout (10 s) for an answer that cannot come.
                publishing.cancel()
                raise PublishError(f"publishing {topic}: the connection was lost before the "
                                   "broker acknowledged it")  # fmt: skip
            publishing.result()
        except aiomqtt.MqttCodeError as exc:
            if exc.rc == _NO_CONNECTION:  # the connection dropped before this one was sent
                raise BrokerAwayError(f"publishing {topic}: {exc}; not sent") from exc
            raise PublishError(f"publishing {topic} failed: {exc}") from exc
        except aiomqtt.MqttError as exc:
            raise PublishError(f"publishing {topic} failed: {exc}") from exc

    def close(self) -> None:
        """Ask :meth:`run` to publish ``offline``, disconnect and return."""
        self._closing.set()

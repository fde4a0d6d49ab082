# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT connection: one reconnect loop, a last will, and callbacks that only enqueue.

aiomqtt (paho-mqtt 2 underneath) carries the protocol. On every (re)connect the link publishes
``online`` (retained) on the availability topic, subscribes, and reports
:class:`~recoveryd.domain.events.BrokerConnected`; on a clean stop it publishes ``offline`` itself,
since a clean disconnect does not fire the last will. Backoff is capped and randomised
(``uniform(0, min(cap, 1.5 ** attempt))``), as in aiomqtt's own reconnection example.

Nothing sent while the daemon is away is lost: the session is persistent (MQTT 3.1.1
``clean_session=0``; MQTT 5 ``clean_start=0`` with a Session Expiry Interval), so the broker
keeps the QoS 1 messages of its subscriptions, and a message is acknowledged only once the
consumer has handled it (paho's manual acknowledgement), so one that a killed daemon had
received but not stored is delivered again. Commands that waited in the broker are marked
``queued_since`` (the broker delivers them before a marker the link publishes to itself on
connecting), so the daemon can refuse a button pressed long ago.

Sizes are checked before anything is decoded (:data:`MAX_BYTES`); with MQTT 5 the broker is
told the Maximum Packet Size (MQTT 5.0, 3.1.2.11.4) and discards larger messages itself, so
they never reach this process's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime

import aiomqtt
from recoveryd.config.sections import MqttConfig
from recoveryd.config.tls import client_context
from recoveryd.daemon.ports import BrokerAwayError, PublishError
from recoveryd.domain.events import BrokerConnected, CommandReceived, Event, HomeAssistantOnline
from recoveryd.integrations.mqtt.client import reason_code, session_client
from recoveryd.integrations.mqtt.incoming import MAX_BYTES, acknowledger
from recoveryd.integrations.mqtt.topics import HOUSEHOLD

log = logging.getLogger(__name__)

_FIRST = frozenset({"device", "ha_status"})  # kinds of message read before a burst's others
_BACKOFF_BASE = 1.5
# A publish waits this long for a connection that is being (re-)established.
_CONNECT_WAIT_S = 10.0
_NO_CONNECTION = 4  # paho-mqtt MQTT_ERR_NO_CONN: the client was not connected
# CONNACK codes of a broker that does not speak MQTT 5: 3.1.1's "unacceptable protocol
# version" (1) and MQTT 5's "Unsupported Protocol Version" (0x84).
_PROTOCOL_REFUSED = frozenset({1, 0x84})
_TAKEN_OVER = 0x8E  # MQTT 5 DISCONNECT "Session taken over": another client has our id
_TAKEN_OVER_WAIT_S = 30.0


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
        ingest_filter: str | None = None,
        away_since: datetime | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._config = config
        self._availability = availability_topic
        self._ha_status = ha_status_topic
        self._enqueue = enqueue
        self._device_topics = device_topics or []
        self._on_device_message = on_device_message
        self._command_filters = command_filters
        self._ingest_filter = ingest_filter
        self._now = now or (lambda: datetime.now().astimezone())
        # Since when messages may have waited in the broker for this client: the previous
        # process's last sign of life, then the end of each session.
        self._away_since = away_since
        # One topic per client id (the session keeps its subscription); the payload tells
        # this session's marker from one an earlier process published and never read.
        self._marker = f"{availability_topic.rsplit('/', 1)[0]}/_link/{config.client_id}"
        self._nonce = b""
        self._household = f"{availability_topic.rsplit('/', 1)[0]}/{HOUSEHOLD}/"
        self._protocol = config.protocol
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
                if self._fall_back(exc):
                    continue
                delay = random.uniform(0, min(self._config.reconnect_max_s, _BACKOFF_BASE**attempt))  # noqa: S311 - jitter, not cryptography
                attempt = min(attempt + 1, 32)
                if reason_code(exc) == _TAKEN_OVER:
                    # Two clients with one id take the session from each other in turn.
                    delay = max(delay, _TAKEN_OVER_WAIT_S)
                    log.error(  # noqa: TRY400 - one line, no traceback
                        "another MQTT client connected with client id %r and took this "
                        "session; give each daemon its own mqtt.client_id (retrying in %.0f s)",
                        self._config.client_id,
                        delay,
                    )
                else:
                    # One line when the broker goes away; the retries after it are debug lines.
                    log.log(
                        logging.WARNING if attempt == 1 else logging.DEBUG,
                        "MQTT broker %s:%d unreachable (%s); retrying%s",
                        self._config.host,
                        self._config.port,
                        exc,
                        f" every {self._config.reconnect_max_s:g} s at most"
                        if attempt == 1
                        else f" in {delay:.1f} s",
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), timeout=delay)

    def _fall_back(self, exc: aiomqtt.MqttError) -> bool:
        """Whether a broker that refused MQTT 5 is to be asked again in MQTT 3.1.1 now."""
        if self._protocol != "auto" or reason_code(exc) not in _PROTOCOL_REFUSED:
            return False
        log.warning("the MQTT broker does not speak MQTT 5; using MQTT 3.1.1")
        self._protocol = "3.1.1"
        return True

    async def _session(self) -> None:
        cfg = self._config
        async with session_client(
            cfg, self._protocol, self._availability, self._tls,
            first=lambda topic: self._kind(topic) in _FIRST,
        ) as client:  # fmt: skip
            if self._ha_status is not None:
                await client.subscribe(self._ha_status, qos=1)
            for topic in self._device_topics:
                await client.subscribe(topic, qos=1)
            for topic in self._command_filters:
                await client.subscribe(topic, qos=1)
            await client.subscribe(self._marker, qos=1)
            # Delivered after every message the broker kept for us: those before it waited.
            self._nonce = uuid.uuid4().hex.encode()
            await client.publish(self._marker, self._nonce, qos=1)
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
                self._away_since = self._now()
            self._client = None
            if reader in done:
                reader.result()  # re-raises the MqttError that ended the session
                raise aiomqtt.MqttError("the broker closed the connection")
            await client.publish(self._availability, "offline", qos=1, retain=True)
            log.info("published offline and disconnected from the MQTT broker")

    async def _read(self, client: aiomqtt.Client) -> None:
        queued_since = self._away_since
        async for message in client.messages:
            ack = acknowledger(client, message)
            topic = str(message.topic)
            if topic == self._marker:
                if message.payload == self._nonce:
                    queued_since = None  # what follows was sent while connected
                ack()
                continue
            payload = message.payload if isinstance(message.payload, bytes) else b""
            kind = self._kind(message.topic)
            if kind is None:
                log.debug("ignored message on %s", topic[:120])
                ack()
                continue
            if len(payload) > MAX_BYTES[kind]:
                log.error(
                    "ignored a message of %d bytes on %s: at most %d are read on %s topics",
                    len(payload), topic[:120], MAX_BYTES[kind], kind.replace("_", " "),
                )  # fmt: skip
                ack()
                continue
            if kind == "ha_status":
                if payload.strip() == b"online":
                    self._enqueue(HomeAssistantOnline())
                ack()
            elif kind == "device":
                if self._on_device_message is not None:
                    self._on_device_message(topic, payload)
                ack()
            else:
                self._enqueue(
                    CommandReceived(
                        topic,
                        payload,
                        retained=message.retain,
                        queued_since=queued_since if kind == "command" else None,
                        ack=ack,
                        urgent=topic.startswith(self._household),
                        current=lambda client=client: self._client is client,  # type: ignore[misc]
                    )
                )

    def _kind(self, topic: aiomqtt.Topic) -> str | None:
        if self._ha_status is not None and topic.matches(self._ha_status):
            return "ha_status"
        if str(topic) in self._device_topics:
            return "device"
        if self._ingest_filter is not None and topic.matches(self._ingest_filter):
            return "ingest"
        if any(topic.matches(f) for f in self._command_filters):
            return "command"
        return None

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

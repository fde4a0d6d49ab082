# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT client of one session: how recoveryd connects, and the broker's reason codes.

A persistent session (MQTT 3.1.1 ``clean_session=0``; MQTT 5 ``clean_start=0`` with a Session
Expiry Interval), a retained ``offline`` last will, the Maximum Packet Size and Receive
Maximum the daemon reads at most (MQTT 5.0, 3.1.2.11), manual acknowledgement, and a queue
that reads devices and Home Assistant's status before the rest of a burst.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import aiomqtt
from paho.mqtt.client import MQTT_CLEAN_START_FIRST_ONLY
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from recoveryd.config.sections import MqttConfig
from recoveryd.integrations.mqtt.incoming import MAX_PACKET_BYTES, RECEIVE_MAXIMUM, devices_first

PUBLISH_TIMEOUT_S = 10.0
_PROTOCOLS = {"3.1.1": aiomqtt.ProtocolVersion.V311, "5": aiomqtt.ProtocolVersion.V5}


def session_client(
    cfg: MqttConfig,
    protocol: str,
    availability: str,
    tls: ssl.SSLContext | None,
    *,
    first: Callable[[aiomqtt.Topic], bool],
) -> aiomqtt.Client:
    """A client for one session in ``protocol`` (``3.1.1``, or MQTT 5 otherwise).

    ``first`` tells the messages read before the others of a burst.
    """
    will = aiomqtt.Will(availability, "offline", qos=1, retain=True)
    password = cfg.password.get_secret_value() if cfg.password is not None else None
    v5 = protocol != "3.1.1"
    properties = None
    if v5:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = cfg.session_expiry_s
        properties.MaximumPacketSize = MAX_PACKET_BYTES
        # Flow control (MQTT 5.0, 4.9): at most this many unacknowledged messages should
        # reach the daemon, the rest of a burst waiting in the broker. Not relied on:
        # mosquitto 2.0 sends past it to a client that publishes too, so the queues put
        # confirmations and timers first as well.
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
    client = aiomqtt.Client(
        cfg.host,
        cfg.port,
        identifier=cfg.client_id,
        username=cfg.username,
        password=password,
        protocol=_PROTOCOLS["5" if v5 else "3.1.1"],
        keepalive=cfg.keepalive_s,
        will=will,
        timeout=PUBLISH_TIMEOUT_S,
        tls_context=tls,
        # The broker keeps the subscriptions and their messages while the daemon is away.
        clean_session=None if v5 else False,
        clean_start=False if v5 else MQTT_CLEAN_START_FIRST_ONLY,  # paho: 3.1.1 has none
        properties=properties,
        queue_type=devices_first(first),
        # Publishes in flight at once (paho's default is 20): a device command queues
        # behind fewer state and event messages.
        max_inflight_messages=100,
        # A device command must not wait behind the state published just before it:
        # Nagle's algorithm holds small writes until the last one is acknowledged, which
        # a delayed ACK makes about 40 ms on Linux.
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )
    # Acknowledge a message once it is handled, not when it arrives (aiomqtt has no
    # setting for it; its paho client does).
    client._client.manual_ack_set(on=True)  # noqa: SLF001
    return client


def reason_code(exc: aiomqtt.MqttError) -> int | None:
    """The MQTT reason code of a refused connection or a broker's DISCONNECT, if there is one."""
    rc = getattr(exc, "rc", None)
    if rc is None:
        cause = exc.__cause__
        rc = getattr(cause, "rc", None) if cause is not None else None
    value = getattr(rc, "value", rc)
    return value if isinstance(value, int) else None

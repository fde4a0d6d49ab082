# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the MQTT link does with a message it receives.

Its size bound (per kind of topic), its place in the queue, and its acknowledgement once the
daemon has handled it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Final

import aiomqtt
from recoveryd.domain.commands import MAX_PAYLOAD_BYTES as COMMAND_BYTES
from recoveryd.domain.ingest import MAX_PAYLOAD_BYTES as INGEST_BYTES

# The largest payload read on each kind of topic; larger ones are dropped before decoding.
MAX_BYTES: Final = {
    "command": COMMAND_BYTES,  # a button press, a select option or a number
    "ingest": INGEST_BYTES,  # one night, check-in or session as JSON
    "device": 16_384,  # a device's state report (Tasmota, Shelly, Zigbee2MQTT)
    "ha_status": 64,  # "online" / "offline"
}
# What the broker is told it may send at most (MQTT 5): the largest payload with its topic
# and properties.
MAX_PACKET_BYTES: Final = max(MAX_BYTES.values()) + 4096
RECEIVE_MAXIMUM: Final = 20


def devices_first(urgent: Callable[[aiomqtt.Topic], bool]) -> type[asyncio.Queue[aiomqtt.Message]]:
    """The queue aiomqtt keeps received messages in: those on ``urgent`` topics first.

    A device's confirmation must not wait behind a burst of commands (the broker's flow
    control cannot be relied on for that: mosquitto 2.0 lets a client that publishes
    itself receive past its Receive Maximum); within each kind the order is kept.
    """
    order = itertools.count()

    class DevicesFirst(asyncio.PriorityQueue[tuple[int, int, aiomqtt.Message]]):
        def _put(self, item: aiomqtt.Message) -> None:  # type: ignore[override]
            lane = 0 if urgent(item.topic) else 1
            super()._put((lane, next(order), item))

        def _get(self) -> aiomqtt.Message:  # type: ignore[override]
            return super()._get()[2]

    return DevicesFirst  # type: ignore[return-value]


def acknowledger(client: aiomqtt.Client, message: aiomqtt.Message) -> Callable[[], None]:
    """Acknowledge ``message`` through the session that delivered it (once; later: no-op).

    After that session ended the acknowledgement is not sent: the broker delivers the message
    again on the next session, and every handler is idempotent.
    """
    sent = False

    def ack() -> None:
        nonlocal sent
        if not sent and message.qos > 0:
            sent = True
            client._client.ack(message.mid, message.qos)  # noqa: SLF001 - see manual_ack_set

    return ack

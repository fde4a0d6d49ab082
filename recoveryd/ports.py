# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The ports the daemon's consumer talks through; adapters in ``integrations/`` implement them."""

from __future__ import annotations

from typing import Protocol


class PublishError(Exception):
    """A message could not be handed to the broker (not connected, or the broker failed)."""


class Publisher(Protocol):
    """Publishes one MQTT message; raises :class:`PublishError` when it cannot."""

    async def publish(self, topic: str, payload: str, *, retain: bool, qos: int) -> None:
        """Publish and wait for the broker's acknowledgement (QoS 1)."""

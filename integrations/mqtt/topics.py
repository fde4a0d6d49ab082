# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT topics recoveryd publishes and listens on, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message to publish."""

    topic: str
    payload: str
    retain: bool = True
    qos: int = 1


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names under the configured base topic and discovery prefix."""

    base: str
    discovery_prefix: str
    ha_status: str

    @property
    def availability(self) -> str:
        """``online``/``offline``; ``offline`` is also the last will."""
        return f"{self.base}/status"

    def state(self, athlete: str) -> str:
        """The athlete's retained state JSON, one message per decision."""
        return f"{self.base}/{athlete}/state"

    def plan_today(self, athlete: str) -> str:
        """The athlete's adjusted session for today, retained JSON."""
        return f"{self.base}/{athlete}/plan/today"

    def discovery(self, component: str, object_id: str) -> str:
        """Home Assistant's per-entity discovery config topic."""
        return f"{self.discovery_prefix}/{component}/{object_id}/config"

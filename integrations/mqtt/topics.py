# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT topics recoveryd publishes and listens on, in one place."""

from __future__ import annotations

from dataclasses import dataclass

# The owner of the household's own controls and state; no athlete may take this id.
HOUSEHOLD = "household"


@dataclass(frozen=True, slots=True)
class Message:
    """One MQTT message to publish.

    ``supersedes``: an older message on the same topic with the same value, not yet sent, is
    dropped for this one (a burst of commands reports the newest per control, not each).
    """

    topic: str
    payload: str | bytes
    retain: bool = True
    qos: int = 1
    supersedes: str | None = None


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

    def live(self, athlete: str) -> str:
        """What changes during the athlete's day (next action, session running, controls)."""
        return f"{self.base}/{athlete}/live"

    def event(self, athlete: str) -> str:
        """Decisions, actions and commands as they happen (not retained)."""
        return f"{self.base}/{athlete}/event"

    def chart(self, athlete: str) -> str:
        """The athlete's 30-day chart, PNG bytes, retained."""
        return f"{self.base}/{athlete}/chart"

    def command(self, owner: str, control: str) -> str:
        """Where a control's value is sent; ``owner`` is an athlete or :data:`HOUSEHOLD`."""
        return f"{self.base}/{owner}/set/{control}"

    @property
    def commands(self) -> str:
        """The subscription that receives every command."""
        return f"{self.base}/+/set/+"

    @property
    def household_state(self) -> str:
        """The household's retained state JSON (``paused``)."""
        return f"{self.base}/{HOUSEHOLD}/state"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """(owner, control) of a command topic, ``None`` for any other topic."""
        return self._parse(topic, "set")

    def ingest(self, athlete: str, kind: str) -> str:
        """Where night data, check-ins and sessions arrive as JSON."""
        return f"{self.base}/{athlete}/ingest/{kind}"

    @property
    def ingests(self) -> str:
        """The subscription that receives every ingested payload."""
        return f"{self.base}/+/ingest/+"

    def parse_ingest(self, topic: str) -> tuple[str, str] | None:
        """(athlete, kind) of an ingest topic, ``None`` for any other topic."""
        return self._parse(topic, "ingest")

    def _parse(self, topic: str, verb: str) -> tuple[str, str] | None:
        parts = topic.split("/")
        base = self.base.split("/")
        if len(parts) != len(base) + 3 or parts[: len(base)] != base or parts[-2] != verb:
            return None
        return parts[-3], parts[-1]

    def discovery(self, component: str, object_id: str) -> str:
        """Home Assistant's per-entity discovery config topic."""
        return f"{self.discovery_prefix}/{component}/{object_id}/config"

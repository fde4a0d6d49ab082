# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the daemon tells the broker: discovery, decisions, live states, health, events.

A collaborator of the consumer that owns its own state: the outbox of events waiting for the
broker (the newest few only, while it is away; an event that supersedes an unsent one takes
its place), the live states last sent (a state goes out only when it changed), the decisions
sent whose publication the store could not record, and today's provisional decision per
athlete (shown, not stored, before the decision time). The consumer calls it after each
event it handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import live_state, paused
from recoveryd.daemon.deciding import decide_range, inputs_digest
from recoveryd.daemon.health import Health
from recoveryd.daemon.ports import PublishError
from recoveryd.domain.models import Action, Decision
from recoveryd.integrations.mqtt.discovery import discovery_messages, household_discovery
from recoveryd.integrations.mqtt.link import MqttLink
from recoveryd.integrations.mqtt.payloads import (
    event_message,
    household_message,
    live_message,
    plan_message,
    state_message,
)
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Message, Topics
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

OUTBOX_MAX = 100  # events kept while the broker is away


class Publisher:
    """Publishes for the consumer; remembers what went out, so that nothing goes out twice."""

    def __init__(
        self,
        config: Config,
        store: Store,
        topics: Topics,
        link: MqttLink,
        health: Health,
        *,
        timeline: Callable[[], Iterable[Action]],
    ) -> None:
        self._config, self._store, self._topics = config, store, topics
        self._link, self._health, self._timeline = link, health, timeline
        self._outbox: list[Message] = []
        self._live_sent: dict[str, str | bytes] = {}
        self._last_paused = False
        self._sent_unrecorded: set[tuple[str, date, int]] = set()
        # Before the decision time: today's provisional decision, and whether it went out.
        self._provisional: dict[str, tuple[bool, Decision]] = {}

    def post(self, message: Message) -> None:
        """Put ``message`` in the outbox, instead of an unsent one it supersedes."""
        if message.supersedes is not None:
            self._outbox = [
                m for m in self._outbox
                if (m.topic, m.supersedes) != (message.topic, message.supersedes)
            ]  # fmt: skip
        self._outbox.append(message)

    def event(
        self,
        athlete: str,
        event_type: str,
        /,
        *,
        supersedes: str | None = None,
        **data: Any,  # noqa: ANN401 - the event's JSON fields
    ) -> None:
        """Post one event for the athlete's event entity (``supersedes``: an unsent one's key)."""
        message = event_message(self._topics, athlete, event_type, **data)
        self.post(message if supersedes is None else replace(message, supersedes=supersedes))

    def error(self, athlete: str, control: str, error: str) -> None:
        """A refused command or button, on the athlete's event entity."""
        self.event(athlete, "error", supersedes=control, control=control, error=error)

    def reconnected(self) -> None:
        """A new broker session: every live state goes out again."""
        self._live_sent.clear()

    def household_changed(self) -> None:
        """The household's state changed outside the store's view: send it again."""
        self._live_sent.pop(HOUSEHOLD, None)

    async def publish(self, messages: list[Message]) -> bool:
        """Publish ``messages`` in order; whether the broker took all of them."""
        try:
            for message in messages:
                await self._link.publish(
                    message.topic, message.payload, retain=message.retain, qos=message.qos
                )
        except PublishError as exc:
            log.warning("%s; will retry on reconnect", exc)
            return False
        return True

    async def discovery(self) -> None:
        """Every entity's retained discovery config, when Home Assistant discovery is on."""
        if not self._config.homeassistant.discovery:
            return
        messages = household_discovery(self._topics, self._config.household.name) + [
            m
            for athlete in self._config.athletes
            for m in discovery_messages(
                self._topics,
                athlete.id,
                athlete.name,
                athlete.sources,
                fuel=athlete.fuel.enabled,
            )
        ]
        if await self.publish(messages):
            log.info("published %d discovery configs", len(messages))

    def provisional(self, athlete_id: str, today: date, now: datetime) -> None:
        """Today's decision from what is known so far, shown (not stored) until the real one.

        Home Assistant's entities would otherwise be ``unknown`` from midnight (or a start)
        until the decision time. Made again only when its inputs changed.
        """
        digest = inputs_digest(self._store, self._config, athlete_id, today)
        known = self._provisional.get(athlete_id)
        if known is not None and known[1].plan.date == today and known[1].inputs_digest == digest:
            return
        [plan] = decide_range(self._store, self._config, athlete_id, today, today)
        self._provisional[athlete_id] = (False, Decision(plan, 0, now, digest))

    async def decisions(self, today: date, now: datetime) -> None:
        """Each athlete's newest decision for today, if it has not reached the broker."""
        if not self._link.connected:
            return
        for athlete in self._config.athletes:
            decision = self._store.latest_decision(athlete.id, today)
            if decision is None:
                await self._publish_provisional(athlete.id, today)
                continue
            self._provisional.pop(athlete.id, None)
            if decision.published_at is not None:
                continue
            key = (athlete.id, today, decision.revision)
            if key in self._sent_unrecorded:
                continue  # sent; only the store could not record it (it is failing)
            messages = [state_message(self._topics, decision), plan_message(self._topics, decision)]
            if await self.publish(messages):
                self._sent_unrecorded.add(key)
                self._store.mark_published(decision, now)
                self._sent_unrecorded.discard(key)

    async def _publish_provisional(self, athlete_id: str, today: date) -> None:
        known = self._provisional.get(athlete_id)
        if known is None or known[0] or known[1].plan.date != today:
            return
        message = state_message(self._topics, known[1], provisional=True)
        if await self.publish([message]):
            self._provisional[athlete_id] = (True, known[1])

    async def health(self) -> None:
        """The household's state with the problem sensor, without reading the store."""
        if not self._link.connected:
            return
        problem = self._health.problem
        message = household_message(self._topics, paused=self._last_paused, problem=problem)
        if self._live_sent.get(HOUSEHOLD) == message.payload or await self.publish([message]):
            self._live_sent[HOUSEHOLD] = message.payload
            self._health.changed = False

    async def flush(self, today: date, now: datetime) -> bool:
        """Publish what the last event changed: pending decisions, events, live states.

        Whether the broker is there: while it is away events wait (the newest few only) and
        states are re-sent on connect.
        """
        if not self._link.connected:
            del self._outbox[:-OUTBOX_MAX]
            return False
        await self.decisions(today, now)
        messages, self._outbox = self._outbox, []
        self._last_paused = paused(self._store)
        problem = self._health.problem
        household = household_message(self._topics, paused=self._last_paused, problem=problem)
        states = [(HOUSEHOLD, household)]
        for athlete in self._config.athletes:
            live = live_state(
                self._store, athlete.id, now, self._timeline(), athlete.sources,
                quiet_days=self._config.engine.source_quiet_days,
            )  # fmt: skip
            states.append((athlete.id, live_message(self._topics, athlete.id, live)))
        for owner, message in states:
            if self._live_sent.get(owner) != message.payload:
                messages.append(message)
                self._live_sent[owner] = message.payload
        if not await self.publish(messages):
            self._live_sent.clear()
        return True

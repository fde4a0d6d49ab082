# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Commands from Home Assistant and the morning notification's buttons: checked and stored.

A collaborator of the consumer. Each command is checked (owner, age, payload) and stored
through :func:`recoveryd.daemon.day_state.apply_command`, the one path for MQTT and for the
notification alike; a refusal is one log line and an ``error`` event on the athlete's event
entity. What an accepted command asks to follow (a decision, a new timeline, the household's
state) is returned to the consumer, which asks the collaborators that own them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import Applied, apply_command
from recoveryd.daemon.health import STORING, Health
from recoveryd.daemon.household_day import start_refusal
from recoveryd.domain.commands import CommandError, parse_command, stale_command
from recoveryd.domain.events import CommandReceived, CommandReply
from recoveryd.home.notification import action_command
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Message, Topics
from recoveryd.store.database import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A command that was stored: whose (``None``: the household's), from which control."""

    athlete: str | None
    control: str
    applied: Applied


class Commands:
    """Checks and stores commands; returns what the consumer must do next."""

    def __init__(
        self,
        config: Config,
        store: Store,
        topics: Topics,
        health: Health,
        *,
        today: Callable[[], tuple[date, datetime]],
        error: Callable[[str, str, str], None],
        post: Callable[[Message], None],
    ) -> None:
        self._config, self._store, self._topics, self._health = config, store, topics, health
        self._today, self._error, self._post = today, error, post

    def received(self, event: CommandReceived) -> Accepted | None:
        """A message on a command topic; ``None`` when nothing was stored.

        Whoever sent it is told what became of it (``event.reply``) in either case.
        """
        accepted, refusal = self._check(event)
        if accepted is not None:
            applied = accepted.applied
            event.reply(
                CommandReply(accepted=True, text=applied.summary, redecide=applied.redecide)
            )
        elif refusal:
            event.reply(CommandReply(accepted=False, text=refusal))
        return accepted

    def _check(self, event: CommandReceived) -> tuple[Accepted | None, str]:
        topic, payload = event.topic, event.payload
        parsed = self._topics.parse_command(topic)
        if parsed is None:
            return None, f"{topic[:80]} is not a command topic"
        if event.retained:
            # A retained command is a press from some time ago, replayed at every connection:
            # never obeyed, and cleared so that it is not replayed again.
            log.error("ignored a retained command on %s; clearing it", topic[:80])
            self._post(Message(topic, b"", retain=True))
            return None, "a retained command is never obeyed"
        if not payload:
            return None, ""  # the clearing of a retained command, or an empty publish
        owner, control = parsed
        athletes = {a.id for a in self._config.athletes}
        if owner != HOUSEHOLD and owner not in athletes:
            log.error("rejected command on %s: unknown athlete %r", topic, owner[:32])
            return None, f"unknown athlete {owner[:32]!r}"
        athlete = None if owner == HOUSEHOLD else owner
        _, now = self._today()
        try:
            stale_command(control, event.queued_since, now)
            command = parse_command(athlete, control, payload)
            with self._health.operation(STORING):
                applied = apply_command(self._store, command, now, self._start_check(now))
        except CommandError as exc:
            log.error("rejected command for %s: %s", owner, exc)  # noqa: TRY400 - one line
            if athlete is not None:
                self._error(athlete, control, str(exc))
            return None, str(exc)
        return Accepted(athlete, control, applied), ""

    def notification(self, action: str) -> Accepted | None:
        """A button of the morning notification: the same checked commands as MQTT."""
        today, now = self._today()
        athletes = [a.id for a in self._config.athletes]
        athlete = action.rsplit("_", 1)[-1]
        decision = self._store.latest_decision(athlete, today) if athlete in athletes else None
        try:
            athlete, command = action_command(
                action, athletes, None if decision is None else decision.plan
            )
            applied = (
                Applied("accepted") if command is None
                else apply_command(self._store, command, now, self._start_check(now))
            )  # fmt: skip
        except CommandError as exc:
            log.error("rejected notification action: %s", exc)  # noqa: TRY400 - one line
            if athlete in athletes:
                self._error(athlete, "notification", str(exc))
            return None
        return Accepted(athlete, "notification", applied)

    def _start_check(self, now: datetime) -> Callable[[str], str | None]:
        """Why an athlete's session cannot start now (for the start-session button)."""
        return lambda athlete: start_refusal(self._store, self._config, athlete, now)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Night data, check-ins and sessions that arrive over MQTT: checked, stored, decided in batches.

A collaborator of the consumer that owns its own state: whether stored data waits for a
decision, and when the last batch was decided. A bulk upload is one decision, not one per
message: the consumer asks :meth:`Ingest.due` after each event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from time import monotonic

from recoveryd.config.model import Config
from recoveryd.daemon.health import STORING, Health
from recoveryd.domain.ingest import IngestError, parse_ingest
from recoveryd.domain.models import CHECKIN_ITEMS, CheckIn, Night
from recoveryd.integrations.mqtt.topics import Message, Topics
from recoveryd.store.database import Store
from recoveryd.store.journal import Origin

log = logging.getLogger(__name__)

INGEST_BATCH_S = 1.0  # during a flood of ingest messages, decide at least this often
INGEST_ERROR = "error"  # <base>/<athlete>/ingest/error carries the rejections


class Ingest:
    """Stores what arrives on ``<base>/<athlete>/ingest/<kind>``; says when to decide on it."""

    def __init__(
        self,
        config: Config,
        store: Store,
        topics: Topics,
        health: Health,
        *,
        post: Callable[[Message], None],
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._config, self._store, self._topics, self._health = config, store, topics, health
        self._post, self._clock = post, clock
        self._pending = False  # stored data not yet decided on
        self._decided_at = 0.0

    def received(self, topic: str, payload: bytes) -> None:
        """Night data, a check-in or a session as JSON: checked and stored (or rejected)."""
        parsed = self._topics.parse_ingest(topic)
        if parsed is None or parsed[1] == INGEST_ERROR:
            return  # our own error reports come back on the same subscription
        athlete, kind = parsed
        if athlete not in {a.id for a in self._config.athletes}:
            log.error("rejected %s on %s: unknown athlete %r", kind[:32], topic, athlete[:32])
            return
        try:
            observation = parse_ingest(athlete, kind, payload)
        except IngestError as exc:
            log.error("rejected ingest for %s: %s", athlete, exc)  # noqa: TRY400 - one line
            error = json.dumps({"kind": kind[:32], "error": str(exc)})
            self._post(Message(self._topics.ingest(athlete, INGEST_ERROR), error, retain=False))
            return
        with self._health.operation(STORING):
            if isinstance(observation, CheckIn):
                for item in CHECKIN_ITEMS:  # only the items given; the others stay as answered
                    value = getattr(observation, item)
                    if value is not None:
                        self._store.set_checkin_item(athlete, observation.date, item, value)
            else:
                origin = Origin("mqtt", f"{kind} over MQTT", athlete)
                if isinstance(observation, Night):
                    self._store.upsert(nights=[observation], origin=origin)
                else:
                    self._store.upsert(sessions=[observation], origin=origin)
        log.debug("%s: %s for %s stored", athlete, kind, observation.date)
        self._pending = True

    def due(self, *, queue_empty: bool) -> bool:
        """Whether to decide on the stored data now (the caller then decides).

        Once the messages waiting have been stored, or at least every
        :data:`INGEST_BATCH_S` during a flood.
        """
        if not self._pending or (
            not queue_empty and self._clock() - self._decided_at <= INGEST_BATCH_S
        ):
            return False
        self._pending, self._decided_at = False, self._clock()
        return True

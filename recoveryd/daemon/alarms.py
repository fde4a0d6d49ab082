# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The phones' next alarms: tomorrow's wake time, and so tonight's bedtime.

A collaborator of the consumer that owns nothing but the list of entities: each athlete's
``sleep.next_alarm_entity`` (the companion app's ``next_alarm`` timestamp sensor) is read on
the state poll; an alarm that falls on tomorrow morning and differs from the one stored for
today is stored as the day's ``alarm`` control, an input of the decision, and the athlete is
decided again (the bedtime, the evening's scenes and the sauna move with it). An alarm that
is unknown, unavailable or not tomorrow morning's leaves the stored one as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from recoveryd.config.model import Config
from recoveryd.daemon.ports import Spawn, StateReader
from recoveryd.domain.events import EntityState, Event
from recoveryd.home.bedtime import ALARM_CONTROL, alarm_counts
from recoveryd.store.database import Store

log = logging.getLogger(__name__)


class NextAlarms:
    """Reads the athletes' next-alarm sensors and keeps today's alarm in the store."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        reader: StateReader | None,
        put: Callable[[Event], None],
        spawn: Spawn,
    ) -> None:
        self._config, self._store = config, store
        self._reader, self._put, self._spawn = reader, put, spawn
        self._entities = {
            a.sleep.next_alarm_entity: a.id
            for a in config.athletes
            if a.sleep.next_alarm_entity is not None
        }

    @property
    def watching(self) -> bool:
        """Whether any athlete has a next-alarm sensor."""
        return bool(self._entities) and self._reader is not None

    def poll(self) -> None:
        """Read every next-alarm sensor; each comes back as ``EntityState``."""
        reader = self._reader
        if reader is None:
            return
        for entity in self._entities:

            async def read(entity: str = entity) -> None:
                self._put(EntityState(entity, await reader.entity_state(entity)))

            self._spawn(read(), f"read {entity}")

    def observed(self, entity: str, state: str | None, today: date) -> str | None:
        """Take in a sensor's state; the athlete whose alarm for tomorrow changed, if one did."""
        athlete = self._entities.get(entity)
        if athlete is None or state is None or state in {"unknown", "unavailable", ""}:
            return None
        try:
            alarm = datetime.fromisoformat(state)
        except ValueError:
            log.warning("%s: next alarm %r is not a timestamp; ignored", entity, state[:40])
            return None
        if alarm.tzinfo is None:
            log.warning("%s: next alarm %r has no time zone; ignored", entity, state[:40])
            return None
        if not alarm_counts(alarm, today, self._config.zone):
            return None
        stored = self._store.day_controls(athlete, today).get(ALARM_CONTROL)
        value = alarm.astimezone(self._config.zone).isoformat()
        if stored == value:
            return None
        self._store.set_day_control(athlete, today, ALARM_CONTROL, value, alarm)
        log.info("%s: tomorrow's alarm is %s (%s)", athlete, f"{alarm:%H:%M}", entity)
        return athlete

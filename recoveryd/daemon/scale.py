# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning body weight from each athlete's Bluetooth scale, read by the daemon.

A collaborator of the consumer that owns its own state: which listenings run. Listening runs
beside the consumer (Bluetooth I/O, up to the configured minutes) and comes back as a
``WeighingDone`` event; a weight within the plausible range is stored as the morning's
``body_weight_kg`` of the scale's source, like any night value (merged: nothing else of
that morning is touched), and the day is decided again (the fuel hints scale with it).
Once the scale's weight of today is stored, it is not listened for again that day.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from recoveryd.config.coach import ScaleConfig
from recoveryd.config.model import Config
from recoveryd.daemon.ports import Spawn
from recoveryd.domain.events import Event, WeighingDone
from recoveryd.domain.models import Night
from recoveryd.domain.plausible import implausible
from recoveryd.store.database import Store
from recoveryd.store.journal import Origin

if TYPE_CHECKING:
    from recoveryd.integrations.ble.scale import Weighing

log = logging.getLogger(__name__)

ScaleReader = Callable[[ScaleConfig], Awaitable["Weighing"]]


async def read_scale(scale: ScaleConfig) -> Weighing:
    """Listen for the configured scale over Bluetooth (bleak) and read its weighing."""
    from recoveryd.integrations.ble.scale import weigh  # noqa: PLC0415 - Bluetooth only when used

    return await weigh(scale.device, listen_s=scale.listen_min * 60.0, user_id=scale.user_id)


class ScaleReadings:
    """Starts each athlete's scale listening and keeps the weight that comes back."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        read: ScaleReader | None,
        put: Callable[[Event], None],
        spawn: Spawn,
        now: Callable[[], datetime],
    ) -> None:
        self._config, self._store = config, store
        self._read = read or read_scale
        self._put, self._spawn, self._now = put, spawn, now
        self._listening: set[str] = set()

    def weigh(self, athlete_id: str) -> None:
        """Listen for the athlete's scale, unless it is listened for or today's weight is in."""
        athlete = self._config.athlete(athlete_id)
        scale = athlete.fuel.scale
        if scale is None or not athlete.fuel.enabled or athlete_id in self._listening:
            return
        today = self._now().date()
        if any(n.source == scale.source and n.body_weight_kg is not None
               for n in self._store.nights(athlete_id, today, today)):  # fmt: skip
            log.info("%s: today's weight from %s is already stored", athlete_id, scale.source)
            return
        self._listening.add(athlete_id)
        log.info(
            "%s: listening %d min for the scale %s", athlete_id, scale.listen_min, scale.device
        )

        async def run() -> None:
            from recoveryd.integrations.ble.scale import ScaleError  # noqa: PLC0415 - only with a scale

            try:
                weighing = await self._read(scale)
            except ScaleError as exc:
                self._put(WeighingDone(athlete_id, error=str(exc)))
                return
            self._put(WeighingDone(athlete_id, weighing.kg, weighing.problems))

        self._spawn(run(), f"scale {athlete_id}")

    def done(self, done: WeighingDone) -> bool:
        """Keep a finished weighing; whether a new weight was stored."""
        self._listening.discard(done.athlete)
        scale = self._config.athlete(done.athlete).fuel.scale
        if done.error is not None or done.kg is None or scale is None:
            log.error("%s: no weight from the scale: %s", done.athlete, done.error)
            return False
        problem = implausible("body_weight_kg", done.kg)
        if problem is not None:
            log.error("%s: scale weight not stored: %s", done.athlete, problem)
            return False
        now = self._now()
        night = Night(done.athlete, now.date(), scale.source, body_weight_kg=done.kg)
        origin = Origin("scale", scale.source, done.athlete)
        changed = self._store.upsert([night], origin=origin, at=now)
        for line in done.problems:
            log.warning("%s: scale: %s", done.athlete, line)
        log.info("%s: weight %.1f kg from %s", done.athlete, done.kg, scale.source)
        return changed > 0

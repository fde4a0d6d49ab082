# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning HRV reading from each athlete's Bluetooth strap, taken by the daemon.

A collaborator of the consumer that owns its own state: which recordings run. A recording
runs beside the consumer (Bluetooth I/O) and comes back as a ``ReadingDone`` event; the
reading is cleaned and judged by the engine (``recoveryd.engine.morning_reading``) and kept
whatever its quality; only a good one becomes a night value. Once today's reading is good,
no other is taken.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from recoveryd.config.athletes import HrvStrapConfig
from recoveryd.config.model import Config
from recoveryd.daemon.ports import Spawn
from recoveryd.domain.events import Event, ReadingDone
from recoveryd.domain.reading import MorningReading
from recoveryd.engine.hrv import HrvError
from recoveryd.engine.morning_reading import morning_reading
from recoveryd.store.database import Store

if TYPE_CHECKING:
    from recoveryd.integrations.ble.hrm import Recording

log = logging.getLogger(__name__)

StrapRecorder = Callable[[HrvStrapConfig], Awaitable["Recording"]]


async def record_strap(strap: HrvStrapConfig) -> Recording:
    """Record from the configured strap over Bluetooth (bleak)."""
    from recoveryd.integrations.ble.hrm import record  # noqa: PLC0415 - Bluetooth only when used

    return await record(strap.device, minutes=strap.minutes, settle_s=strap.settle_s)


class StrapReadings:
    """Starts each athlete's strap recording and keeps what comes back."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        record: StrapRecorder | None,
        put: Callable[[Event], None],
        spawn: Spawn,
        now: Callable[[], datetime],
    ) -> None:
        self._config, self._store = config, store
        self._record = record or record_strap
        self._put, self._spawn, self._now = put, spawn, now
        self._measuring: set[str] = set()

    def measure(self, athlete_id: str) -> None:
        """Start the athlete's strap recording, unless one runs or today's is good already."""
        strap = self._config.athlete(athlete_id).hrv_strap
        today = self._now().date()
        if strap is None or athlete_id in self._measuring:
            return
        if any(r.good for r in self._store.morning_readings(athlete_id, today, today)):
            log.info("%s: today's morning reading is already good", athlete_id)
            return
        self._measuring.add(athlete_id)
        log.info("%s: recording the morning HRV reading from %s", athlete_id, strap.device)

        async def run() -> None:
            from recoveryd.integrations.ble.hrm import StrapError  # noqa: PLC0415 - only with a strap

            try:
                recording = await self._record(strap)
            except StrapError as exc:
                self._put(ReadingDone(athlete_id, error=str(exc)))
                return
            self._put(
                ReadingDone(
                    athlete_id, recording.rr_ms, recording.complete, recording.problems,
                    recording.battery_pct,
                )
            )  # fmt: skip

        self._spawn(run(), f"reading {athlete_id}")

    def done(self, done: ReadingDone) -> MorningReading | None:
        """Keep a finished recording's reading; ``None`` when there is none to keep."""
        self._measuring.discard(done.athlete)
        strap = self._config.athlete(done.athlete).hrv_strap
        if done.error is not None or strap is None:
            log.error("%s: morning reading failed: %s", done.athlete, done.error)
            return None
        try:
            reading = morning_reading(
                done.athlete, strap.source, self._now(), done.rr_ms, complete=done.complete,
                problems=done.problems, battery_pct=done.battery_pct,
            )  # fmt: skip
        except HrvError as exc:
            log.error("%s: morning reading not stored: %s", done.athlete, exc)  # noqa: TRY400
            return None
        self._store.save_morning_reading(reading)
        verdict = "good" if reading.good else "low quality: " + "; ".join(reading.quality)
        log.info("%s: morning rMSSD %.1f ms over %.0f s, %s", done.athlete, reading.rmssd_ms,
                 reading.duration_s, verdict)  # fmt: skip
        return reading

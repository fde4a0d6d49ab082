# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Events enqueued at a local time of day, once per local day, whatever the clocks do.

APScheduler 3 gives the moments, one date trigger per run (its cron trigger fires a time the
clocks repeat, 02:30 on the night they go back, over and over; and it drops a date trigger
missed by more than its grace, which would end a chain of daily runs for good). This module
decides which local day a run belongs to. A run is put on the queue only if its day has not
had one (a clock set back over 07:00 must not decide a second time) and only if it is not
later than the job's grace (a morning reading 5 hours late is not taken). After the clock
jumps, :meth:`DailyJobs.rearm` fires a run the jump passed over and maps every next run onto
the new clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from recoveryd.domain.clock import elapsed, latest_daily, local, next_daily, span
from recoveryd.domain.events import Event

log = logging.getLogger(__name__)


@dataclass
class _Job:
    at: time
    event: Event
    grace: timedelta
    last_day: date  # the last local day that had its run (or the day the daemon started)


class DailyJobs:
    """The daemon's daily jobs (decision, morning pull, strap readings) on one scheduler.

    ``now`` is the daemon's clock; the scheduler waits on the system's, and each run is
    placed on it by the real time until the run.
    """

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        zone: ZoneInfo,
        now: Callable[[], datetime],
        put: Callable[[Event], None],
    ) -> None:
        self._scheduler = scheduler
        self._zone = zone
        self._now = now
        self._put = put
        self._jobs: dict[str, _Job] = {}

    def add(self, name: str, at: time, event: Event, grace: timedelta) -> None:
        """Put ``event`` on the queue at local ``at`` every day, from the next ``at`` on.

        A run already passed today counts as done: the daemon decides and pulls as it starts.
        """
        now = self._now()
        self._jobs[name] = _Job(at, event, grace, latest_daily(at, self._zone, now))
        self._arm(name, now)

    def rearm(self) -> None:
        """After a clock jump: a run passed over fires now if in time; the next ones move."""
        now = self._now()
        for name in self._jobs:
            self._due(name, now)
            self._arm(name, now)

    def _arm(self, name: str, now: datetime) -> None:
        run = next_daily(self._jobs[name].at, self._zone, now)

        async def fire() -> None:
            moment = self._now()
            self._due(name, moment)
            self._arm(name, max(moment, run))

        self._scheduler.add_job(
            fire, DateTrigger(run_date=datetime.now(UTC) + elapsed(now, run)), id=name,
            replace_existing=True, misfire_grace_time=None,
        )  # fmt: skip

    def _due(self, name: str, now: datetime) -> None:
        job = self._jobs[name]
        day = latest_daily(job.at, self._zone, now)
        if day <= job.last_day:
            # This local day had its run: the clock was set back over it.
            log.debug("%s of %s: done already", name, day)
            return
        job.last_day = day
        late = elapsed(local(day, job.at, self._zone), now)
        if late > job.grace:
            log.warning(
                "%s of %s skipped: due at %s, now %s late (the system clock jumped or the "
                "machine slept)", name, day, job.at.strftime("%H:%M"), span(late.total_seconds()),
            )  # fmt: skip
            return
        log.info("%s of %s", name, day)
        self._put(job.event)

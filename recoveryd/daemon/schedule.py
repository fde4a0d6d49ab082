# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""When things happen: APScheduler's jobs, the daily runs, the actions' times, clock jumps.

A collaborator of the consumer that owns its own state: the scheduler and its jobs. Every job
only enqueues an event; the consumer does the work. The wall clock is watched against the
monotonic one: a jump (a clock set by hand, a machine that slept) is a ``ClockJumped`` event,
after which the interval jobs are counted again from now (APScheduler counts them on the
wall clock: set back an hour, the store would not be polled for an hour) and the daily runs
re-armed for the new clock.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from recoveryd.config.model import Config
from recoveryd.daemon.daily import DailyJobs
from recoveryd.domain.clock import Reading, jump, span
from recoveryd.domain.events import (
    ActionDue,
    ClockJumped,
    DecisionDue,
    Event,
    MeasureDue,
    PullDue,
    RediscoveryDue,
    StorePoll,
    WakePoll,
    WeighDue,
)

log = logging.getLogger(__name__)

LATE_DECISION = timedelta(hours=12)  # a decision or pull that late still plans the evening
LATE_READING = timedelta(minutes=30)  # the strap is not worn for long after waking
CLOCK_CHECK_S = 5.0  # how often the wall clock is compared with the monotonic one
CLOCK_JUMP_S = 30.0  # a difference this large is a jump (NTP slews anything under 0.128 s)


class Schedule:
    """The household's jobs; :meth:`start` them, :meth:`shutdown` when the daemon stops."""

    def __init__(
        self,
        config: Config,
        *,
        now: Callable[[], datetime],
        put: Callable[[Event], None],
        system_clock: Callable[[], Reading],
        pulls: bool,
    ) -> None:
        self._config, self._now, self._put = config, now, put
        self._system_clock, self._pulls = system_clock, pulls
        self._scheduler: AsyncIOScheduler | None = None
        self._daily: DailyJobs | None = None
        self._timers: set[asyncio.TimerHandle] = set()

    def start(self) -> None:
        """The daily decision, the store poll, the morning pull, strap readings, state polls.

        The state poll reads the wake scenes' entities and the phones' next alarms.
        """
        config = self._config
        decide_at = config.household.decide_at
        scheduler = AsyncIOScheduler(timezone=config.zone)
        daily = DailyJobs(scheduler, config.zone, self._now, self._put)
        daily.add("daily-decision", decide_at, DecisionDue("schedule"), LATE_DECISION)
        self._every(scheduler, "store-poll", config.storage.poll_interval_s, StorePoll())
        if self._pulls:
            pull_at = (
                config.household.pull_at
                or (datetime.combine(date(2000, 1, 1), decide_at) - timedelta(minutes=20)).time()
            )
            daily.add("morning-pull", pull_at, PullDue("schedule"), LATE_DECISION)
        for athlete in config.athletes:
            strap = athlete.hrv_strap
            if strap is not None and strap.at is not None:
                daily.add(f"reading-{athlete.id}", strap.at, MeasureDue(athlete.id), LATE_READING)
            scale = athlete.fuel.scale
            if scale is not None and scale.at is not None and athlete.fuel.enabled:
                late = timedelta(minutes=scale.listen_min)
                daily.add(f"scale-{athlete.id}", scale.at, WeighDue(athlete.id), late)
        if any(home.wake and home.wake.wake_entity for home in config.recovery.values()) or any(
            a.sleep.next_alarm_entity for a in config.athletes
        ):
            self._every(scheduler, "wake-poll", config.homeassistant.state_poll_s, WakePoll())
        self._scheduler, self._daily = scheduler, daily
        scheduler.start()

    def jobs(self) -> list[str]:
        """The ids of the jobs scheduled now (none before :meth:`start`)."""
        return [] if self._scheduler is None else [j.id for j in self._scheduler.get_jobs()]

    def shutdown(self) -> None:
        """Stop every job (the daemon stops)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for timer in self._timers:
            timer.cancel()

    def rediscovery(self) -> None:
        """Enqueue ``RediscoveryDue`` after a random delay (Home Assistant came online).

        Random, so that a house full of MQTT devices does not answer at once.
        """
        delay = random.uniform(0, self._config.homeassistant.rediscovery_delay_max_s)  # noqa: S311
        loop = asyncio.get_running_loop()
        self._timers.add(loop.call_later(delay, self._put, RediscoveryDue()))
        log.info("Home Assistant is online; re-sending discovery in %.1f s", delay)

    def action_at(self, key: str, after: timedelta) -> None:
        """Enqueue ``ActionDue(key)`` ``after`` from now (a later call for ``key`` wins)."""
        if self._scheduler is None:
            return
        # Relative to the daemon's clock: the same as the action's time with the real clock,
        # and a clock set for a test or the demo does not fire everything at once.
        self._scheduler.add_job(
            self._enqueue, DateTrigger(run_date=datetime.now(UTC) + after),
            args=[ActionDue(key)], id=key, replace_existing=True, misfire_grace_time=None,
        )  # fmt: skip

    def forget_action(self, key: str) -> None:
        """Drop an action's job, if it has one."""
        if self._scheduler is not None and self._scheduler.get_job(key) is not None:
            self._scheduler.remove_job(key)

    async def watch_clock(self) -> None:
        """Compare the wall clock with the monotonic one; a jump is a :class:`ClockJumped`."""
        before = self._system_clock()
        while True:
            await asyncio.sleep(CLOCK_CHECK_S)
            now = self._system_clock()
            seconds = jump(before, now)
            before = now
            if abs(seconds) >= CLOCK_JUMP_S:
                self._put(ClockJumped(seconds))

    def clock_jumped(self, seconds: float) -> None:
        """Count the interval jobs from now again, and re-arm the daily runs."""
        log.warning(
            "the system clock jumped %s by %s (or the machine slept): planning the day again",
            "forward" if seconds > 0 else "back", span(seconds),
        )  # fmt: skip
        if self._scheduler is not None:
            for job in self._scheduler.get_jobs():
                if isinstance(job.trigger, IntervalTrigger):
                    job.reschedule(IntervalTrigger(seconds=job.trigger.interval.total_seconds()))
        if self._daily is not None:
            self._daily.rearm()

    def _every(self, scheduler: AsyncIOScheduler, name: str, seconds: float, event: Event) -> None:
        scheduler.add_job(
            self._enqueue, IntervalTrigger(seconds=seconds), args=[event], id=name, coalesce=True
        )

    async def _enqueue(self, event: Event) -> None:
        """APScheduler job: runs in the event loop and only enqueues."""
        self._put(event)

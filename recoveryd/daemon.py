# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The composition root: the store, the MQTT link, the scheduler and the one event consumer.

Everything that happens arrives as an event on one ``asyncio.Queue``: the MQTT link reports
connections and Home Assistant's restarts, APScheduler fires the daily decision and the store
poll. Callbacks only enqueue; :meth:`Daemon._consume` alone decides, stores and publishes, so
no two handlers ever race on the store or the broker.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol as TypingProtocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from integrations.mqtt.discovery import discovery_messages, plan_message, state_message
from integrations.mqtt.link import MqttLink
from integrations.mqtt.topics import Message, Topics

from recoveryd.config import Config
from recoveryd.deciding import decide_and_store
from recoveryd.events import (
    BrokerConnected,
    DecisionDue,
    Event,
    HomeAssistantOnline,
    RediscoveryDue,
    Stop,
    StorePoll,
)
from recoveryd.models import Decision
from recoveryd.ports import PublishError
from recoveryd.store import Store

log = logging.getLogger(__name__)


class Clock(TypingProtocol):
    """Where the daemon gets the time; tests pass a fixed one."""

    def now(self) -> datetime:
        """The current time, time-zone aware."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, time-zone aware."""
        return datetime.now().astimezone()


class Daemon:
    """One household's daemon. Call :meth:`run` with an event that stops it."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        on_decision: Callable[[Decision], None] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = Store(config.storage.path)
        self.topics = Topics(
            base=config.mqtt.base_topic,
            discovery_prefix=config.homeassistant.discovery_prefix,
            ha_status=config.homeassistant.status_topic,
        )
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.link = MqttLink(
            config.mqtt,
            self.topics.availability,
            config.homeassistant.status_topic if config.homeassistant.discovery else None,
            self.queue.put_nowait,
        )
        self._on_decision = on_decision
        self._data_version = self.store.data_version()
        self._pending_timers: set[asyncio.TimerHandle] = set()

    # Lifecycle ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then publish ``offline`` and close the store."""
        scheduler = self._scheduler()
        scheduler.start()
        try:
            async with asyncio.TaskGroup() as group:
                link = group.create_task(self.link.run(), name="mqtt-link")
                consumer = group.create_task(self._consume(), name="consumer")
                self.queue.put_nowait(DecisionDue("startup"))
                await stop.wait()
                self.queue.put_nowait(Stop())
                await consumer
                self.link.close()
                await link
        finally:
            scheduler.shutdown(wait=False)
            for timer in self._pending_timers:
                timer.cancel()
            self.store.close()
            log.info("stopped")

    def _scheduler(self) -> AsyncIOScheduler:
        zone = self.config.zone
        decide_at = self.config.household.decide_at
        scheduler = AsyncIOScheduler(timezone=zone)
        scheduler.add_job(
            self._enqueue,
            CronTrigger(hour=decide_at.hour, minute=decide_at.minute, timezone=zone),
            args=[DecisionDue("schedule")],
            id="daily-decision",
            coalesce=True,
            misfire_grace_time=3600,
        )
        scheduler.add_job(
            self._enqueue,
            IntervalTrigger(seconds=self.config.storage.poll_interval_s),
            args=[StorePoll()],
            id="store-poll",
            coalesce=True,
        )
        return scheduler

    async def _enqueue(self, event: Event) -> None:
        """APScheduler job: runs in the event loop and only enqueues."""
        self.queue.put_nowait(event)

    # The one consumer -----------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self.queue.get()
            if isinstance(event, Stop):
                return
            try:
                await self._handle(event)
            except sqlite3.Error as exc:
                # The store is unusable for now (disk full, read-only, locked too long): say so
                # and keep serving; the next poll or the next day's decision tries again.
                log.error("store error while handling %s: %s", type(event).__name__, exc)  # noqa: TRY400 - one line, no traceback, for an operational fault

    async def _handle(self, event: Event) -> None:
        match event:
            case BrokerConnected() | RediscoveryDue():
                await self._publish_discovery()
                await self._publish_pending()
            case HomeAssistantOnline():
                self._schedule_rediscovery()
            case DecisionDue(trigger=trigger):
                self._decide_all(trigger)
                await self._publish_pending()
            case StorePoll():
                version = self.store.data_version()
                if version != self._data_version:
                    self._decide_all("new data")
                    # Only now: if deciding failed, the next poll tries again.
                    self._data_version = version
                    await self._publish_pending()
            case Stop():
                pass

    def _today(self) -> tuple[date, datetime]:
        now = self.clock.now().astimezone(self.config.zone)
        return now.date(), now

    def _decide_all(self, trigger: str) -> None:
        today, now = self._today()
        due = now.time() >= self.config.household.decide_at or trigger == "schedule"
        for athlete in self.config.athletes:
            decided = self.store.latest_decision(athlete.id, today) is not None
            if not due and not decided:
                log.debug(
                    "%s: %s before the daily decision time; not deciding yet", athlete.id, trigger
                )
                continue
            decision = decide_and_store(self.store, self.config, athlete.id, today, now)
            if decision is None:
                log.debug("%s: %s: inputs unchanged, decision stands", athlete.id, trigger)
                continue
            plan = decision.plan
            log.info(
                "%s %s: %s (readiness %s, revision %d, %s)",
                athlete.id,
                today,
                plan.protocol.value,
                plan.readiness.score,
                decision.revision,
                trigger,
            )
            if plan.actions:
                log.info(
                    "%s planned (dry-run, no actuators are wired yet): %s",
                    athlete.id,
                    "; ".join(
                        f"{a.at:%H:%M} {a.modality} {a.command} {a.device}" for a in plan.actions
                    ),
                )
            if self._on_decision is not None:
                self._on_decision(decision)

    def _schedule_rediscovery(self) -> None:
        # A small random delay, so a house full of MQTT devices does not answer at once.
        delay = random.uniform(0, self.config.homeassistant.rediscovery_delay_max_s)  # noqa: S311
        loop = asyncio.get_running_loop()
        handle = loop.call_later(delay, self.queue.put_nowait, RediscoveryDue())
        self._pending_timers.add(handle)
        log.info("Home Assistant is online; re-sending discovery in %.1f s", delay)

    async def _publish(self, messages: list[Message]) -> bool:
        try:
            for message in messages:
                await self.link.publish(
                    message.topic, message.payload, retain=message.retain, qos=message.qos
                )
        except PublishError as exc:
            log.warning("%s; will retry on reconnect", exc)
            return False
        return True

    async def _publish_discovery(self) -> None:
        if not self.config.homeassistant.discovery:
            return
        messages = [
            m
            for athlete in self.config.athletes
            for m in discovery_messages(self.topics, athlete.id, athlete.name)
        ]
        if await self._publish(messages):
            log.info("published %d discovery configs", len(messages))

    async def _publish_pending(self) -> None:
        """Publish each athlete's newest decision for today if it has not reached the broker."""
        if not self.link.connected:
            return
        today, now = self._today()
        for athlete in self.config.athletes:
            decision = self.store.latest_decision(athlete.id, today)
            if decision is None or decision.published_at is not None:
                continue
            messages = [state_message(self.topics, decision), plan_message(self.topics, decision)]
            if await self._publish(messages):
                self.store.mark_published(decision, now)


def run_daemon(config: Config) -> None:
    """``recoveryd run``: run until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        daemon = Daemon(config)
        log.info(
            "recoveryd running for %d athlete(s); daily decision at %s %s",
            len(config.athletes),
            config.household.decide_at.strftime("%H:%M"),
            config.household.timezone,
        )
        await daemon.run(stop)

    asyncio.run(main())

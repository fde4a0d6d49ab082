# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The composition root: one household's daemon, built from its configuration and run.

It opens the store, builds the MQTT link and the collaborators (each owning its own state),
hands them to the one :class:`~recoveryd.daemon.consumer.Consumer`, and runs the link, the
consumer, the scheduler and the clock watch until it is told to stop. Tests and the demo
replace the clock, the actuators, the state reader, the strap and the pull here.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from recoveryd.config.model import Config
from recoveryd.daemon import adapters
from recoveryd.daemon.actions import Actions
from recoveryd.daemon.alarms import NextAlarms
from recoveryd.daemon.answering import Answering
from recoveryd.daemon.commands import Commands
from recoveryd.daemon.consumer import Consumer, Parts
from recoveryd.daemon.health import Health
from recoveryd.daemon.ingesting import Ingest
from recoveryd.daemon.morning import Morning
from recoveryd.daemon.morning_pull import Fetch, MorningPull
from recoveryd.daemon.ports import Actuator, Clock, StateReader, SystemClock
from recoveryd.daemon.publishing import Publisher
from recoveryd.daemon.scale import ScaleReader, ScaleReadings
from recoveryd.daemon.schedule import Schedule
from recoveryd.daemon.store_watch import StoreWatch
from recoveryd.daemon.strap import StrapReadings, StrapRecorder
from recoveryd.daemon.wake_signals import WakeSignals
from recoveryd.domain.clock import Reading, read_system
from recoveryd.domain.events import (
    DecisionDue,
    Event,
    EventQueue,
    NotificationAction,
    PullDue,
    Stop,
)
from recoveryd.domain.models import Action, Decision
from recoveryd.integrations.devices.mqtt_devices import MqttDevices
from recoveryd.integrations.devices.tracker import StateTracker
from recoveryd.integrations.mqtt.link import MqttLink
from recoveryd.integrations.mqtt.topics import Topics
from recoveryd.store.database import Store

if TYPE_CHECKING:
    from recoveryd.daemon.web_panel import WebPanel

log = logging.getLogger(__name__)


class Daemon:
    """One household's daemon. Call :meth:`run` with an event that stops it."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        on_decision: Callable[[Decision], None] | None = None,
        actuators: Mapping[str, Actuator] | None = None,
        state_reader: StateReader | None = None,
        strap_recorder: StrapRecorder | None = None,
        scale_reader: ScaleReader | None = None,
        fetch: Fetch | None = None,
        system_clock: Callable[[], Reading] = read_system,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = store = Store(config.storage.path)
        self.queue: asyncio.Queue[Event] = EventQueue()
        self._running: set[asyncio.Task[None]] = set()
        put, spawn, today = self.queue.put_nowait, self._spawn, self._today
        topics = Topics(
            base=config.mqtt.base_topic,
            discovery_prefix=config.homeassistant.discovery_prefix,
            ha_status=config.homeassistant.status_topic,
        )
        health = Health()  # what fails now: the household's problem sensor
        watch = StoreWatch(
            store, health, connected=lambda: self.link.connected, now=lambda: today()[1]
        )
        self.tracker = StateTracker()
        self.link = MqttLink(
            config.mqtt, topics.availability,
            config.homeassistant.status_topic if config.homeassistant.discovery else None,
            put, device_topics=[t for d in config.devices.values()
                                for t in MqttDevices.state_topics(d)],
            on_device_message=self.tracker.feed, command_filters=(topics.commands, topics.ingests),
            ingest_filter=topics.ingests,
            # The previous process's last sign of life: a command the broker kept since then
            # was pressed while no daemon listened.
            away_since=watch.away_since(), now=self.clock.now,
        )  # fmt: skip
        self.notifier = adapters.notifier(config)
        pulls = MorningPull(config, store, spawn=spawn, put=put, fetch=fetch)
        schedule = Schedule(
            config, now=self.clock.now, put=put, system_clock=system_clock,
            pulls=pulls.configured,
        )  # fmt: skip
        self.publisher = publisher = Publisher(
            config, store, topics, self.link, health, timeline=self._todays_actions
        )
        self.actions = Actions(
            config, store, today=today, put=put, spawn=spawn,
            actuators=actuators or adapters.actuators(config, self.link, self.tracker),
            event=publisher.event, at=schedule.action_at, forget=schedule.forget_action,
        )  # fmt: skip
        self.morning = Morning(
            config, store, topics, notifier=self.notifier, put=put, spawn=spawn,
            publish=publisher.publish, timeline=self._todays_actions,
            connected=lambda: self.link.connected,
        )  # fmt: skip
        self.ingest = Ingest(config, store, topics, health, post=publisher.post)
        self.schedule = schedule
        reader = state_reader or adapters.home_assistant(config)
        self.consumer = Consumer(
            Parts(
                config=config, store=store, topics=topics, queue=self.queue, health=health,
                watch=watch, schedule=schedule, publisher=publisher, actions=self.actions,
                commands=Commands(
                    config, store, topics, health, today=today, error=publisher.error,
                    post=publisher.post,
                ),
                ingest=self.ingest, morning=self.morning,
                wake=WakeSignals(reader=reader, put=put, spawn=spawn),
                alarms=NextAlarms(config, store, reader=reader, put=put, spawn=spawn),
                readings=StrapReadings(
                    config, store, record=strap_recorder, put=put, spawn=spawn,
                    now=lambda: today()[1],
                ),
                scales=ScaleReadings(
                    config, store, read=scale_reader, put=put, spawn=spawn,
                    now=lambda: today()[1],
                ),
                pulls=pulls, today=today,
            ),
            on_decision=on_decision,
        )  # fmt: skip
        self.answering = Answering(config, store, today=today)
        self.panel: WebPanel | None = None
        if config.panel is not None:
            # Imported only then: aiohttp and Jinja2 stay out of a daemon without a panel.
            from recoveryd.daemon.web_panel import WebPanel  # noqa: PLC0415

            self.panel = WebPanel(config, store, topics, put=put, today=today)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then publish ``offline`` and close the store."""
        self.schedule.start()
        # Not among the tasks of _spawn: those are the daemon's work in progress.
        watch = asyncio.create_task(self.schedule.watch_clock(), name="clock watch")
        try:
            async with asyncio.TaskGroup() as group:
                link = group.create_task(self.link.run(), name="mqtt-link")
                if self.notifier is not None and any(a.notify for a in self.config.athletes):
                    on_action = self._enqueue_action
                    group.create_task(self.notifier.listen(on_action, stop), name="ha-actions")
                consumer = group.create_task(self.consumer.run(), name="consumer")
                await self.answering.start()
                if self.panel is not None:
                    await self.panel.start()
                self.queue.put_nowait(DecisionDue("startup"))
                # A summary whose interval was still running at the last stop is looked at
                # again (what was sent is in the store: nothing goes out twice).
                self.morning.look_again()
                self.queue.put_nowait(PullDue("startup"))
                await stop.wait()
                await self.answering.stop()
                if self.panel is not None:  # no control is taken once the consumer stops
                    await self.panel.stop()
                self.queue.put_nowait(Stop())
                await consumer
                self.link.close()
                await link
        finally:
            watch.cancel()
            for task in self._running:
                task.cancel()
            # Each cleans up (a chart's child process, a BLE connection) before the store closes.
            await asyncio.gather(watch, *self._running, return_exceptions=True)
            self.schedule.shutdown()
            self.consumer.cancel()
            self.morning.cancel()
            self.actions.cancel()
            await self.answering.stop()
            if self.panel is not None:
                await self.panel.stop()
            self.store.close()
            log.info("stopped")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run device or network I/O beside the consumer; it reports back through the queue.

        The task is kept until it ends (asyncio holds only weak references) and cancelled on
        stop.
        """
        task = asyncio.create_task(work, name=name)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _today(self) -> tuple[date, datetime]:
        now = self.clock.now().astimezone(self.config.zone)
        return now.date(), now

    def _todays_actions(self) -> Iterable[Action]:
        """Today's timeline as it stands (replaced at every rebuild: ask each time)."""
        return self.actions.todays()

    def _enqueue_action(self, action: str) -> None:
        """The notification listener's callback: a button pressed, enqueued."""
        self.queue.put_nowait(NotificationAction(action))


class StopSignals:
    """SIGTERM and SIGINT caught from the moment the command starts, before the event loop runs.

    Between taking the store's lock and the loop's own handlers there is a moment in which
    a stop would otherwise kill the process outright; a stop asked then is kept and honoured
    as soon as the daemon runs.
    """

    def __init__(self) -> None:
        self.asked = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._ask)

    def _ask(self, _signum: int, _frame: object) -> None:
        self.asked = True


def run_daemon(config: Config, early: StopSignals | None = None) -> None:
    """``recoveryd run``: run until SIGTERM or SIGINT (also one that came while starting)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if early is not None and early.asked:
            stop.set()
        daemon = Daemon(config)
        log.info(
            "recoveryd running for %d athlete(s); daily decision at %s %s",
            len(config.athletes),
            config.household.decide_at.strftime("%H:%M"),
            config.household.timezone,
        )
        await daemon.run(stop)

    asyncio.run(main())

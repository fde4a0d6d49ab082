# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The one event consumer: each event to the collaborator that owns it, and what follows.

Everything that happens arrives as an event on one ``asyncio.Queue``: the MQTT link reports
connections, commands and Home Assistant's restarts, APScheduler fires the daily decision and
the store poll, work run beside the consumer reports its outcome. Callbacks only enqueue;
:meth:`Consumer.run` alone decides, stores and publishes, so no two handlers ever race on the
store or the broker. Collaborators never call each other: where one's outcome concerns
another (a decision changes the timeline, a command asks for a decision), the consumer makes
the call.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from recoveryd.config.model import Config
from recoveryd.daemon.actions import Actions
from recoveryd.daemon.alarms import NextAlarms
from recoveryd.daemon.commands import Accepted, Commands
from recoveryd.daemon.deciding import decide_household
from recoveryd.daemon.health import HANDLING, Health
from recoveryd.daemon.ingesting import Ingest
from recoveryd.daemon.morning import Morning
from recoveryd.daemon.morning_pull import MorningPull
from recoveryd.daemon.publishing import Publisher
from recoveryd.daemon.scale import ScaleReadings
from recoveryd.daemon.schedule import Schedule
from recoveryd.daemon.settle import CommandedDecisions
from recoveryd.daemon.store_watch import StoreWatch
from recoveryd.daemon.strap import StrapReadings
from recoveryd.daemon.wake_signals import WakeSignals
from recoveryd.domain import events as ev
from recoveryd.domain.models import Decision
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Topics
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

DECIDING = "deciding"  # the operation the problem sensor names when decisions fail


@dataclass(frozen=True, slots=True)
class Parts:
    """The collaborators the consumer hands events to; the composition root builds them."""

    config: Config
    store: Store
    topics: Topics
    queue: asyncio.Queue[ev.Event]
    health: Health
    watch: StoreWatch
    schedule: Schedule
    publisher: Publisher
    actions: Actions
    commands: Commands
    ingest: Ingest
    morning: Morning
    wake: WakeSignals
    alarms: NextAlarms
    readings: StrapReadings
    scales: ScaleReadings
    pulls: MorningPull
    today: Callable[[], tuple[date, datetime]]


class Consumer:
    """Takes events off the queue one at a time until ``Stop``."""

    def __init__(
        self, parts: Parts, *, on_decision: Callable[[Decision], None] | None = None
    ) -> None:
        self._p, self._on_decision = parts, on_decision
        # The consumer's own state: which commands' decisions wait for the commands to pause.
        self.commanded = CommandedDecisions(
            decide=self._decide_commanded, put=parts.queue.put_nowait
        )

    async def run(self) -> None:
        """Handle events until ``Stop``; a failing event is reported and the next one handled."""
        p = self._p
        while True:
            event = await p.queue.get()
            if isinstance(event, ev.Stop):
                return
            if isinstance(event, ev.CommandReceived) and not event.current():
                # Its session ended before it was handled: the broker delivers it again on
                # the next one (it was never acknowledged), and it is handled then, once.
                continue
            try:
                with p.health.operation(f"{HANDLING}{type(event).__name__}"):
                    await self._handle(event)
                if isinstance(event, ev.CommandReceived):
                    # Handled (stored, applied or refused): the broker may forget it. After a
                    # store error it is not acknowledged: delivered again on the next session.
                    event.ack()
                if p.ingest.due(queue_empty=p.queue.empty()):
                    # Ingested data is decided on once the messages waiting have been stored
                    # (a bulk upload is one decision, not one per message).
                    self._redecide()
                if not isinstance(event, ev.StorePoll | ev.WakePoll | ev.EntityState) and (
                    p.queue.empty() or not isinstance(event, ev.CommandReceived)
                ):
                    await self._flush()
            except sqlite3.Error as exc:
                # The store is unusable for now (disk full, read-only, locked too long): say so,
                # report it on the household's problem sensor and keep serving; the next poll
                # or the next day's decision tries again.
                log.error("store error while handling %s: %s", type(event).__name__, exc)  # noqa: TRY400 - one line, no traceback, for an operational fault
            except Exception:
                # A bug must not stop the household's daemon: report it whole and go on.
                log.exception("unexpected error while handling %s", type(event).__name__)
            if p.health.changed:
                await p.publisher.health()
            # The queue hands out what it holds without suspending: let the MQTT connection
            # (keepalives, acknowledgements), timers and spawned work run between two events.
            await asyncio.sleep(0)

    async def _handle(self, event: ev.Event) -> None:  # noqa: C901, PLR0912 - one case per event
        p = self._p
        match event:
            case ev.BrokerConnected() | ev.RediscoveryDue():
                await self._connected(event)
            case ev.CommandReceived():
                self.received(event)
            case ev.CommandsSettled():
                self.commanded.settled()
            case ev.NotificationAction(action=action):
                self._accepted(p.commands.notification(action))
            case ev.NotificationSent() | ev.SummaryDue() | ev.ChartDue() | ev.ChartRendered():
                await p.morning.handle(event, p.today()[1])
            case ev.HomeAssistantOnline():
                p.schedule.rediscovery()
            case ev.DecisionDue(trigger=trigger):
                self._redecide(trigger)
                await p.publisher.decisions(*p.today())
            case ev.ActionDue(key=key):
                p.actions.start(key)
            case ev.ClockJumped(seconds=seconds):
                p.schedule.clock_jumped(seconds)
                p.actions.clock_jumped(seconds)
            case ev.ActionFinished(action=action, status=status, detail=detail):
                p.actions.finished(action, status, detail)
            case ev.EntityState(entity=entity, state=state):
                self._wake_signal(entity, state)
                if p.alarms.observed(entity, state, p.today()[0]) is not None:
                    self._redecide("next alarm")
                    await p.publisher.decisions(*p.today())
            case ev.WakePoll():
                _, now = p.today()
                p.wake.poll(p.actions.not_yet_run(now), now)
                p.alarms.poll()
            case ev.MeasureDue(athlete=athlete):
                p.readings.measure(athlete)
            case ev.ReadingDone():
                self._reading_done(event)
            case ev.WeighDue(athlete=athlete):
                p.scales.weigh(athlete)
            case ev.WeighingDone():
                if p.scales.done(event):
                    self._redecide("weight")
            case ev.PullDue():
                p.pulls.start(p.today()[0])
            case ev.PullDone():
                self._pulled(event)
            case ev.StorePoll():
                await self._poll_store()

    def cancel(self) -> None:
        """Cancel the timers the consumer armed (the daemon stops)."""
        self.commanded.cancel()

    # Deciding -------------------------------------------------------------------------------

    def _decide_all(
        self, trigger: str, *, asked_by: str | None = None, force: bool = False
    ) -> None:
        """Decide today for every athlete whose inputs changed, and tell who follows them."""
        p = self._p
        today, now = p.today()
        decided = decide_household(
            p.store, p.config, trigger, today, now, asked_by=asked_by, force=force
        )
        for athlete in decided.early:
            p.publisher.provisional(athlete, today, now)
        for decision in decided.new:
            plan = decision.plan
            p.morning.decided(plan.athlete)
            p.publisher.event(
                plan.athlete, "decision", protocol=plan.protocol.value,
                readiness=plan.readiness.score, revision=decision.revision, trigger=trigger,
                reasons=list(plan.reasons[:3]),
            )  # fmt: skip
            if self._on_decision is not None:
                self._on_decision(decision)

    def _redecide(self, trigger: str = "new data") -> None:
        """Decide today again (new data is stored, or it is time), and rebuild the timeline."""
        with self._p.health.operation(DECIDING):
            self._decide_all(trigger)
        self._p.actions.rebuild()

    def _decide_commanded(self, asked: Mapping[str, bool]) -> None:
        """Decide for the athletes whose commands asked for it (``force``: even unchanged)."""
        with self._p.health.operation(DECIDING):
            for athlete, force in asked.items():
                self._decide_all("command", asked_by=athlete, force=force)
        self._p.actions.rebuild()

    async def _poll_store(self) -> None:
        """Decide again when another process (an import) changed the store."""
        p = self._p
        p.watch.poll()
        if p.health.failing(DECIDING):
            # Deciding failed: try it again (healthy again only once it works). The error was
            # logged once; the retry does not repeat it every poll.
            try:
                self._redecide("retry")
            except sqlite3.Error as exc:
                log.debug("deciding still fails: %s", exc)
                return
        version = p.watch.changed()
        if version is not None:
            self._redecide()
            p.watch.seen(version)  # only now: if deciding failed, the next poll tries again
            await p.publisher.decisions(*p.today())
            await self._flush()

    # What arrives ---------------------------------------------------------------------------

    def received(self, event: ev.CommandReceived) -> None:
        """A command, or data on an ingest topic (stored; decided on in batches)."""
        if self._p.topics.parse_command(event.topic) is None:
            self._p.ingest.received(event.topic, event.payload)
        else:
            self._accepted(self._p.commands.received(event))

    def _accepted(self, accepted: Accepted | None) -> None:
        """Report an accepted command and let it change the day."""
        if accepted is None:
            return
        athlete, control, applied = accepted.athlete, accepted.control, accepted.applied
        log.info("%s: %s", athlete or HOUSEHOLD, applied.summary)
        if athlete is not None:
            self._p.publisher.event(
                athlete, "command", supersedes=control, control=control, summary=applied.summary
            )
        if applied.redecide and athlete is not None:
            self.commanded.ask(athlete, force=applied.force)
        if applied.rebuild:
            self._p.actions.rebuild()
        if applied.household:
            self._p.publisher.household_changed()

    def _pulled(self, event: ev.PullDone) -> None:
        """Store what one source brought and decide again."""
        changed, error = self._p.pulls.finish(event)
        if error is not None:
            self._p.publisher.error(event.athlete, f"pull {event.pulled.source}", error)
        if changed:  # the consumer's flush publishes the new decision
            self._redecide()

    def _reading_done(self, done: ev.ReadingDone) -> None:
        reading = self._p.readings.done(done)
        if reading is None:
            return
        self._p.publisher.event(
            done.athlete, "reading", rmssd_ms=reading.rmssd_ms, good=reading.good,
            quality=list(reading.quality),
        )  # fmt: skip
        self._redecide()

    def _wake_signal(self, entity: str, state: str | None) -> None:
        p = self._p
        _, now = p.today()
        for action in p.wake.observed(entity, state, p.actions.not_yet_run(now), now):
            p.actions.start(action.key)
            athlete = p.config.athlete(action.athlete)
            if athlete.hrv_strap is not None and athlete.hrv_strap.after_wake:
                p.readings.measure(action.athlete)
            if athlete.fuel.scale is not None and athlete.fuel.scale.after_wake:
                p.scales.weigh(action.athlete)

    # The broker -----------------------------------------------------------------------------

    async def _connected(self, event: ev.BrokerConnected | ev.RediscoveryDue) -> None:
        """A new broker session (or a restarted Home Assistant) gets everything again."""
        p = self._p
        p.publisher.reconnected()
        await p.publisher.discovery()
        await p.publisher.decisions(*p.today())
        if isinstance(event, ev.BrokerConnected):
            p.watch.alive()
            p.actions.send_unsent()

    async def _flush(self) -> None:
        """Publish what the last event changed; then send the summaries that are due."""
        today, now = self._p.today()
        if await self._p.publisher.flush(today, now):
            self._p.morning.send_due(now)

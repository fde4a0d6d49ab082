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
import contextlib
import json
import logging
import math
import random
import signal
import sqlite3
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any
from typing import Protocol as TypingProtocol

from integrations.devices.dry_run import DryRun
from integrations.devices.mqtt_devices import MqttDevices
from integrations.devices.tracker import StateTracker
from integrations.mqtt.link import MqttLink
from integrations.mqtt.payloads import (
    event_message,
)
from integrations.mqtt.topics import HOUSEHOLD, Message, Topics

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import Applied, apply_command, paused
from recoveryd.daemon.deciding import decide_and_store
from recoveryd.daemon.health import HANDLING, Health
from recoveryd.daemon.household_day import household_day, start_refusal, stored_plans
from recoveryd.daemon.morning import Morning
from recoveryd.daemon.morning_pull import Fetch, MorningPull
from recoveryd.daemon.ports import Actuator, StateReader
from recoveryd.daemon.publishing import Publisher
from recoveryd.daemon.schedule import Schedule
from recoveryd.daemon.settle import CommandedDecisions
from recoveryd.daemon.strap import StrapReadings, StrapRecorder
from recoveryd.daemon.wake_signals import WakeSignals
from recoveryd.domain.clock import Reading, elapsed, read_system, span
from recoveryd.domain.commands import CommandError, parse_command, stale_command
from recoveryd.domain.events import (
    ActionDue,
    ActionFinished,
    BrokerConnected,
    ChartDue,
    ChartRendered,
    ClockJumped,
    CommandReceived,
    CommandsSettled,
    DecisionDue,
    EntityState,
    Event,
    EventQueue,
    HomeAssistantOnline,
    MeasureDue,
    NotificationAction,
    NotificationSent,
    PullDone,
    PullDue,
    ReadingDone,
    RediscoveryDue,
    Stop,
    StorePoll,
    SummaryDue,
    WakePoll,
)
from recoveryd.domain.ingest import IngestError, parse_ingest
from recoveryd.domain.models import (
    CHECKIN_ITEMS,
    SAFE_COMMANDS,
    SWITCH_ONS,
    Action,
    CheckIn,
    Decision,
    Night,
)
from recoveryd.home.device_ledger import (
    already_on,
    budget_of,
    budget_refusal,
    session_of,
    sessions,
)
from recoveryd.home.notification import (
    action_command,
)
from recoveryd.home.safety import Sensors
from recoveryd.home.safety import check as safety_check
from recoveryd.home.timeline import GRACE, catch_up, describe, due, switch_off_for
from recoveryd.store.database import Store
from recoveryd.store.journal import Origin

if TYPE_CHECKING:  # imported when used: Bluetooth, Home Assistant and apprise are heavy
    from integrations.homeassistant.actuator import HomeAssistant
    from integrations.homeassistant.notify import HomeAssistantNotifier

log = logging.getLogger(__name__)

CHART_SPAN = timedelta(days=29)  # the chart shows today and the 29 days before
CHART_DELAY_S = 1.0  # quiet time after a decision before its chart is drawn
INGEST_BATCH_S = 1.0  # during a flood of ingest messages, decide at least this often
INGEST_ERROR = "error"  # <base>/<athlete>/ingest/error carries the rejections
ALIVE_KEY = "daemon_alive_at"  # the setting the daemon refreshes at every store poll
DECIDING = "deciding"  # the operation the problem sensor names when decisions fail


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
        actuators: Mapping[str, Actuator] | None = None,
        state_reader: StateReader | None = None,
        strap_recorder: StrapRecorder | None = None,
        fetch: Fetch | None = None,
        system_clock: Callable[[], Reading] = read_system,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        # The start checks and switch-offs of sessions under way, and how far the clock has
        # jumped since their switch-on: a session keeps its real length either way.
        self._shifts: dict[str, timedelta] = {}
        self.store = Store(config.storage.path)
        self.topics = Topics(
            base=config.mqtt.base_topic,
            discovery_prefix=config.homeassistant.discovery_prefix,
            ha_status=config.homeassistant.status_topic,
        )
        self.queue: asyncio.Queue[Event] = EventQueue()
        self.tracker = StateTracker()
        device_topics = [t for d in config.devices.values() for t in MqttDevices.state_topics(d)]
        # The previous process's last sign of life: a command the broker kept since then was
        # pressed while no daemon listened.
        away_since = _parse_time(self.store.setting(ALIVE_KEY))
        self.link = MqttLink(
            config.mqtt,
            self.topics.availability,
            config.homeassistant.status_topic if config.homeassistant.discovery else None,
            self.queue.put_nowait,
            device_topics=device_topics,
            on_device_message=self.tracker.feed,
            command_filters=(self.topics.commands, self.topics.ingests),
            ingest_filter=self.topics.ingests,
            away_since=away_since,
            now=self.clock.now,
        )
        self.actuators = actuators or _actuators(config, self.link, self.tracker)
        self.state_reader = state_reader or _home_assistant(config)
        self.timeline: dict[str, Action] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._on_decision = on_decision
        self._data_version = self.store.data_version()
        self._pending_timers: set[asyncio.TimerHandle] = set()
        self._in_flight: dict[str, Action] = {}  # started, not yet finished
        self.notifier = _notifier(config)
        self.health = Health()  # what fails now: the household's problem sensor
        self.publisher = Publisher(
            config, self.store, self.topics, self.link, self.health, timeline=self.todays_actions
        )
        self.morning = Morning(
            config, self.store, self.topics, notifier=self.notifier, put=self.queue.put_nowait,
            spawn=self._spawn, publish=self.publisher.publish, timeline=self.todays_actions,
            connected=lambda: self.link.connected,
        )  # fmt: skip
        self.wake = WakeSignals(
            reader=self.state_reader, put=self.queue.put_nowait, spawn=self._spawn
        )
        self.readings = StrapReadings(
            config, self.store, record=strap_recorder, put=self.queue.put_nowait,
            spawn=self._spawn, now=lambda: self._today()[1],
        )  # fmt: skip
        self._ingested = False  # stored ingest data not yet decided on
        self._unsent: set[str] = set()  # turn-ons held back while the broker was away
        self._decided_at = 0.0
        self.commanded = CommandedDecisions(
            decide=self._decide_commanded, put=self.queue.put_nowait
        )
        self.pulls = MorningPull(
            config, self.store, spawn=self._spawn, put=self.queue.put_nowait, fetch=fetch
        )
        self.schedule = Schedule(
            config, now=self.clock.now, put=self.queue.put_nowait, system_clock=system_clock,
            pulls=self.pulls.configured,
        )  # fmt: skip

    # Lifecycle ------------------------------------------------------------------------------

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
                consumer = group.create_task(self._consume(), name="consumer")
                self.queue.put_nowait(DecisionDue("startup"))
                # A summary whose interval was still running at the last stop is looked at
                # again (what was sent is in the store: nothing goes out twice).
                self.morning.look_again()
                self.queue.put_nowait(PullDue("startup"))
                await stop.wait()
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
            self.commanded.cancel()
            self.morning.cancel()
            for timer in self._pending_timers:
                timer.cancel()
            self.store.close()
            log.info("stopped")

    def _clock_jumped(self, event: ClockJumped) -> None:
        """Plan the day again on the new clock; a session under way keeps its real length."""
        log.warning(
            "the system clock jumped %s by %s (or the machine slept): planning the day again",
            "forward" if event.seconds > 0 else "back", span(event.seconds),
        )  # fmt: skip
        self.schedule.clock_jumped()
        settled = self.store.settled_actions(self._today()[0])
        for key in self._shifts:
            if key not in settled:  # its end moves with the clock
                self._shifts[key] += timedelta(seconds=event.seconds)
        self._rebuild_timeline()

    # The one consumer -----------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self.queue.get()
            if isinstance(event, Stop):
                return
            if isinstance(event, CommandReceived) and not event.current():
                # Its session ended before it was handled: the broker delivers it again on
                # the next one (it was never acknowledged), and it is handled then, once.
                continue
            try:
                with self.health.operation(f"{HANDLING}{type(event).__name__}"):
                    await self._handle(event)
                if isinstance(event, CommandReceived):
                    # Handled (stored, applied or refused): the broker may forget it. After a
                    # store error it is not acknowledged: delivered again on the next session.
                    event.ack()
                if self._ingested and (
                    self.queue.empty() or monotonic() - self._decided_at > INGEST_BATCH_S
                ):
                    # Ingested data is decided on once the messages waiting have been stored
                    # (a bulk upload is one decision, not one per message).
                    self._ingested = False
                    self._decided_at = monotonic()
                    self._redecide()
                if not isinstance(event, StorePoll | WakePoll | EntityState) and (
                    self.queue.empty() or not isinstance(event, CommandReceived)
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
            if self.health.changed:
                await self.publisher.health()
            # The queue hands out what it holds without suspending: let the MQTT connection
            # (keepalives, acknowledgements), timers and spawned work run between two events.
            await asyncio.sleep(0)

    async def _handle(self, event: Event) -> None:
        match event:
            case BrokerConnected() | RediscoveryDue():
                await self._connected(event)
            case CommandReceived() | CommandsSettled():
                self._commands(event)
            case (
                NotificationAction()
                | NotificationSent()
                | SummaryDue()
                | ChartDue()
                | ChartRendered()
            ):
                await self._morning_event(event)
            case HomeAssistantOnline():
                self._schedule_rediscovery()
            case DecisionDue(trigger=trigger):
                self._redecide(trigger)
                await self.publisher.decisions(*self._today())
            case ActionDue() | ClockJumped():
                self._timer(event)
            case ActionFinished(action=action, status=status, detail=detail):
                self._finish_action(action, status, detail)
            case WakePoll() | EntityState() | MeasureDue() | ReadingDone() | PullDue() | PullDone():
                self._sense(event)
            case StorePoll():
                await self._poll_store()

    def _timer(self, event: ActionDue | ClockJumped) -> None:
        if isinstance(event, ActionDue):
            self._start_action(event.key)
        else:
            self._clock_jumped(event)

    def _pull(self, event: PullDue | PullDone) -> None:
        """Start the morning pull, or store what one source brought and decide again."""
        if isinstance(event, PullDue):
            self.pulls.start(self._today()[0])
            return
        changed, error = self.pulls.finish(event)
        if error is not None:
            self._report_error(event.athlete, f"pull {event.pulled.source}", error)
        if changed:  # the consumer's flush publishes the new decision
            self._redecide()

    async def _poll_store(self) -> None:
        """Decide again when another process (an import) changed the store."""
        self._alive()
        if self.health.handling_failed():
            try:
                self.store.set_setting("store_checked_at", self._today()[1].isoformat())
            except sqlite3.Error as exc:
                log.debug("the store still cannot be written: %s", exc)
            else:
                self.health.probed()
        if self.health.failing(DECIDING):
            # Deciding failed: try it again (healthy again only once it works). The error was
            # logged once; the retry does not repeat it every poll.
            try:
                self._redecide("retry")
            except sqlite3.Error as exc:
                log.debug("deciding still fails: %s", exc)
                return
        version = self.store.data_version()
        if version != self._data_version:
            self._redecide()
            # Only now: if deciding failed, the next poll tries again.
            self._data_version = version
            await self.publisher.decisions(*self._today())
            await self._flush()

    def _alive(self) -> None:
        """Note that the daemon is listening (the age bound of commands kept while away).

        Only while connected: a daemon cut off from the broker is not listening either.
        """
        if not self.link.connected:
            return
        with contextlib.suppress(sqlite3.Error):  # an unusable store is reported by its users
            self.store.set_setting(ALIVE_KEY, self._today()[1].isoformat())

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run device or network I/O beside the consumer; it reports back through the queue.

        The task is kept until it ends (asyncio holds only weak references) and cancelled on
        stop.
        """
        task = asyncio.create_task(work, name=name)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _report_error(self, athlete: str, control: str, error: str) -> None:
        """A refused command or button, on the athlete's event entity."""
        event = event_message(self.topics, athlete, "error", control=control, error=error)
        self.publisher.post(replace(event, supersedes=control))

    def todays_actions(self) -> Iterable[Action]:
        """Today's timeline as it stands (the dict is replaced at every rebuild: ask each time)."""
        return self.timeline.values()

    def _today(self) -> tuple[date, datetime]:
        now = self.clock.now().astimezone(self.config.zone)
        return now.date(), now

    def _decide_all(
        self, trigger: str, *, asked_by: str | None = None, force: bool = False
    ) -> None:
        """Decide today for every athlete whose inputs changed.

        ``asked_by`` is decided also before the decision time, and with ``force`` even when
        nothing changed.
        """
        today, now = self._today()
        due = now.time() >= self.config.household.decide_at or trigger == "schedule"
        for athlete in self.config.athletes:
            asked = athlete.id == asked_by
            decided = self.store.latest_decision(athlete.id, today) is not None
            if not due and not decided and not asked:
                log.debug(
                    "%s: %s before the daily decision time; not deciding yet", athlete.id, trigger
                )
                self.publisher.provisional(athlete.id, today, now)
                continue
            decision = decide_and_store(
                self.store, self.config, athlete.id, today, now, force=force and asked
            )
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
            self.morning.decided(athlete.id)
            self.publisher.post(
                event_message(
                    self.topics, athlete.id, "decision", protocol=plan.protocol.value,
                    readiness=plan.readiness.score, revision=decision.revision, trigger=trigger,
                    reasons=list(plan.reasons[:3]),
                )
            )  # fmt: skip
            if self._on_decision is not None:
                self._on_decision(decision)

    # The timeline ---------------------------------------------------------------------------

    def _redecide(self, trigger: str = "new data") -> None:
        """Decide today again (new data is stored, or it is time), and rebuild the timeline."""
        with self.health.operation(DECIDING):
            self._decide_all(trigger)
        self._rebuild_timeline()

    def _rebuild_timeline(self) -> None:
        """Today's household timeline from the stored decisions and the log, caught up to now."""
        today, now = self._today()
        day = household_day(
            self.store, self.config, today, stored_plans(self.store, self.config, today)
        )
        fresh = {a.key: a for a in day.actions}
        settled = self.store.settled_actions(today)
        for key in set(self.timeline) - set(fresh):
            self.schedule.forget_action(key)
        self.timeline = fresh
        for key in day.ending:
            # Found under way (after a restart too): its end keeps to real time from now on.
            self._shifts.setdefault(key, timedelta(0))
        plan = catch_up(fresh.values(), settled, now, self._shifts, day.due_now)
        log.info(
            "timeline for %s: %d actions, %d to run now, %d scheduled, %d missed%s",
            today, len(fresh), len(plan.run_now), len(plan.later), len(plan.missed),
            "".join(f"\n  {a.at:%H:%M} {a.athlete}: {describe(a)}"
                    + (f" ({why})" if (why := day.notes.get(a.key) or day.refused.get(a.key))
                       else "")
                    for a in day.actions),
        )  # fmt: skip
        for action in plan.missed:
            self.store.log_action(
                action, "missed", "too late to start after a restart or a clock jump", now
            )
            log.warning(
                "missed %s %s of %s at %s", action.command, action.device, action.athlete, action.at
            )
        if any(a.command in SWITCH_ONS for a in plan.missed):
            # Nothing more of a missed switch-on's session runs (its switch-off would cut
            # into the next session on a shared device): plan again without it.
            self._rebuild_timeline()
            return
        for action in plan.run_now:
            # Started here, not queued: what is due must not wait behind publishing.
            self._start_action(action.key)
        for action in plan.later:
            self.schedule.action_at(action.key, elapsed(now, due(action, self._shifts)))

    async def _connected(self, event: BrokerConnected | RediscoveryDue) -> None:
        """A new broker session (or a restarted Home Assistant) gets everything again."""
        self.publisher.reconnected()
        await self.publisher.discovery()
        await self.publisher.decisions(*self._today())
        if isinstance(event, BrokerConnected):
            self._alive()
            self._send_unsent()

    def _send_unsent(self) -> None:
        """The turn-ons the broker's absence held back: sent now, or missed if too late."""
        _, now = self._today()
        held = [self.timeline[k] for k in sorted(self._unsent) if k in self.timeline]
        self._unsent.clear()
        plan = catch_up(held, self.store.settled_actions(now.date()), now)
        for action in plan.missed:
            self.store.log_action(action, "missed", "the MQTT broker was away until too late", now)
            log.warning("missed %s %s: the broker was away until too late", action.command,
                        action.device)  # fmt: skip
        for action in plan.run_now:
            self._start_action(action.key)

    def _start_action(self, key: str) -> None:
        today, now = self._today()
        action = self.timeline.get(key)
        if action is None or key in self._in_flight or key in self.store.settled_actions(today):
            # In flight: a timeline rebuilt while a device confirms must not send it twice.
            return
        if action.command in SAFE_COMMANDS and any(
            a.device == action.device and a.command in SWITCH_ONS for a in self._in_flight.values()
        ):
            # One command at a time per device: a switch-off sent while its switch-on is still
            # being confirmed could reach the device first and leave it on. It runs once the
            # switch-on has finished (the timeline is planned again then).
            return
        if action.command not in SAFE_COMMANDS and paused(self.store):
            # Paused: nothing starts; whatever is on is still switched off.
            self.queue.put_nowait(ActionFinished(action, "paused", "actuation is paused"))
            return
        sent = action
        if action.command in SWITCH_ONS:
            refusal = self._switch_on_refusal(action, today)
            if refusal is None and action.ends_at is not None:
                # The device-side auto-off is armed for the rest of the session, not its
                # planned length: a switch-on run late must not outlast its planned end.
                rest = math.ceil(elapsed(now, action.ends_at).total_seconds())
                if rest <= 0:
                    refusal = "refused: its session would already be over"
                sent = replace(action, params=(*action.params, ("auto_off_s", str(rest))))
            if refusal is not None:
                self.queue.put_nowait(ActionFinished(action, "refused", refusal))
                return
            # An unreachable device is tried again until the action's grace window ends.
            grace = due(action, self._shifts) + GRACE.get(action.command, timedelta(0))
            until = grace if action.ends_at is None else min(grace, action.ends_at)
            retry_s = max(0, math.floor(elapsed(now, until).total_seconds()))
            sent = replace(sent, params=(*sent.params, ("retry_s", str(retry_s))))
            # Logged before it goes out: if the daemon dies before the device answers, the
            # device may be on, and its switch-off is owed from the log after a restart.
            self.store.log_action(action, "sending", "sent; waiting for the device", now)
        self._in_flight[key] = action
        self._spawn(self._run_action(sent), f"action {key}")
        if action.command in SWITCH_ONS:
            # The session's start check and switch-offs now keep to its real time.
            end = switch_off_for(action, self.timeline.values())
            session = [] if end is None else [
                a for a in self.timeline.values()
                if a.device == action.device and a.command in SAFE_COMMANDS
                and action.at < a.at <= end.at
            ]  # fmt: skip
            owed = session_of(action).switch_off(now=False)
            for a in (*session, owed):
                self._shifts.setdefault(a.key, timedelta(0))

    def _switch_on_refusal(self, action: Action, today: date) -> str | None:
        """Why a switch-on must not run now: its device is still on, or its day is spent.

        Counted from the action log, so no restart, command or plan change escapes it.
        """
        found = sessions(self.store.action_log(today - timedelta(days=1), today))
        return already_on(action.device, found, action.key) or budget_refusal(
            action, found, budget_of(self.config.devices[action.device])
        )

    async def _run_action(self, action: Action) -> None:
        """Guard, act, and report back through the queue (the consumer logs it).

        Whatever happens, the outcome is reported: an action that never reports stays in
        flight, and its device's switch-off would wait for it.
        """
        device = self.config.devices[action.device]
        actuator = self.actuators[device.via]
        try:
            sensors = await actuator.sensors(device) if action.command == "heat_on" else Sensors()
            verdict = safety_check(action, sensors)
            if not verdict.allowed:
                self.queue.put_nowait(ActionFinished(action, "refused", verdict.reason))
                return
            result = await actuator.execute(action, device)
        except Exception as exc:  # a bug in an adapter: the device's state is unknown
            log.exception("%s %s: unexpected error", action.command, action.device)
            self.queue.put_nowait(ActionFinished(action, "failed", f"unexpected error: {exc}"))
            return
        self.queue.put_nowait(ActionFinished(action, result.status, result.detail))

    def _finish_action(self, action: Action, status: str, detail: str) -> None:
        _, now = self._today()
        self._in_flight.pop(action.key, None)
        if status == "unsent":
            # The broker is away and nothing reached the device: sent when it is back, if
            # still inside the action's grace window (what the timeline's catch-up decides).
            log.warning(
                "%s %s waits for the MQTT broker: %s", action.command, action.device, detail
            )
            self.store.log_action(action, "unsent", detail, now)
            self._unsent.add(action.key)
            return
        self.store.log_action(action, status, detail, now)
        self.publisher.post(
            event_message(
                self.topics, action.athlete, "action", command=action.command,
                device=action.device, modality=action.modality, status=status, detail=detail,
            )
        )  # fmt: skip
        line = "%s %s %s (%s): %s"
        args = (action.command, action.device, status, action.athlete, detail)
        if status == "failed":
            log.error(line, *args)
        elif status == "refused":
            log.warning(line, *args)
        else:
            log.info(line, *args)
        if status == "failed" and action.command in SAFE_COMMANDS:
            # Heat must come off: try again in a minute, for as long as it takes.
            loop = asyncio.get_running_loop()
            handle = loop.call_later(60.0, self.queue.put_nowait, ActionDue(action.key))
            self._pending_timers.add(handle)
        if action.command in SWITCH_ONS:
            # What the log now says of the device changes the day: a failed switch-on leaves
            # its state unknown (its switch-off runs at once), one that did not start frees
            # its device for the next session, and one confirmed after a Skip is owed its
            # switch-off now.
            self._rebuild_timeline()

    # The wake signal ---------------------------------------------------------------------

    def _sense(
        self, event: WakePoll | EntityState | MeasureDue | ReadingDone | PullDue | PullDone
    ) -> None:
        match event:
            case PullDue() | PullDone():
                self._pull(event)
            case EntityState(entity=entity, state=state):
                self._wake_signal(entity, state)
            case WakePoll():
                self._read_wake_entities()
            case MeasureDue(athlete=athlete):
                self.readings.measure(athlete)
            case ReadingDone():
                self._reading_done(event)

    # The morning HRV reading --------------------------------------------------------------

    def _reading_done(self, done: ReadingDone) -> None:
        reading = self.readings.done(done)
        if reading is None:
            return
        self.publisher.post(
            event_message(
                self.topics, done.athlete, "reading", rmssd_ms=reading.rmssd_ms,
                good=reading.good, quality=list(reading.quality),
            )
        )  # fmt: skip
        self._redecide()

    # Commands from Home Assistant ------------------------------------------------------

    def _not_yet_run(self, now: datetime) -> list[Action]:
        """Today's actions neither settled nor under way."""
        settled = self.store.settled_actions(now.date())
        busy = settled | set(self._in_flight)
        return [a for a in self.timeline.values() if a.key not in busy]

    def _read_wake_entities(self) -> None:
        _, now = self._today()
        self.wake.poll(self._not_yet_run(now), now)

    def _wake_signal(self, entity: str, state: str | None) -> None:
        _, now = self._today()
        for action in self.wake.observed(entity, state, self._not_yet_run(now), now):
            log.info(
                "%s is up (%s is %s): %s scene now instead of at %s",
                action.athlete, entity, state, action.device, f"{action.at:%H:%M}",
            )  # fmt: skip
            self._start_action(action.key)
            strap = self.config.athlete(action.athlete).hrv_strap
            if strap is not None and strap.after_wake:
                self.readings.measure(action.athlete)

    def _start_check(self, now: datetime) -> Callable[[str], str | None]:
        """Why an athlete's session cannot start now (for the start-session button)."""
        return lambda athlete: start_refusal(self.store, self.config, athlete, now)

    def _commands(self, event: CommandReceived | CommandsSettled) -> None:
        if isinstance(event, CommandReceived):
            self._command(event)
        else:
            self.commanded.settled()

    def _command(self, event: CommandReceived) -> None:
        topic, payload = event.topic, event.payload
        parsed = self.topics.parse_command(topic)
        if parsed is None:
            self._ingest(topic, payload)
            return
        if event.retained:
            # A retained command is a press from some time ago, replayed at every connection:
            # never obeyed, and cleared so that it is not replayed again.
            log.error("ignored a retained command on %s; clearing it", topic[:80])
            self.publisher.post(Message(topic, b"", retain=True))
            return
        if not payload:
            return  # the clearing of a retained command, or an empty publish: nothing asked
        owner, control = parsed
        athletes = {a.id for a in self.config.athletes}
        if owner != HOUSEHOLD and owner not in athletes:
            log.error("rejected command on %s: unknown athlete %r", topic, owner[:32])
            return
        athlete = None if owner == HOUSEHOLD else owner
        _, now = self._today()
        try:
            stale_command(control, event.queued_since, now)
            command = parse_command(athlete, control, payload)
            with self.health.operation("storing what arrives over MQTT"):
                applied = apply_command(self.store, command, now, self._start_check(now))
        except CommandError as exc:
            log.error("rejected command for %s: %s", owner, exc)  # noqa: TRY400 - one line
            if athlete is not None:
                self._report_error(athlete, control, str(exc))
            return
        self._applied(athlete, control, applied)

    def _ingest(self, topic: str, payload: bytes) -> None:
        """Night data, a check-in or a session as JSON: checked, stored, decided on."""
        parsed = self.topics.parse_ingest(topic)
        if parsed is None or parsed[1] == INGEST_ERROR:
            return  # our own error reports come back on the same subscription
        athlete, kind = parsed
        if athlete not in {a.id for a in self.config.athletes}:
            log.error("rejected %s on %s: unknown athlete %r", kind[:32], topic, athlete[:32])
            return
        try:
            observation = parse_ingest(athlete, kind, payload)
        except IngestError as exc:
            log.error("rejected ingest for %s: %s", athlete, exc)  # noqa: TRY400 - one line
            error = json.dumps({"kind": kind[:32], "error": str(exc)})
            self.publisher.post(
                Message(self.topics.ingest(athlete, INGEST_ERROR), error, retain=False)
            )
            return
        with self.health.operation("storing what arrives over MQTT"):
            if isinstance(observation, CheckIn):
                for item in CHECKIN_ITEMS:  # only the items given; the others stay as answered
                    value = getattr(observation, item)
                    if value is not None:
                        self.store.set_checkin_item(athlete, observation.date, item, value)
            else:
                origin = Origin("mqtt", f"{kind} over MQTT", athlete)
                if isinstance(observation, Night):
                    self.store.upsert(nights=[observation], origin=origin)
                else:
                    self.store.upsert(sessions=[observation], origin=origin)
        log.debug("%s: %s for %s stored", athlete, kind, observation.date)
        self._ingested = True

    def _applied(self, athlete: str | None, control: str, applied: Applied) -> None:
        """Report an accepted command and let it change the day."""
        log.info("%s: %s", athlete or HOUSEHOLD, applied.summary)
        if athlete is not None:
            event = event_message(
                self.topics, athlete, "command", control=control, summary=applied.summary
            )
            self.publisher.post(replace(event, supersedes=control))
        if applied.redecide and athlete is not None:
            self.commanded.ask(athlete, force=applied.force)
        if applied.rebuild:
            self._rebuild_timeline()
        if applied.household:
            self.publisher.household_changed()

    def _decide_commanded(self, asked: Mapping[str, bool]) -> None:
        """Decide for the athletes whose commands asked for it (``force``: even unchanged)."""
        with self.health.operation(DECIDING):
            for athlete, force in asked.items():
                self._decide_all("command", asked_by=athlete, force=force)
        self._rebuild_timeline()

    async def _flush(self) -> None:
        """Publish what the last event changed; then send the summaries that are due."""
        today, now = self._today()
        if await self.publisher.flush(today, now):
            self.morning.send_due(now)

    # The morning summary ------------------------------------------------------------------

    def _enqueue_action(self, action: str) -> None:
        self.queue.put_nowait(NotificationAction(action))

    async def _morning_event(
        self, event: NotificationAction | NotificationSent | SummaryDue | ChartDue | ChartRendered
    ) -> None:
        if isinstance(event, NotificationAction):
            self._notification_action(event)
        else:
            await self.morning.handle(event, self._today()[1])

    def _notification_action(self, event: NotificationAction) -> None:
        """A button of the morning notification: the same checked commands as MQTT."""
        today, now = self._today()
        athletes = [a.id for a in self.config.athletes]
        athlete = event.action.rsplit("_", 1)[-1]
        decision = self.store.latest_decision(athlete, today) if athlete in athletes else None
        try:
            athlete, command = action_command(
                event.action, athletes, None if decision is None else decision.plan
            )
            applied = (
                Applied("accepted") if command is None
                else apply_command(self.store, command, now, self._start_check(now))
            )  # fmt: skip
        except CommandError as exc:
            log.error("rejected notification action: %s", exc)  # noqa: TRY400 - one line
            if athlete in athletes:
                self._report_error(athlete, "notification", str(exc))
            return
        self._applied(athlete, "notification", applied)

    def _schedule_rediscovery(self) -> None:
        # A small random delay, so a house full of MQTT devices does not answer at once.
        delay = random.uniform(0, self.config.homeassistant.rediscovery_delay_max_s)  # noqa: S311
        loop = asyncio.get_running_loop()
        handle = loop.call_later(delay, self.queue.put_nowait, RediscoveryDue())
        self._pending_timers.add(handle)
        log.info("Home Assistant is online; re-sending discovery in %.1f s", delay)


def _actuators(config: Config, link: MqttLink, tracker: StateTracker) -> dict[str, Actuator]:
    """One actuator per transport; everything is a dry run when the configuration says so."""
    dry = DryRun()
    if config.dry_run:
        return dict.fromkeys(
            ("homeassistant", "zigbee2mqtt", "tasmota", "shelly", "ble", "dry_run"), dry
        )
    mqtt_devices = MqttDevices(link, tracker)
    actuators: dict[str, Actuator] = {
        "dry_run": dry,
        "zigbee2mqtt": mqtt_devices,
        "tasmota": mqtt_devices,
        "shelly": mqtt_devices,
    }
    ble_devices = [d for d in config.devices.values() if d.via == "ble" and d.profile]
    if ble_devices:
        from integrations.ble.gadget import BleGadgets  # noqa: PLC0415 - only with gadgets
        from integrations.ble.profile import load_profile  # noqa: PLC0415

        profiles = {
            d.profile: load_profile(config.resolve(d.profile)) for d in ble_devices if d.profile
        }
        actuators["ble"] = BleGadgets(profiles)
    home_assistant = _home_assistant(config)
    if home_assistant is not None:
        actuators["homeassistant"] = home_assistant
    return actuators


def _home_assistant(config: Config) -> HomeAssistant | None:
    """The Home Assistant client that reads entities, when Home Assistant is configured."""
    ha = config.homeassistant
    if ha.url is None or ha.token is None:
        return None
    from integrations.homeassistant.actuator import HomeAssistant  # noqa: PLC0415

    return HomeAssistant(
        ha.url, ha.token.get_secret_value(), attempts=ha.attempts, verify=ha.verify
    )


def _parse_time(text: str | None) -> datetime | None:
    """A stored ISO time, or ``None`` when there is none (or it cannot be read)."""
    try:
        return None if text is None else datetime.fromisoformat(text)
    except ValueError:
        return None


def _notifier(config: Config) -> HomeAssistantNotifier | None:
    ha = config.homeassistant
    if ha.url is None or ha.token is None:
        return None
    from integrations.homeassistant.notify import HomeAssistantNotifier  # noqa: PLC0415

    return HomeAssistantNotifier(ha.url, ha.token.get_secret_value(), verify=ha.verify)


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

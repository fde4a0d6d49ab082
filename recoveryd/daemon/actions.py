# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Today's actions: the timeline, starting and confirming them, retries, unsent turn-ons.

A collaborator of the consumer that owns its own state: today's timeline, the actions in
flight (sent, not yet confirmed), the turn-ons the broker's absence held back, how far the
clock has jumped since each session under way was switched on, and the retry timers of
switch-offs that failed. Devices are driven beside the consumer (``spawn``); their outcome
comes back through the queue as ``ActionFinished`` and the consumer hands it to
:meth:`Actions.finished`. What is due later is handed to the schedule (``at``/``forget``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import paused
from recoveryd.daemon.household_day import household_day, stored_plans
from recoveryd.daemon.ports import Actuator, PostEvent, Spawn
from recoveryd.domain.clock import elapsed
from recoveryd.domain.events import ActionDue, ActionFinished, Event
from recoveryd.domain.models import SAFE_COMMANDS, SWITCH_ONS, Action
from recoveryd.home.catch_up import GRACE, catch_up, due, switch_off_for
from recoveryd.home.device_ledger import already_on, budget_of, budget_refusal, session_of, sessions
from recoveryd.home.safety import Sensors
from recoveryd.home.safety import check as safety_check
from recoveryd.home.timeline import describe
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

RETRY_SAFE_S = 60.0  # a failed switch-off is tried again this often, for as long as it takes


class Actions:
    """Today's timeline and the actions under way; :meth:`rebuild` after every change."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        actuators: Mapping[str, Actuator],
        today: Callable[[], tuple[date, datetime]],
        put: Callable[[Event], None],
        spawn: Spawn,
        event: PostEvent,
        at: Callable[[str, timedelta], None],
        forget: Callable[[str], None],
    ) -> None:
        self._config, self._store, self._actuators, self._today = config, store, actuators, today
        self._put, self._spawn, self._event, self._at, self._forget = put, spawn, event, at, forget
        self.timeline: dict[str, Action] = {}
        """Today's actions by key (replaced at every rebuild: ask each time)."""
        self._in_flight: dict[str, Action] = {}  # started, not yet finished
        self._unsent: set[str] = set()  # turn-ons held back while the broker was away
        # The start checks and switch-offs of sessions under way, and how far the clock has
        # jumped since their switch-on: a session keeps its real length either way.
        self._shifts: dict[str, timedelta] = {}
        self._retries: set[asyncio.TimerHandle] = set()

    def todays(self) -> Iterable[Action]:
        """Today's timeline as it stands."""
        return self.timeline.values()

    def not_yet_run(self, now: datetime) -> list[Action]:
        """Today's actions neither settled nor under way."""
        busy = self._store.settled_actions(now.date()) | set(self._in_flight)
        return [a for a in self.timeline.values() if a.key not in busy]

    def rebuild(self) -> None:
        """Today's household timeline from the stored decisions and the log, caught up to now."""
        today, now = self._today()
        store, config = self._store, self._config
        day = household_day(store, config, today, stored_plans(store, config, today))
        fresh = {a.key: a for a in day.actions}
        settled = store.settled_actions(today)
        for key in set(self.timeline) - set(fresh):
            self._forget(key)
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
            store.log_action(
                action, "missed", "too late to start after a restart or a clock jump", now
            )
            log.warning(
                "missed %s %s of %s at %s", action.command, action.device, action.athlete, action.at
            )
        if any(a.command in SWITCH_ONS for a in plan.missed):
            # Nothing more of a missed switch-on's session runs (its switch-off would cut
            # into the next session on a shared device): plan again without it.
            self.rebuild()
            return
        for action in plan.run_now:
            # Started here, not queued: what is due must not wait behind publishing.
            self.start(action.key)
        for action in plan.later:
            self._at(action.key, elapsed(now, due(action, self._shifts)))

    def clock_jumped(self, seconds: float) -> None:
        """The clock jumped: sessions under way keep their real length; plan the day again."""
        settled = self._store.settled_actions(self._today()[0])
        for key in self._shifts:
            if key not in settled:  # its end moves with the clock
                self._shifts[key] += timedelta(seconds=seconds)
        self.rebuild()

    def send_unsent(self) -> None:
        """The turn-ons the broker's absence held back: sent now, or missed if too late."""
        _, now = self._today()
        held = [self.timeline[k] for k in sorted(self._unsent) if k in self.timeline]
        self._unsent.clear()
        plan = catch_up(held, self._store.settled_actions(now.date()), now)
        for action in plan.missed:
            self._store.log_action(action, "missed", "the MQTT broker was away until too late", now)
            log.warning("missed %s %s: the broker was away until too late", action.command,
                        action.device)  # fmt: skip
        for action in plan.run_now:
            self.start(action.key)

    def start(self, key: str) -> None:
        """Start today's action ``key`` unless it is settled, under way or must wait."""
        today, now = self._today()
        action = self.timeline.get(key)
        if action is None or key in self._in_flight or key in self._store.settled_actions(today):
            # In flight: a timeline rebuilt while a device confirms must not send it twice.
            return
        if action.command in SAFE_COMMANDS and any(
            a.device == action.device and a.command in SWITCH_ONS for a in self._in_flight.values()
        ):
            # One command at a time per device: a switch-off sent while its switch-on is still
            # being confirmed could reach the device first and leave it on. It runs once the
            # switch-on has finished (the timeline is planned again then).
            return
        if action.command not in SAFE_COMMANDS and paused(self._store):
            # Paused: nothing starts; whatever is on is still switched off.
            self._put(ActionFinished(action, "paused", "actuation is paused"))
            return
        sent = action
        if action.command in SWITCH_ONS:
            sent_or_refusal = self._switch_on(action, today, now)
            if isinstance(sent_or_refusal, str):
                self._put(ActionFinished(action, "refused", sent_or_refusal))
                return
            sent = sent_or_refusal
        self._in_flight[key] = action
        self._spawn(self._run(sent), f"action {key}")
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

    def finished(self, action: Action, status: str, detail: str) -> None:
        """A device's answer (or a refusal): logged, reported, and the day planned again."""
        _, now = self._today()
        self._in_flight.pop(action.key, None)
        if status == "unsent":
            # The broker is away and nothing reached the device: sent when it is back, if
            # still inside the action's grace window (what the timeline's catch-up decides).
            log.warning(
                "%s %s waits for the MQTT broker: %s", action.command, action.device, detail
            )
            self._store.log_action(action, "unsent", detail, now)
            self._unsent.add(action.key)
            return
        self._store.log_action(action, status, detail, now)
        self._event(
            action.athlete, "action", command=action.command, device=action.device,
            modality=action.modality, status=status, detail=detail,
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
            self._retries.add(loop.call_later(RETRY_SAFE_S, self._put, ActionDue(action.key)))
        if action.command in SWITCH_ONS:
            # What the log now says of the device changes the day: a failed switch-on leaves
            # its state unknown (its switch-off runs at once), one that did not start frees
            # its device for the next session, and one confirmed after a Skip is owed its
            # switch-off now.
            self.rebuild()

    def cancel(self) -> None:
        """Cancel the retry timers (the daemon stops)."""
        for timer in self._retries:
            timer.cancel()

    def _switch_on(self, action: Action, today: date, now: datetime) -> Action | str:
        """The switch-on as sent (auto-off and retry window armed), or why it must not run.

        Logged as ``sending`` before it goes out: if the daemon dies before the device
        answers, the device may be on, and its switch-off is owed from the log after a
        restart.
        """
        refusal = self._switch_on_refusal(action, today)
        sent = action
        if refusal is None and action.ends_at is not None:
            # The device-side auto-off is armed for the rest of the session, not its
            # planned length: a switch-on run late must not outlast its planned end.
            rest = math.ceil(elapsed(now, action.ends_at).total_seconds())
            if rest <= 0:
                refusal = "refused: its session would already be over"
            sent = replace(action, params=(*action.params, ("auto_off_s", str(rest))))
        if refusal is not None:
            return refusal
        # An unreachable device is tried again until the action's grace window ends.
        grace = due(action, self._shifts) + GRACE.get(action.command, timedelta(0))
        until = grace if action.ends_at is None else min(grace, action.ends_at)
        retry_s = max(0, math.floor(elapsed(now, until).total_seconds()))
        sent = replace(sent, params=(*sent.params, ("retry_s", str(retry_s))))
        self._store.log_action(action, "sending", "sent; waiting for the device", now)
        return sent

    def _switch_on_refusal(self, action: Action, today: date) -> str | None:
        """Why a switch-on must not run now: its device is still on, or its day is spent.

        Counted from the action log, so no restart, command or plan change escapes it.
        """
        found = sessions(self._store.action_log(today - timedelta(days=1), today))
        return already_on(action.device, found, action.key) or budget_refusal(
            action, found, budget_of(self._config.devices[action.device])
        )

    async def _run(self, action: Action) -> None:
        """Guard, act, and report back through the queue (the consumer hands it back here).

        Whatever happens, the outcome is reported: an action that never reports stays in
        flight, and its device's switch-off would wait for it.
        """
        device = self._config.devices[action.device]
        actuator = self._actuators[device.via]
        try:
            sensors = await actuator.sensors(device) if action.command == "heat_on" else Sensors()
            verdict = safety_check(action, sensors)
            if not verdict.allowed:
                self._put(ActionFinished(action, "refused", verdict.reason))
                return
            result = await actuator.execute(action, device)
        except Exception as exc:  # a bug in an adapter: the device's state is unknown
            log.exception("%s %s: unexpected error", action.command, action.device)
            self._put(ActionFinished(action, "failed", f"unexpected error: {exc}"))
            return
        self._put(ActionFinished(action, result.status, result.detail))

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning's chart and summary of each athlete: when to draw, when to send, what was sent.

A collaborator of the consumer that owns its own state. A decision marks the athlete's chart
and summary due; the chart is drawn a moment later (a burst of re-decisions draws one), in a
child process beside the consumer, and comes back as an event; a summary waits for its chart
(it attaches it), goes out when :func:`~recoveryd.home.notification.summary_due` says so, and
is recorded as sent only when every sender took it. Timers and finished work come back
through the queue; nothing here runs on another thread's state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.ports import Spawn
from recoveryd.domain.clock import elapsed
from recoveryd.domain.events import (
    ChartDue,
    ChartRendered,
    Event,
    NotificationSent,
    SummaryDue,
)
from recoveryd.domain.models import Action
from recoveryd.home.notification import SentSummary, morning_notice, summary_due, summary_of
from recoveryd.integrations.mqtt.discovery import object_id
from recoveryd.integrations.mqtt.topics import Message, Topics
from recoveryd.present.chart import ChartError, render_apart
from recoveryd.store.database import Store

if TYPE_CHECKING:  # Home Assistant's client (13 MB) is imported only where it is configured
    from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier

log = logging.getLogger(__name__)

CHART_SPAN = timedelta(days=29)  # the chart shows today and the 29 days before
CHART_DELAY_S = 1.0  # quiet time after a decision before its chart is drawn

Publish = Callable[[list[Message]], Awaitable[bool]]


def notified_key(athlete: str, day: date) -> str:
    """The setting that holds what the athlete's summary of ``day`` said when it went out."""
    return f"notified:{athlete}:{day.isoformat()}"


class Morning:
    """Charts and morning summaries; the consumer calls it, it answers through the queue."""

    def __init__(
        self,
        config: Config,
        store: Store,
        topics: Topics,
        *,
        notifier: HomeAssistantNotifier | None,
        put: Callable[[Event], None],
        spawn: Spawn,
        publish: Publish,
        timeline: Callable[[], Iterable[Action]],
        connected: Callable[[], bool],
    ) -> None:
        self._config, self._store, self._topics = config, store, topics
        self._notifier = notifier
        self._put, self._spawn, self._publish = put, spawn, publish
        self._timeline, self._connected = timeline, connected
        self._chart_due: set[str] = set()
        self._rendering: set[str] = set()
        self._chart_timers: dict[str, asyncio.TimerHandle] = {}
        self._charts: dict[str, bytes] = {}
        self._notify_due: set[str] = set()
        self._sending: set[str] = set()
        self._again: set[str] = set()
        self._summary_timers: dict[str, asyncio.TimerHandle] = {}

    @property
    def busy(self) -> bool:
        """Whether a summary is due or on its way."""
        return bool(self._notify_due or self._sending)

    def decided(self, athlete: str) -> None:
        """A new decision: its chart is drawn a moment from now, then its summary looked at."""
        self._chart_due.add(athlete)
        self._arm_chart(athlete)
        self._notify_due.add(athlete)

    def look_again(self) -> None:
        """Look at every athlete's summary (after a start: nothing goes out twice)."""
        self._notify_due.update(a.id for a in self._config.athletes)

    def cancel(self) -> None:
        """Cancel the pending timers (the daemon stops)."""
        for timer in (*self._chart_timers.values(), *self._summary_timers.values()):
            timer.cancel()

    def send_due(self, now: datetime) -> None:
        """Send the summaries that are due and whose chart is drawn (or not coming)."""
        for athlete in sorted(self._notify_due - self._chart_due - self._rendering):
            self._notify_due.discard(athlete)
            self._send_summary(athlete, now)

    async def handle(
        self, event: ChartDue | ChartRendered | NotificationSent | SummaryDue, now: datetime
    ) -> None:
        """One of this collaborator's events, back from a timer or finished work."""
        if isinstance(event, ChartDue):
            self._render_chart(event.athlete, now.date())
        elif isinstance(event, ChartRendered):
            await self._chart_rendered(event, now)
        else:
            self._summary_done(event, now.date())

    def _arm_chart(self, athlete: str) -> None:
        """Draw the athlete's chart a moment from now, once.

        What is due runs first, and a burst of re-decisions (a slider moved in Home
        Assistant) draws one chart: each new decision moves the moment on.
        """
        timer = self._chart_timers.pop(athlete, None)
        if timer is not None:
            timer.cancel()
        self._chart_timers[athlete] = asyncio.get_running_loop().call_later(
            CHART_DELAY_S, self._put, ChartDue(athlete)
        )

    def _render_chart(self, athlete: str, today: date) -> None:
        """Render the 30-day chart beside the consumer; it comes back as ChartRendered."""
        self._chart_timers.pop(athlete, None)
        if athlete in self._rendering:  # one at a time; the newest decision is drawn next
            self._arm_chart(athlete)
            return
        self._chart_due.discard(athlete)
        plans = decide_range(self._store, self._config, athlete, today - CHART_SPAN, today)
        title = f"{self._config.athlete(athlete).name}: the last 30 days"
        self._rendering.add(athlete)

        async def render() -> None:
            png: bytes | None = None
            try:
                png = await render_apart(plans, title)
            except (ChartError, OSError) as exc:
                log.error("%s: the chart was not drawn: %s", athlete, exc)  # noqa: TRY400
            finally:
                self._rendering.discard(athlete)
            self._put(ChartRendered(athlete, png))

        self._spawn(render(), f"chart {athlete}")

    async def _chart_rendered(self, event: ChartRendered, now: datetime) -> None:
        if event.png is not None:
            self._charts[event.athlete] = event.png
            await self._publish([Message(self._topics.chart(event.athlete), event.png)])
        if event.athlete in self._notify_due and event.athlete not in self._chart_due:
            self._notify_due.discard(event.athlete)
            self._send_summary(event.athlete, now)

    def _send_summary(self, athlete_id: str, now: datetime) -> None:
        """Send the day's summary when it is due (see :func:`summary_due`), or arm its time."""
        athlete = self._config.athlete(athlete_id)
        decision = self._store.latest_decision(athlete_id, now.date())
        if decision is None or not (athlete.notify or athlete.apprise):
            return
        if athlete_id in self._sending:
            self._again.add(athlete_id)  # looked at again once that one is done
            return
        sent = SentSummary.from_json(self._store.setting(notified_key(athlete_id, now.date())))
        interval = timedelta(minutes=self._config.household.summary_interval_min)
        due_at = summary_due(sent, decision.plan, now, interval)
        if due_at is None:
            log.debug("%s: protocol and session unchanged; no new summary", athlete_id)
            return
        if due_at > now:
            self._arm_summary(athlete_id, elapsed(now, due_at).total_seconds())
            return
        notice = morning_notice(decision.plan, athlete.name, list(self._timeline()))
        image = f"image.{object_id(athlete_id, 'chart')}" if self._connected() else None
        png = self._charts.get(athlete_id)
        urls = [u.get_secret_value() for u in athlete.apprise]
        summary = summary_of(decision.plan, now).to_json()
        self._sending.add(athlete_id)
        notifier = self._notifier

        async def send() -> None:
            sent = False
            try:
                sent = True
                if notifier is not None:
                    for target in athlete.notify:
                        sent &= await notifier.send(target, notice, image)
                if urls:
                    from recoveryd.integrations.notify.apprise_sender import AppriseSender  # noqa: PLC0415

                    sender = AppriseSender(urls)
                    sent &= await asyncio.to_thread(sender.send, notice, png)
            except BaseException:
                sent = False
                raise
            finally:
                done = NotificationSent(athlete_id, decision.revision, summary if sent else None)
                self._put(done)

        self._spawn(send(), f"summary {athlete_id}")

    def _arm_summary(self, athlete_id: str, delay_s: float) -> None:
        """Look at the athlete's summary again in ``delay_s`` (once; a newer arming wins)."""
        timer = self._summary_timers.pop(athlete_id, None)
        if timer is not None:
            timer.cancel()
        self._summary_timers[athlete_id] = asyncio.get_running_loop().call_later(
            delay_s, self._put, SummaryDue(athlete_id)
        )

    def _summary_done(self, event: NotificationSent | SummaryDue, today: date) -> None:
        if isinstance(event, SummaryDue):
            self._summary_timers.pop(event.athlete, None)
            self._notify_due.add(event.athlete)
            return
        self._sending.discard(event.athlete)
        if event.summary is not None:
            self._store.set_setting(notified_key(event.athlete, today), event.summary)
            log.info("%s: morning summary sent (revision %d)", event.athlete, event.revision)
        if event.athlete in self._again:
            self._again.discard(event.athlete)
            self._notify_due.add(event.athlete)

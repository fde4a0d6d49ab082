# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The typed events of the daemon's one queue.

Adapters and timers only put these on the queue; one consumer acts on them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from recoveryd.domain.models import Action
from recoveryd.domain.pulled import Pulled


@dataclass(frozen=True, slots=True)
class BrokerConnected:
    """The MQTT connection is (re-)established and ``online`` was published."""


@dataclass(frozen=True, slots=True)
class HomeAssistantOnline:
    """Home Assistant announced ``online`` on its status topic (it restarted)."""


@dataclass(frozen=True, slots=True)
class RediscoveryDue:
    """The randomised delay after :class:`HomeAssistantOnline` has passed."""


@dataclass(frozen=True, slots=True)
class DecisionDue:
    """Time to decide today: the daily schedule fired, or the daemon just started."""

    trigger: str


@dataclass(frozen=True, slots=True)
class StorePoll:
    """Look whether another process (an import) changed the store."""


@dataclass(frozen=True, slots=True)
class ActionDue:
    """A timeline action's time has come (or it is being caught up)."""

    key: str


@dataclass(frozen=True, slots=True)
class ActionFinished:
    """A device reported what became of an action."""

    action: Action
    status: str
    detail: str


@dataclass(frozen=True, slots=True)
class WakePoll:
    """Time to read the pending wake scenes' entities and the phones' next alarms."""


@dataclass(frozen=True, slots=True)
class EntityState:
    """A Home Assistant entity's state as read just now; ``None`` when it could not be read."""

    entity: str
    state: str | None


@dataclass(frozen=True, slots=True)
class CommandReply:
    """What became of a command: stored (with its summary) or refused (with the reason)."""

    accepted: bool
    text: str
    # A new decision follows (the web panel waits for it before it shows the page again).
    redecide: bool = False


def _no_reply(_: CommandReply) -> None:
    """Commands from MQTT are answered on the athlete's event entity, not here."""


@dataclass(frozen=True, slots=True)
class CommandReceived:
    """A message arrived on a command topic; the consumer checks it before anything happens."""

    topic: str
    payload: bytes
    retained: bool = False
    # Set when the broker kept the message while the daemon was away: it was sent at some
    # time after this one.
    queued_since: datetime | None = None
    # Tells the broker the message was handled (the consumer calls it once it has been).
    ack: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)
    # The household's own controls (pause) pass a burst of athletes' commands and data.
    urgent: bool = False
    # Whether the session that delivered it is still up (if not, the broker delivers it
    # again, unacknowledged, on the next one).
    current: Callable[[], bool] = field(default=lambda: True, compare=False, repr=False)
    # Told what became of the command, once it was checked (the web panel's answer).
    reply: Callable[[CommandReply], None] = field(default=_no_reply, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CommandsSettled:
    """Commands paused long enough (or waited long enough) to decide on them, once."""


@dataclass(frozen=True, slots=True)
class NotificationAction:
    """A button of the morning notification was pressed (its action id)."""

    action: str


@dataclass(frozen=True, slots=True)
class NotificationSent:
    """The morning summary of one decision revision went out (``summary``), or not (``None``).

    ``summary`` is the stored form of :class:`recoveryd.home.notification.SentSummary`.
    """

    athlete: str
    revision: int
    summary: str | None


@dataclass(frozen=True, slots=True)
class SummaryDue:
    """The interval between two morning summaries has passed: send the newest if it changed."""

    athlete: str


@dataclass(frozen=True, slots=True)
class ChartDue:
    """Time to render an athlete's chart: the decisions have been quiet for a moment."""

    athlete: str


@dataclass(frozen=True, slots=True)
class ChartRendered:
    """An athlete's 30-day chart, drawn beside the consumer: PNG bytes, or ``None`` (failed)."""

    athlete: str
    png: bytes | None


@dataclass(frozen=True, slots=True)
class MeasureDue:
    """Time for an athlete's morning HRV reading (the schedule or the wake signal)."""

    athlete: str


@dataclass(frozen=True, slots=True)
class ReadingDone:
    """The strap recording ended: its RR intervals and problems, or why it failed."""

    athlete: str
    rr_ms: tuple[float, ...] = ()
    complete: bool = False
    problems: tuple[str, ...] = ()
    battery_pct: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WeighDue:
    """Time to listen for an athlete's Bluetooth scale (the schedule or the wake signal)."""

    athlete: str


@dataclass(frozen=True, slots=True)
class WeighingDone:
    """The scale listening ended: the weight in kg and what went wrong, or why it failed."""

    athlete: str
    kg: float | None = None
    problems: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ClockJumped:
    """The system's wall clock moved ``seconds`` more than real time did (negative: back)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Stop:
    """Finish the current event and stop consuming."""


@dataclass(frozen=True, slots=True)
class PullDue:
    """Time to pull the athletes' nights from their APIs and Home Assistant sensors."""

    trigger: str


@dataclass(frozen=True, slots=True)
class PullDone:
    """One source's pull for one athlete ended (with nights, or the line saying why not)."""

    athlete: str
    pulled: Pulled


Event = (
    BrokerConnected
    | HomeAssistantOnline
    | RediscoveryDue
    | DecisionDue
    | StorePoll
    | ActionDue
    | ActionFinished
    | WakePoll
    | PullDue
    | PullDone
    | EntityState
    | WeighDue
    | WeighingDone
    | CommandReceived
    | CommandsSettled
    | NotificationAction
    | NotificationSent
    | SummaryDue
    | ChartDue
    | ChartRendered
    | MeasureDue
    | ReadingDone
    | ClockJumped
    | Stop
)


class EventQueue(asyncio.Queue[Event]):
    """The daemon's one queue, in two lanes: what people and devices send in bulk waits.

    Commands and ingested data (:class:`CommandReceived`) arrive in bursts of thousands; a
    timer that fell due, a device's confirmation or a broker event must not wait behind
    them. Each lane keeps its own order; :meth:`get` takes from the other lane first.
    """

    def _init(self, maxsize: int) -> None:  # noqa: ARG002 - asyncio.Queue's hook
        self._urgent: deque[Event] = deque()
        self._bulk: deque[Event] = deque()

    def qsize(self) -> int:
        """Events waiting in both lanes."""
        return len(self._urgent) + len(self._bulk)

    def empty(self) -> bool:
        """Whether no event waits (asyncio.Queue would look at a queue this one has not)."""
        return not (self._urgent or self._bulk)

    def full(self) -> bool:
        """Never: the daemon's queue is unbounded."""
        return False

    def _put(self, item: Event) -> None:
        bulk = isinstance(item, CommandReceived) and not item.urgent
        (self._bulk if bulk else self._urgent).append(item)

    def _get(self) -> Event:
        return self._urgent.popleft() if self._urgent else self._bulk.popleft()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The wake signal: when the morning scene runs early because someone got up. Pure.

Two kinds of entity say that a person is awake:

* a state entity such as a bed-occupancy sensor: awake once it reaches its wake state
  (``off`` by default) after having been seen in another state that morning, so an empty
  bed at dawn (a night away) is not mistaken for getting up;
* a timestamp entity such as the Home Assistant companion app's ``next_alarm`` sensor: awake
  once the alarm time inside the morning's window has come. The time is remembered when it
  is first seen, because the phone moves the sensor on to the next alarm as soon as it rings.

Signals before ``earliest`` are ignored; the scene runs at ``latest`` without a signal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True, slots=True)
class WakeWatch:
    """What one morning's wake entity has shown so far."""

    entity: str
    wake_state: str
    earliest: datetime
    latest: datetime
    seen_asleep: bool = False
    alarm_at: datetime | None = None

    def watching(self, now: datetime) -> bool:
        """Whether the entity is worth reading at ``now``."""
        return self.earliest <= now < self.latest or (
            self.alarm_at is not None and now < self.latest
        )


def _timestamp(state: str) -> datetime | bool | None:
    """The alarm time in ``state``.

    ``False`` when it is no timestamp, ``None`` when it has no time zone (Home Assistant's
    timestamp sensors always carry one).
    """
    try:
        value = datetime.fromisoformat(state)
    except ValueError:
        return False
    return value if value.tzinfo is not None else None


def observe(watch: WakeWatch, state: str | None, now: datetime) -> tuple[WakeWatch, bool]:
    """Feed one reading of the entity taken at ``now``; the second value is "awake now".

    ``state`` is ``None`` when the entity could not be read: that changes nothing.
    """
    if state is not None and now >= watch.earliest:
        alarm = _timestamp(state)
        if isinstance(alarm, datetime):
            if watch.earliest <= alarm < watch.latest:
                watch = replace(watch, alarm_at=alarm)
        elif alarm is None:
            pass  # a time without a zone cannot be placed in the morning
        elif state == watch.wake_state:
            if watch.seen_asleep:
                return watch, True
        elif state not in {"unavailable", "unknown"}:
            watch = replace(watch, seen_asleep=True)
    awake = watch.alarm_at is not None and watch.alarm_at <= now < watch.latest
    return watch, awake

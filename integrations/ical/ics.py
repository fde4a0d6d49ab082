# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The coming week's training as iCalendar (RFC 5545), through the icalendar library.

Event UIDs are stable per athlete and day, so importing the file again updates the events
instead of duplicating them. Times are written in UTC; a session without a start time is
placed at 18:00 local time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from recoveryd.domain.training import Session

DEFAULT_START = time(18, 0)


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One day of the exported week: the session (None: no training) and what it is."""

    day: date
    session: Session | None
    status: str  # e.g. "active_recovery (decided)" or "planned"


def describe(session: Session) -> str:
    """A plain-text description of a session for the event body."""
    lines = [f"{session.sport}, {session.duration_min} min, {session.intensity}"]
    if session.zone:
        lines.append(f"zone {session.zone}")
    if session.target_rpe is not None:
        lines.append(f"target RPE {session.target_rpe:g}")
    for exercise in session.exercises:
        load = f" @ {exercise.load_kg:g} kg" if exercise.load_kg is not None else ""
        lines.append(f"{exercise.name}: {exercise.sets} x {exercise.reps}{load}")
    if session.note:
        lines.append(session.note)
    return "\n".join(lines)


def week_calendar(
    athlete: str, athlete_name: str, days: Sequence[CalendarDay], zone: ZoneInfo, now: datetime
) -> bytes:
    """The iCalendar file for ``days``; a day without a session gets no event."""
    calendar = Calendar()
    calendar.add("prodid", "-//recoveryd//training plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{athlete_name}: training (recoveryd)")
    for item in days:
        if item.session is None:
            continue
        session = item.session
        start = datetime.combine(item.day, session.start or DEFAULT_START, tzinfo=zone)
        event = Event()
        event.add("uid", f"{athlete}-{item.day.isoformat()}@recoveryd")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", start.astimezone(UTC))
        event.add("dtend", (start + timedelta(minutes=session.duration_min)).astimezone(UTC))
        event.add("summary", session.title)
        event.add("description", f"{describe(session)}\n\n{item.status}")
        event.add("categories", [session.sport])
        calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics

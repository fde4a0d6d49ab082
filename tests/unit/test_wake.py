# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The wake signal: a bed sensor's transition or a phone alarm's time, inside the window."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from recoveryd.home.wake import WakeWatch, observe

ZONE = ZoneInfo("Europe/Berlin")


def at(hh: int, mm: int) -> datetime:
    return datetime(2026, 3, 4, hh, mm, tzinfo=ZONE)


WATCH = WakeWatch("binary_sensor.bed", "off", earliest=at(5, 0), latest=at(8, 0))


def feed(readings: list[tuple[datetime, str | None]]) -> list[bool]:
    watch, seen = WATCH, []
    for now, state in readings:
        watch, awake = observe(watch, state, now)
        seen.append(awake)
    return seen


def test_getting_out_of_bed_is_the_signal() -> None:
    assert feed([(at(5, 10), "on"), (at(6, 0), "on"), (at(6, 40), "off")]) == [
        False, False, True,
    ]  # fmt: skip


def test_an_empty_bed_all_morning_is_not_a_signal() -> None:
    # A night away: the bed was never seen occupied, so "off" says nothing about waking.
    assert feed([(at(5, 10), "off"), (at(6, 0), "off"), (at(7, 0), "off")]) == [False] * 3


def test_readings_before_earliest_or_unreadable_change_nothing() -> None:
    # In bed at 04:30 is before the window; unavailable and unreadable are not "asleep".
    assert feed([(at(4, 30), "on"), (at(5, 5), "off")]) == [False, False]
    assert feed([(at(5, 5), "unavailable"), (at(5, 6), None), (at(5, 10), "off")]) == [False] * 3


def test_a_phone_alarm_time_is_remembered_and_fires_when_it_comes() -> None:
    alarm = at(6, 15).isoformat()
    tomorrow = datetime(2026, 3, 5, 6, 15, tzinfo=ZONE).isoformat()
    # The phone moves the sensor on to tomorrow's alarm as soon as today's rings.
    assert feed([(at(5, 30), alarm), (at(6, 0), alarm), (at(6, 16), tomorrow)]) == [
        False, False, True,
    ]  # fmt: skip


def test_an_alarm_outside_the_window_or_without_a_zone_is_ignored() -> None:
    assert feed([(at(5, 30), at(9, 0).isoformat()), (at(9, 1), at(9, 0).isoformat())]) == [
        False, False,
    ]  # fmt: skip
    assert feed([(at(5, 30), "2026-03-04T06:00:00"), (at(6, 30), "off")]) == [False, False]


def test_watching_only_inside_the_window() -> None:
    assert not WATCH.watching(at(4, 59))
    assert WATCH.watching(at(5, 0))
    assert not WATCH.watching(at(8, 0))  # the fallback at latest has taken over

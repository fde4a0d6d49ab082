# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Daylight-saving changes: once per local day, and durations of real time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.domain.clock import (
    Reading,
    elapsed,
    jump,
    later,
    latest_daily,
    local,
    next_daily,
    span,
)
from recoveryd.domain.models import Protocol
from recoveryd.home.catch_up import catch_up
from recoveryd.home.timeline import household_timeline

from tests.unit.test_timeline_safety import DEVICES, plan

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
ZONES = [BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]  # 30-min DST too


@pytest.mark.parametrize("zone", ZONES, ids=str)
@pytest.mark.parametrize("at", [time(2, 30), time(1, 30), time(7, 0), time(0, 0), time(23, 59)])
def test_a_daily_job_runs_once_on_every_local_day_of_a_year(zone: ZoneInfo, at: time) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    days = []
    for _ in range(366):
        fire = next_daily(at, zone, moment)
        assert elapsed(moment, fire) > timedelta(0)
        days.append(fire.astimezone(zone).date())
        moment = fire
    assert days == [days[0] + timedelta(days=i) for i in range(366)]  # none skipped, none twice


def test_times_the_clocks_skip_or_repeat() -> None:
    # Berlin, 29 March 2026: 02:00 becomes 03:00. 25 October: 03:00 becomes 02:00.
    assert local(date(2026, 3, 29), time(2, 30), BERLIN).astimezone(UTC) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    assert local(date(2026, 10, 25), time(2, 30), BERLIN).astimezone(UTC) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )  # the first of the two


@given(
    # hypothesis takes naive bounds and attaches the zone itself.
    start=st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1), timezones=st.just(BERLIN)),  # noqa: DTZ001
    minutes=st.integers(-600, 600),
)
def test_later_adds_real_time(start: datetime, minutes: int) -> None:
    end = later(start, timedelta(minutes=minutes))
    assert elapsed(start, end) == timedelta(minutes=minutes)
    assert end.tzinfo is BERLIN


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)])
def test_sessions_across_the_change_keep_their_durations(day: date) -> None:
    home = ProtocolHomeConfig.model_validate(
        {
            "sauna": {"device": "sauna", "ready_by": "02:15", "minutes": 20, "temp_c": 80},
            "compression": {"device": "boots", "at": "01:50", "minutes": 20},
        }
    )
    actions = household_timeline(
        [replace(plan(), date=day)], {Protocol.ACTIVE_RECOVERY: home}, DEVICES, BERLIN
    )
    by = {(a.device, a.command): a for a in actions}
    boots = elapsed(by["boots", "turn_on"].at, by["boots", "turn_off"].at)
    assert boots == timedelta(minutes=20)
    heat_on, heat_off = by["sauna", "heat_on"], by["sauna", "heat_off"]
    # 30 min pre-heat + 15 min waiting + 20 min session, in real time, and the auto-off agrees.
    assert elapsed(heat_on.at, heat_off.at) == timedelta(minutes=65)
    assert heat_on.param("auto_off_min") == "65"


def test_catch_up_measures_lateness_in_real_time() -> None:
    home = ProtocolHomeConfig.model_validate(
        {"compression": {"device": "boots", "at": "02:50", "minutes": 20}}
    )
    day = date(2026, 10, 25)
    (on, off) = household_timeline(
        [replace(plan(), date=day)], {Protocol.ACTIVE_RECOVERY: home}, DEVICES, BERLIN
    )
    # 02:55 the second time round is 65 minutes after the first 02:50: far beyond the grace.
    second_0255 = datetime(2026, 10, 25, 1, 55, tzinfo=UTC).astimezone(BERLIN)
    result = catch_up([on, off], set(), second_0255)
    assert [a.command for a in result.missed] == ["turn_on"]
    assert [a.command for a in result.run_now] == ["turn_off"]


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),  # noqa: DTZ001 - naive bounds, as hypothesis wants
    st.sampled_from([time(2, 30), time(7, 0), time(0, 0)]),
    st.sampled_from(ZONES),
)
def test_latest_daily_is_the_last_run_at_or_before_now(
    naive: datetime, at: time, zone: ZoneInfo
) -> None:
    now = naive.replace(tzinfo=UTC)
    day = latest_daily(at, zone, now)
    assert elapsed(local(day, at, zone), now) >= timedelta(0)
    assert elapsed(now, local(day + timedelta(days=1), at, zone)) > timedelta(0)


def test_a_jump_is_the_wall_clock_moving_more_than_real_time() -> None:
    before = Reading(wall=1_000.0, mono=50.0)
    assert jump(before, Reading(wall=1_005.0, mono=55.0)) == 0.0
    assert jump(before, Reading(wall=4_605.0, mono=55.0)) == 3_600.0  # set forward an hour
    assert jump(before, Reading(wall=-2_595.0, mono=55.0)) == -3_600.0
    assert [span(s) for s in (6.2, -59.4, 720, 93_900)] == ["6 s", "59 s", "12 min", "26 h 05 min"]

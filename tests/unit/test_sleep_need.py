# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Sleep need, debt, regularity, tomorrow's wake time, and the evening timed from the bedtime."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from recoveryd.config.coach import SleepConfig
from recoveryd.config.home import DeviceConfig
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.domain.coach import SleepNeed
from recoveryd.domain.columns import NightColumns, SessionColumns
from recoveryd.domain.models import DayPlan, HrvStatus, Night, Protocol, Readiness
from recoveryd.domain.training import CompletedSession, Session
from recoveryd.engine import History, TrainingPlan, decide_days
from recoveryd.engine.sleep import SleepNights, sleep_need, typical_load
from recoveryd.home.bedtime import bedtime, wake_time, with_bedtime
from recoveryd.home.timeline import household_timeline

ZONE = ZoneInfo("Europe/Berlin")
END = date(2026, 3, 4)  # a Wednesday
FREE = frozenset({5, 6})


def nights(
    days: int,
    total: float | list[float],
    *,
    onset: float | list[float] = -60.0,
    weekend_total: float | None = None,
) -> list[Night]:
    """``days`` nights ending on END; weekends (free mornings) may sleep differently."""
    found = []
    for k in range(days):
        day = END - timedelta(days=days - 1 - k)
        minutes = total[k] if isinstance(total, list) else total
        if weekend_total is not None and day.weekday() in FREE:
            minutes = weekend_total
        start = onset[k] if isinstance(onset, list) else onset
        found.append(
            Night("alex", day, "oura", hrv_rmssd_ms=60.0, sleep_total_min=minutes,
                  sleep_onset_min=start, sleep_offset_min=start + minutes + 20)
        )  # fmt: skip
    return found


def table(found: list[Night]) -> tuple[SleepNights, int]:
    start = min(n.date for n in found)
    days = (END - start).days + 1
    return SleepNights.of(NightColumns.of(found), ["oura"], start, days, FREE), days - 1


def test_the_baseline_is_the_free_nights_median_else_the_upper_quartile_else_8_h() -> None:
    slept, i = table(nights(60, 420.0, weekend_total=510.0))
    baseline, count = slept.baseline(i)
    assert baseline == 510.0
    assert count == 17  # the Saturday and Sunday mornings of 60 days ending on a Wednesday
    # Free days that are not weekends: the nights ending on them make the baseline.
    slept = SleepNights.of(slept_columns := NightColumns.of(nights(60, 420.0)), ["oura"],
                           END - timedelta(days=59), 60, frozenset())  # fmt: skip
    assert slept.baseline(59) == (420.0, 60)  # no free days: the upper quartile of all
    ranged = [400.0 + k for k in range(20)]
    slept, i = table(nights(20, ranged))
    slept = SleepNights.of(NightColumns.of(nights(20, ranged)), ["oura"],
                           END - timedelta(days=19), 20, frozenset())  # fmt: skip
    assert slept.baseline(19) == (float(np.percentile(ranged, 75)), 20)
    assert len(slept_columns) == 60
    few, i = table(nights(10, 400.0))
    assert few.baseline(i) == (480.0, 0)  # too few nights: the adult default


def test_debt_repayment_and_training_make_the_need() -> None:
    history = nights(60, 420.0, weekend_total=480.0)
    # The last week 60 min short of the 480 min baseline on the five workdays, and the two
    # weekend nights at the baseline.
    slept, i = table(history)
    baseline, _ = slept.baseline(i)
    assert baseline == 480.0
    assert slept.debt(i, baseline) == 5 * 60.0
    sessions = SessionColumns.of(
        CompletedSession("alex", END - timedelta(days=d), "csv", "07:00", "run", 60.0, rpe=5.0)
        for d in range(1, 21, 2)
    )
    sessions = sessions.by_day()
    assert typical_load(sessions, END) == 300.0
    hard = Session("Intervals", "run", 90, "hard", target_rpe=7.0)  # 630, 2.1 typical sessions
    need = sleep_need(slept, i, hard, typical_load(sessions, END))
    assert need.load_min == round(20 * (630 / 300 - 1))  # 22 min
    assert need.debt_min == 300
    assert need.repay_min == 60  # a quarter of 300 is 75, at most 60 a night
    assert need.need_min == 480 + 22 + 60
    easy = sleep_need(slept, i, Session("Easy", "run", 30, "easy"), 300.0)
    assert easy.load_min == 0  # below the typical session: nothing added
    rested = sleep_need(table(nights(60, 480.0))[0], 59, None, None)
    assert (rested.debt_min, rested.repay_min, rested.load_min) == (0, 0, 0)


def test_the_sleep_regularity_index() -> None:
    steady, i = table(nights(14, 450.0))
    assert steady.regularity(i) == (100.0, 14)
    # Sleep half an hour later every night: 60 of 1440 minutes differ between two days.
    drifting, i = table(nights(14, 450.0, onset=[-400.0 + 30 * k for k in range(14)]))
    assert drifting.regularity(i) == (round(200 * (1 - 60 / 1440) - 100, 1), 14)
    few, i = table(nights(5, 450.0))
    assert few.regularity(i) == (None, 0)  # four pairs: too few


def test_tomorrows_wake_time_and_the_bedtime() -> None:
    need = SleepNeed(480, 480, 20, 0, 0, 0, usual_wake_min=400.0)
    thursday = datetime(2026, 3, 5, tzinfo=ZONE)
    usual = wake_time(END, SleepConfig(), ZONE, usual_min=400.0)
    assert usual == (thursday + timedelta(minutes=400), "usual wake time")
    config = SleepConfig(
        wake_at=time(7, 0), wake_times={"thursday": time(6, 15)},
        next_alarm_entity="sensor.phone_next_alarm",
    )  # fmt: skip
    assert wake_time(END, config, ZONE) == (thursday.replace(hour=6, minute=15),
                                             "wake time for thursday")  # fmt: skip
    alarm = datetime(2026, 3, 5, 5, 40, tzinfo=ZoneInfo("UTC"))  # 06:40 in Berlin
    found = bedtime(END, need, config, ZONE, alarm=alarm)
    assert found is not None
    assert found.wake_at == alarm
    assert found.wake_source == "next alarm (sensor.phone_next_alarm)"
    assert found.lights_out == alarm - timedelta(minutes=480 + 15)
    # An alarm for the day after tomorrow is not tomorrow's: the weekday's wake time stands.
    later_alarm = datetime(2026, 3, 6, 6, 0, tzinfo=ZONE)
    assert bedtime(END, need, config, ZONE, alarm=later_alarm).wake_source == (  # type: ignore[union-attr]
        "wake time for thursday"
    )
    assert bedtime(END, SleepNeed(480, 480, 0, 0, 0, 0), SleepConfig(), ZONE) is None


SAUNA = DeviceConfig(
    kind="sauna", via="dry_run", heat_rate_c_per_min=2.0, ambient_c=20, start_wait_min=15
)
SCENE = DeviceConfig(kind="scene", via="dry_run")
MEDIA = DeviceConfig(kind="media", via="dry_run")
DEVICES = {"sauna": SAUNA, "scene": SCENE, "speaker": MEDIA}


def readiness() -> Readiness:
    return Readiness(
        score=60, confidence=1.0, hrv_status=HrvStatus.WITHIN, acute_hrv_drop=False,
        illness=False, flags=(), contributors=(), hrv_valid_days=60, hrv_source="oura",
    )  # fmt: skip


def evening(home: Mapping[str, object], wake: time | None) -> list[tuple[datetime, str, str]]:
    plan = DayPlan(
        "alex", END, Protocol.ACTIVE_RECOVERY, readiness(), (), None, None,
        sleep=SleepNeed(450, 450, 30, 0, 0, 0),
    )  # fmt: skip
    plan = with_bedtime(plan, SleepConfig(wake_at=wake), ZONE)
    recovery = {Protocol.ACTIVE_RECOVERY: ProtocolHomeConfig.model_validate(home)}
    actions = household_timeline([plan], recovery, DEVICES, ZONE)
    return [(a.at, a.command, a.device) for a in actions]


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(END, time(hh, mm), tzinfo=ZONE)


def test_the_evening_follows_the_bedtime() -> None:
    home = {
        "wind_down": {"device": "scene", "at": "21:00", "before_bedtime_min": 60},
        "meditation": {"device": "speaker", "before_bedtime_min": 20, "media_id": "m1"},
        "sauna": {"device": "sauna", "before_bedtime_min": 90, "minutes": 20},
    }
    # Wake at 06:30 with 450 min of sleep and 15 to fall asleep: lights out 22:45.
    assert evening(home, time(6, 30)) == [
        (at(20, 10), "heat_on", "sauna"),  # 30 min pre-heat before ready at 20:40
        (at(21, 15), "heat_off", "sauna"),  # 15 min wait + 20 min, 90 min before 22:45
        (at(21, 45), "scene", "scene"),
        (at(22, 25), "play_media", "speaker"),
    ]
    # No wake time known: the wind-down keeps its clock time; meditation and the sauna,
    # timed only from the bedtime, are left out.
    assert evening(home, None) == [(at(21, 0), "scene", "scene")]


def test_a_sauna_never_ends_closer_to_the_bedtime_than_its_gap() -> None:
    home = {"sauna": {"device": "sauna", "ready_by": "21:30", "minutes": 20}}
    # Lights out 22:15 (wake 06:00): the session (21:30 + 35 min) would end 22:05; it ends
    # at 21:15, 60 min before, instead.
    assert evening(home, time(6, 0)) == [
        (at(20, 10), "heat_on", "sauna"),
        (at(21, 15), "heat_off", "sauna"),
    ]
    # Lights out 23:45 (wake 07:30): ending at 22:05 is early enough; nothing moves.
    assert evening(home, time(7, 30))[-1] == (at(22, 5), "heat_off", "sauna")


def test_decisions_carry_the_need_and_a_regularity_contributor() -> None:
    history = History("alex", ["oura"], nights(90, 420.0, weekend_total=500.0))
    days = [END - timedelta(days=k) for k in (20, 0)]
    early, late = decide_days(history, days=days, plan=TrainingPlan(sessions={}))
    assert late.sleep is not None
    assert late.sleep.baseline_min == 500
    assert late.sleep.debt_min == 5 * 80
    contributor = late.readiness.contributor("sleep_regularity")
    assert contributor is not None
    # Weekend nights end 80 min later: 4 of the 13 pairs of days in 14 differ by 80 min.
    assert contributor.value == round(100 - 200 * 4 * 80 / (1440 * 13), 1)
    assert contributor.z is None  # shown, never scored
    # The same day decided alone gives the same need.
    [alone] = decide_days(history, days=[END], plan=TrainingPlan(sessions={}))
    assert alone.sleep == late.sleep
    assert early.sleep is not None


@pytest.mark.parametrize(
    ("home", "message"),
    [
        (
            {"sauna": {"device": "sauna", "minutes": 20}},
            "give ready_by: HH:MM or before_bedtime_min",
        ),
        (
            {"meditation": {"device": "speaker", "media_id": "m"}},
            "give at: HH:MM or before_bedtime",
        ),
    ],
)
def test_an_evening_part_without_any_time_is_refused(home: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ProtocolHomeConfig.model_validate(home)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""HRV trend patterns: 7-day mean and CV of ln rMSSD, and resting HR, as the sources read them."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from recoveryd.domain.models import DayPlan, HrvPattern, Night
from recoveryd.engine import History, decide_days

START = date(2026, 1, 1)
DAYS = 100
CHANGED = 10  # the last days, where a pattern forms


def nights(*, mean: float = 4.0, swing: float = 0.1, rhr: float = 50.0) -> list[Night]:
    """90 steady days, then ``CHANGED`` days at another ln rMSSD level, swing and resting HR.

    ln rMSSD alternates around its level (the day-to-day swing the CV measures), the swing
    itself breathing slowly so that the CV has a spread of its own.
    """
    found = []
    for i in range(DAYS):
        late = i >= DAYS - CHANGED
        level, amplitude = (mean, swing) if late else (4.0, 0.1)
        amplitude *= 1 + 0.3 * math.sin(i / 3)
        ln = level + amplitude * (-1) ** i
        heart = (rhr if late else 50.0) + (1.5 if i % 3 == 0 else -0.75)
        found.append(Night("alex", START + timedelta(days=i), "ring", math.exp(ln), heart, 450.0))
    return found


def history(**shape: float) -> History:
    return History("alex", ["ring"], nights(**shape))


def last_day(days: History) -> DayPlan:
    [plan] = decide_days(days, days=[START + timedelta(days=DAYS - 1)])
    return plan


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ({}, HrvPattern.COPING_WELL),
        ({"swing": 0.35}, HrvPattern.VARIABLE),
        ({"mean": 3.75, "swing": 0.015}, HrvPattern.MALADAPTATION),
        ({"mean": 3.75, "rhr": 56.0}, HrvPattern.ACCUMULATED_FATIGUE),
        ({"mean": 3.75, "rhr": 45.0}, HrvPattern.SATURATION),
        ({"mean": 3.75}, HrvPattern.NONE),
    ],
)
def test_each_pattern_where_its_source_defines_it(
    shape: dict[str, float], expected: HrvPattern
) -> None:
    plan = last_day(history(**shape))
    assert plan.readiness.hrv_pattern is expected
    swings = plan.readiness.contributor("hrv_cv")
    assert swings is not None
    assert swings.unit == "%"
    assert swings.z is None  # shown, never scored
    assert not swings.flag
    assert swings.band_low is not None
    assert swings.band_high is not None
    assert swings.band_low < swings.baseline < swings.band_high  # type: ignore[operator]
    assert expected.value.replace("_", " ") in swings.reason or expected is HrvPattern.NONE


def test_the_cv_is_the_swing_of_the_last_seven_days() -> None:
    plan = last_day(history(swing=0.2))
    values = [math.log(n.hrv_rmssd_ms or math.nan) for n in nights(swing=0.2)[-7:]]
    mean = sum(values) / 7
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 6)
    swings = plan.readiness.contributor("hrv_cv")
    assert swings is not None
    assert swings.value == pytest.approx(100 * sd / mean, rel=1e-9)


def test_too_few_days_give_no_cv_and_no_pattern() -> None:
    short = History("alex", ["ring"], nights()[:12])
    [plan] = decide_days(short, days=[START + timedelta(days=11)])
    assert plan.readiness.hrv_pattern is HrvPattern.UNKNOWN
    sparse = History("alex", ["ring"], [n for k, n in enumerate(nights()) if k % 2])
    [plan] = decide_days(sparse, days=[START + timedelta(days=DAYS - 1)])
    assert plan.readiness.contributor("hrv_cv") is None  # 3-4 of the last 7 days: under 5
    assert plan.readiness.hrv_pattern is HrvPattern.UNKNOWN


def test_the_pattern_does_not_change_the_decision() -> None:
    # Saturation and accumulated fatigue differ only in resting HR's direction; both lower
    # the score through resting HR's own z, never through the pattern: the same HRV gives
    # the same HRV status and the same rule.
    saturated, fatigued = (
        last_day(history(mean=3.75, rhr=45.0)),
        last_day(history(mean=3.75, rhr=56.0)),
    )
    assert saturated.readiness.hrv_status == fatigued.readiness.hrv_status
    assert {saturated.readiness.hrv_pattern, fatigued.readiness.hrv_pattern} == {
        HrvPattern.SATURATION, HrvPattern.ACCUMULATED_FATIGUE,
    }  # fmt: skip

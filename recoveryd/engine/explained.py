# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the person's load response says about a morning: in words, and in the acute flag.

A morning at least half an SD below the baseline is explained when it lies within two
residual SDs of what the fitted response (:mod:`recoveryd.engine.response`) predicts, "as
expected after yesterday's 75-minute run", and unexplained (stress, illness, alcohol,
travel) when it lies further below; an unexplained one counts as an acute drop even above
the usual 1-SD line. The response itself, and resting HR's, are told in plain words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from recoveryd.domain.columns import SessionColumns
from recoveryd.domain.models import Readiness
from recoveryd.engine.load import HeartRateZones, LoadDays
from recoveryd.engine.response import WINDOW, Response, daily_response
from recoveryd.engine.score import scored
from recoveryd.engine.signals import Signals

_NOTABLE_SD = 0.5  # a morning this far below the baseline is worth explaining (and flagging)
_UNEXPLAINED_SD = 2.0  # residual SDs below the prediction that training does not explain
_TYPICAL_LOAD = 300.0  # a moderate hour (session-RPE 5 x 60 min), for the words


def unexplained_drops(
    sessions: SessionColumns, signals: Signals, load: LoadDays, zones: HeartRateZones | None
) -> npt.NDArray[np.bool_]:
    """The mornings not yet flagged whose drop the person's load response does not explain.

    A morning at least half an SD below the baseline and more than two residual SDs below what
    the response expects (see :func:`explained_drop`). Only such mornings are fitted, each as
    it would be among all days, so that a decade of days costs little.
    """
    today, stats = signals.hrv.values, signals.hrv.stats
    # Mornings already flagged need no second reason to be: only the others are fitted.
    with np.errstate(invalid="ignore"):
        notable = np.isfinite(today) & (today <= stats.mean - _NOTABLE_SD * stats.sd)
    notable &= ~signals.acute
    found = np.zeros(signals.days, dtype=bool)
    rows = np.flatnonzero(notable)
    if rows.size == 0 or len(sessions) == 0:
        return found
    fitted = daily_response(sessions, signals, load, 0, zones, rows=rows)
    with np.errstate(invalid="ignore"):
        found[rows] = today[rows] < fitted.expected - _UNEXPLAINED_SD * fitted.residual_sd
    return found


def counting_unexplained(signals: Signals, unexplained: npt.NDArray[np.bool_]) -> Signals:
    """``signals`` with ``unexplained`` drops counted as acute, flagged and scored again."""
    added = unexplained & ~signals.acute
    flags = signals.flag_count + added.astype(np.int64)
    return replace(
        signals, acute=signals.acute | unexplained, flag_count=flags,
        score=scored(signals.mean_z, flags, signals.illness), unexplained=unexplained,
    )  # fmt: skip


def describe_response(response: Response, k: int) -> str:
    """Day ``k``'s fitted response in plain words."""
    k2, tau2, tau1 = float(response.k2[k]), float(response.tau2[k]), float(response.tau1[k])
    if not math.isfinite(k2):
        return (
            f"No load response found in your last {WINDOW} days: your HRV is compared with "
            "your baseline only (a response needs 28 days with training and 60 mornings, "
            "and must stand out of the noise)."
        )
    typical = _TYPICAL_LOAD
    next_morning = k2 * typical * math.exp(-1.0 / tau2)
    return (
        f"Your HRV answers your training: a load of {typical:.0f} lowers the next morning's "
        f"ln rMSSD by about {next_morning:.2f}, and that fades with a time constant of "
        f"{tau2:.0f} days (fitness builds over {tau1:.0f}); fitted on your last {WINDOW} days, "
        f"k2 {k2:.2g} ± {float(response.k2_se[k]):.1g}."
    )


def with_response(
    readiness: Readiness, response: Response, i: int, first: int, rhr: Response | None = None
) -> Readiness:
    """``readiness`` of day ``i`` with the response's expectation and its words.

    ``rhr``: the response of resting HR (fitted to its negation), when it was fitted.
    """
    k = i - first
    expected = float(response.expected[k])
    words = describe_response(response, k)
    expected_rhr = None
    if rhr is not None and math.isfinite(float(rhr.expected[k])):
        expected_rhr = round(-float(rhr.expected[k]), 1)
        rise = float(rhr.k2[k]) * _TYPICAL_LOAD * math.exp(-1.0 / float(rhr.tau2[k]))
        words += (
            f" Resting HR answers too: the same load raises the next morning's by about "
            f"{rise:.1f} bpm."
        )
    return replace(
        readiness,
        expected_ln_rmssd=round(expected, 3) if math.isfinite(expected) else None,
        expected_rhr_bpm=expected_rhr,
        load_response=words,
    )


def heaviest_recent(sessions: SessionColumns, day: date, days: int = 3) -> str | None:
    """The heaviest session of the ``days`` before ``day`` in words ("yesterday's 75-minute run").

    ``sessions`` ordered by day; heaviest by session-RPE, or by minutes where none was rated.
    """
    inside = sessions.span(day - timedelta(days=days), day)
    if inside.start == inside.stop:
        return None
    minutes, rpe = sessions.duration_min[inside], sessions.rpe[inside]
    loads = np.where(np.isfinite(rpe), minutes * rpe, minutes)
    k = loads.size - 1 - int(np.argmax(loads[::-1]))  # the latest of equals
    when = date.fromordinal(int(sessions.days[inside][k]))
    named = "yesterday's" if (day - when).days == 1 else f"{when:%A}'s"
    return f"{named} {minutes[k]:.0f}-minute {sessions.sports[inside][k]}"


def explained_drop(
    signals: Signals,
    response: Response,
    i: int,
    first: int,
    *,
    recent: Callable[[], str | None] | None = None,
) -> tuple[str, ...]:
    """Whether this morning's HRV below baseline is what the recent training predicts.

    A morning at least half an SD below the baseline is "as expected" when it lies within two
    residual SDs of what the fitted response predicts (one morning in 40 of an athlete the
    model describes falls further by chance), and "unexplained by training" (stress,
    illness, alcohol, travel) when it lies further below. ``recent`` names the heaviest
    session of the last days (:func:`heaviest_recent`); asked only for a drop it explains.
    """
    k = i - first
    today = float(signals.hrv.values[i])
    expected, spread = float(response.expected[k]), float(response.residual_sd[k])
    mean, sd = float(signals.hrv.stats.mean[i]), float(signals.hrv.stats.sd[i])
    if not all(math.isfinite(v) for v in (today, expected, spread, mean, sd)) or sd <= 0:
        return ()
    if today > mean - _NOTABLE_SD * sd:
        return ()
    drop = mean - today
    if today >= expected - _UNEXPLAINED_SD * spread:
        fatigue = float(response.fatigue[k])
        days = float(response.recovery_days[k])
        named = None if recent is None else recent()
        after = "your recent training" if named is None else f"{named} and the days before"
        expected_fatigue = (
            f"HRV {drop:.2f} below your baseline, as expected after {after} "
            f"(it predicts {expected:.2f}; the sessions pull it down by {fatigue:.2f}); "
            f"recovers in about {days:.0f} days."
        )
        return (expected_fatigue,)
    unexplained = (
        f"HRV {expected - today:.2f} below what your training predicts ({expected:.2f}): "
        "unexplained by training (stress, illness, alcohol, travel?), so it counts as an "
        "acute drop."
    )
    return (unexplained,)

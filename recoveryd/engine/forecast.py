# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The next seven mornings, as the person's own load response forecasts them. Pure.

With a fitted response (:mod:`recoveryd.engine.response`) the model runs forward: each day's
planned load enters fitness and fatigue as it does in the fit (a morning sees the loads of
the evenings before it), so the mornings after today follow from today's fitted state and
the loads of the week ahead. Two weeks are forecast: the plan as written (today's planned
session and the next six days'), and the adjusted one (today's adjusted session, then the
plan). A planned session's load is its session-RPE (minutes x the target RPE, or 3/5/7 for
easy/moderate/hard; Foster et al. 2001); on days the fit reads TRIMP, that is scaled by the
person's own median TRIMP per session-RPE of the sessions of the 126 days before (no
forecast without one).

When the plan as written is forecast to take the 7-day mean of ln rMSSD below the person's
normal range (the lower bound the decision table reads; Plews et al. 2012), the hardest
session of the week ahead is eased (the planned session without its intensity) and the week
forecast again: today's session when it is the hardest (the adjusted session is then the
eased one, on a day the rules let training go ahead), else a later one, named in the
reasons with both forecasts. The protocol itself never changes: the decision table stays
the published one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from recoveryd.domain.coach import Forecast
from recoveryd.domain.columns import SessionColumns
from recoveryd.domain.training import Session
from recoveryd.engine.load import HeartRateZones, trimps_of
from recoveryd.engine.plan import TrainingPlan, easier
from recoveryd.engine.response import Response
from recoveryd.engine.sleep import session_load

DAYS = 7
_RATIO_DAYS = 126
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def forecast(response: Response, k: int, loads: Sequence[float]) -> tuple[float, ...]:
    """Ln rMSSD of the mornings after day ``k`` when ``loads[j]`` is trained on day k + j."""
    p0, k1, k2 = (float(getattr(response, f)[k]) for f in ("p0", "k1", "k2"))
    d1 = math.exp(-1.0 / float(response.tau1[k]))
    d2 = math.exp(-1.0 / float(response.tau2[k]))
    fitness, fatigue = float(response.fitness_impulse[k]), float(response.fatigue_impulse[k])
    mornings = []
    for load in loads:
        fitness, fatigue = d1 * (fitness + load), d2 * (fatigue + load)
        mornings.append(round(p0 + k1 * fitness - k2 * fatigue, 3))
    return tuple(mornings)


@dataclass(frozen=True, slots=True)
class WeekAhead:
    """What the forecast makes of the week: its numbers, and today's session if eased."""

    forecast: Forecast
    session: Session | None
    reason: str | None


def trimp_per_srpe(
    sessions: SessionColumns, day: date, zones: HeartRateZones | None
) -> float | None:
    """The median TRIMP per session-RPE of the rated sessions with a heart rate before ``day``.

    ``sessions`` ordered by day (:meth:`SessionColumns.by_day`).
    """
    if zones is None:
        return None
    inside = sessions.span(day - timedelta(days=_RATIO_DAYS), day)
    rpe, hr = sessions.rpe[inside], sessions.avg_hr[inside]
    both = np.isfinite(rpe) & np.isfinite(hr) & (rpe > 0)
    if not both.any():
        return None
    minutes = sessions.duration_min[inside][both]
    trimps = trimps_of(minutes, hr[both], zones)
    return float(np.median(trimps / (minutes * rpe[both])))


def srpe_scale(
    use_trimp: bool, sessions: SessionColumns, day: date, zones: HeartRateZones | None
) -> float:
    """What one session-RPE is in the day's unit of load (NaN: no way to tell).

    ``use_trimp``: the day reads TRIMP (its load index is the day's ``use_trimp``).
    """
    if not use_trimp:
        return 1.0
    ratio = trimp_per_srpe(sessions, day, zones)
    return float("nan") if ratio is None else ratio


def week_ahead(
    response: Response,
    k: int,
    *,
    day: date,
    plan: TrainingPlan,
    adjusted: Session | None,
    band_low: float,
    scale: float,
    hard_day: bool,
) -> WeekAhead | None:
    """The week's forecasts from day ``k`` of ``response``; ``None`` without a response.

    ``scale`` turns a session-RPE into the day's unit of load; ``hard_day``: the rules let
    today's training go ahead (only then may today's session be eased).
    """
    if not math.isfinite(float(response.k2[k])) or not math.isfinite(scale):
        return None
    planned = [plan.planned(day + timedelta(days=j)) for j in range(DAYS)]

    def loads(sessions: Sequence[Session | None]) -> list[float]:
        return [scale * session_load(s) for s in sessions]

    as_planned = forecast(response, k, loads(planned))
    alternative = forecast(response, k, loads([adjusted, *planned[1:]]))
    mean = sum(as_planned) / DAYS
    week = Forecast(
        as_planned, alternative, round(band_low, 3) if math.isfinite(band_low) else None
    )
    if not math.isfinite(band_low) or mean >= band_low:
        return WeekAhead(week, adjusted, None)
    # What will be trained: today's adjusted session, then the plan; today's may be eased
    # only on a day the rules let training go ahead (else the rules already cut it back).
    ahead = [adjusted, *planned[1:]]
    candidates = [j for j in range(0 if hard_day else 1, DAYS) if session_load(ahead[j]) > 0]
    if not candidates:
        return WeekAhead(week, adjusted, None)
    hardest = max(candidates, key=lambda j: (session_load(ahead[j]), -j))
    heavy = ahead[hardest]
    assert heavy is not None  # noqa: S101 - a session with load
    eased = [easier(s) if j == hardest and s is not None else s for j, s in enumerate(ahead)]
    relieved = forecast(response, k, loads(eased))
    name = _WEEKDAYS[(day + timedelta(days=hardest)).weekday()]
    when = "today" if hardest == 0 else name
    reason = (
        f"Trained as planned, the week is forecast to take your 7-day HRV to {mean:.2f}, below "
        f"your normal range (from {band_low:.2f}); easing {when}'s {heavy.title} keeps it at "
        f"{sum(relieved) / DAYS:.2f}."
    )
    week = Forecast(as_planned, relieved, week.band_low, when)
    return WeekAhead(week, eased[0], reason)

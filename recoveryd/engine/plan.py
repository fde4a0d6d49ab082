# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The weekly training plan, and its adjustment to the day's protocol.

* rest → no training;
* active_recovery → easy aerobic work in zone 1-2 of the plan's configured length;
* mobility → the plan's mobility session, or else the planned session with its intensity
  removed (zone 1-2, strength loads at 60 %);
* as_planned → the plan; progressive_overload → the plan, progressed: each exercise adds its
  load step (2.5 % for upper-body lifts, 5 % for lower-body ones is the usual advice) or one
  set, and endurance sessions add 10 % duration, but only when the last session of that sport
  was done at or below its target RPE (autoregulation by RPE; Helms et al. 2016), else the
  load is held;
* every N-th week of the plan is a deload week: sets and duration scaled down, loads
  lowered, and no progression (Bell et al. 2023 on deloading in strength training).

Pure: the calendar day and the last session's RPE are arguments.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from datetime import date

from recoveryd.domain.columns import SessionColumns
from recoveryd.domain.models import Protocol
from recoveryd.domain.training import Session

_MOBILITY_MIN = 30
_EASY_LOAD = 0.6
_PLATE_KG = 2.5
_ENDURANCE_STEP = 0.10
_AEROBIC = frozenset({"run", "bike", "swim", "row", "ski", "hike", "walk"})


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """A weekly plan: the session per weekday (Monday = 0) and how it is adjusted."""

    sessions: dict[int, Session]
    name: str = ""
    plan_start: date | None = None
    deload_every_weeks: int | None = None
    deload_volume: float = 0.6
    deload_load: float = 0.9
    active_recovery_min: int = 40
    mobility: Session | None = None

    def is_deload_week(self, day: date) -> bool:
        """Whether ``day`` falls in a deload week (the last week of each block)."""
        if self.plan_start is None or self.deload_every_weeks is None or day < self.plan_start:
            return False
        week = (day - self.plan_start).days // 7
        return (week + 1) % self.deload_every_weeks == 0

    def planned(self, day: date) -> Session | None:
        """The session the plan holds for ``day``, deloaded in a deload week."""
        session = self.sessions.get(day.weekday())
        if session is None or not self.is_deload_week(day):
            return session
        return _deload(session, self.deload_volume, self.deload_load)


def _round_load(kg: float) -> float:
    """To the nearest 2.5 kg: what a barbell with standard plates can be loaded to."""
    return round(kg / _PLATE_KG) * _PLATE_KG


def _deload(session: Session, volume: float, load: float) -> Session:
    exercises = tuple(
        replace(
            e,
            sets=max(1, math.floor(e.sets * volume)),
            load_kg=None if e.load_kg is None else _round_load(e.load_kg * load),
        )
        for e in session.exercises
    )
    return replace(
        session,
        duration_min=max(1, round(session.duration_min * volume)),
        exercises=exercises,
        note="deload week",
    )


def _progress(session: Session) -> Session:
    if session.exercises:
        exercises = tuple(
            replace(e, sets=e.sets + 1)
            if e.progression == "sets" or e.load_kg is None
            else replace(e, load_kg=_round_load(e.load_kg * (1 + e.load_step_pct / 100)))
            for e in session.exercises
        )
        return replace(session, exercises=exercises, note="progressed: each exercise one step up")
    longer = round(session.duration_min * (1 + _ENDURANCE_STEP))
    return replace(
        session,
        duration_min=longer,
        note=f"progressed: {longer} min instead of {session.duration_min}",
    )


def easier(session: Session) -> Session:
    """The same session without its intensity: easy, zone 1-2, at most RPE 4, lighter loads."""
    exercises = tuple(
        replace(e, load_kg=None if e.load_kg is None else _round_load(e.load_kg * _EASY_LOAD))
        for e in session.exercises
    )
    return replace(
        session,
        title=f"{session.title} (intensity removed)",
        intensity="easy",
        zone="1-2",
        target_rpe=min(session.target_rpe or 4.0, 4.0),
        exercises=exercises,
        note="same session, easy: technique and range of motion",
    )


@dataclass(frozen=True, slots=True)
class _Day:
    plan: TrainingPlan
    day: date
    planned: Session | None
    last_rpe: float | None

    @property
    def instead(self) -> str:
        return f"instead of: {self.planned.title}" if self.planned is not None else ""


def _rest(_: _Day) -> Session | None:
    return None


def _active_recovery(d: _Day) -> Session | None:
    duration = d.plan.active_recovery_min
    if d.planned is not None:
        duration = min(d.planned.duration_min, duration)
    aerobic = d.planned is not None and d.planned.sport in _AEROBIC
    sport = d.planned.sport if d.planned is not None and aerobic else "bike or walk"
    return Session("Easy aerobic", sport, duration, "easy", d.instead, zone="1-2", target_rpe=3)


def _mobility(d: _Day) -> Session | None:
    if d.plan.mobility is not None:
        return replace(d.plan.mobility, note=d.instead)
    if d.planned is not None:
        return easier(d.planned)
    return Session("Mobility and easy movement", "mobility", _MOBILITY_MIN, "easy", zone="1")


def _overload(d: _Day) -> Session | None:
    planned = d.planned
    if planned is None or d.plan.is_deload_week(d.day):
        return planned
    target = planned.target_rpe
    if target is not None and d.last_rpe is not None and d.last_rpe > target:
        return replace(
            planned,
            note=f"hold the load: the last {planned.sport} session was RPE "
            f"{d.last_rpe:g}, above the target {target:g}",
        )
    return _progress(planned)


def _as_planned(d: _Day) -> Session | None:
    return d.planned


_ADJUSTMENTS = {
    Protocol.REST: _rest,
    Protocol.ACTIVE_RECOVERY: _active_recovery,
    Protocol.MOBILITY: _mobility,
    Protocol.AS_PLANNED: _as_planned,
    Protocol.PROGRESSIVE_OVERLOAD: _overload,
    Protocol.INSUFFICIENT_DATA: _as_planned,
}


def adjust_session(
    plan: TrainingPlan,
    day: date,
    protocol: Protocol,
    last_rpe_of_sport: float | None = None,
) -> Session | None:
    """The session to do on ``day`` under ``protocol``, or ``None`` for a day without one.

    ``last_rpe_of_sport`` is the RPE of the most recent completed session of the planned
    session's sport; progression waits until it is at or below the target.
    """
    return _ADJUSTMENTS[protocol](_Day(plan, day, plan.planned(day), last_rpe_of_sport))


class LastRpe:
    """The RPE of the latest completed session of a sport before a day, by bisection."""

    def __init__(self, sessions: SessionColumns) -> None:
        rated: dict[str, list[tuple[int, str, int, float]]] = {}
        rows = zip(
            sessions.days.tolist(), sessions.starts.tolist(), sessions.sports.tolist(),
            sessions.rpe.tolist(), strict=True,
        )  # fmt: skip
        for n, (day, start, sport, rpe) in enumerate(rows):
            if not math.isnan(rpe):
                # Of sessions at the same date and start, the first given is the latest.
                rated.setdefault(sport, []).append((day, start, -n, rpe))
        for found in rated.values():
            found.sort()
        self._rated = rated
        self._days = {sport: [d for d, *_ in found] for sport, found in rated.items()}

    def before(self, day: date, sport: str) -> float | None:
        """The RPE of ``sport``'s latest session dated before ``day``; ``None`` if none."""
        k = bisect.bisect_left(self._days.get(sport, []), day.toordinal())
        return self._rated[sport][k - 1][3] if k else None

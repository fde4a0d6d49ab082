# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Training: the sessions a plan holds or the day adjusts, and the sessions that took place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Exercise:
    """One exercise of a strength session.

    ``progression`` is how it progresses: ``load`` adds ``load_step_pct`` per cent, ``sets``
    adds one set.
    """

    name: str
    sets: int
    reps: int
    load_kg: float | None = None
    progression: str = "load"
    load_step_pct: float = 2.5


@dataclass(frozen=True, slots=True)
class Session:
    """A training session, planned or adjusted."""

    title: str
    sport: str
    duration_min: int
    intensity: str
    note: str = ""
    zone: str | None = None
    target_rpe: float | None = None
    start: dt.time | None = None
    exercises: tuple[Exercise, ...] = ()


@dataclass(frozen=True, slots=True)
class CompletedSession:
    """A training session that took place."""

    athlete: str
    date: dt.date
    source: str
    start: str
    sport: str
    duration_min: float
    rpe: float | None = None
    avg_hr: float | None = None
    title: str | None = None  # as the athlete named it; shown, never used by the rules

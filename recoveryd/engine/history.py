# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Everything stored about one athlete that a decision may use, and how far back it reaches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from recoveryd.domain.columns import CheckInColumns, NightColumns, SessionColumns
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.engine.thresholds import Thresholds

# Extra days in front of the first decided day, beyond the baseline window: the overload rule
# looks 14 days back at readiness that itself needs a full baseline.
LOOKBACK_MARGIN = 14


def history_start(first: date, thresholds: Thresholds) -> date:
    """The earliest night or check-in a rolling baseline of ``first`` reaches back to.

    Nights before it still count where a statistic runs from the first night on (the line
    that calibrates one device to another): :func:`decide_days` wants all of the history.
    """
    return first - timedelta(days=thresholds.baseline_days + LOOKBACK_MARGIN)


@dataclass(frozen=True, slots=True)
class History:
    """Everything stored about one athlete that a decision may use.

    ``preference`` orders the athlete's sources; baselines never mix them.
    """

    athlete: str
    preference: Sequence[str]
    nights: Sequence[Night] | NightColumns
    checkins: Sequence[CheckIn] | CheckInColumns = ()
    sessions: Sequence[CompletedSession] | SessionColumns = ()
    overrides: Mapping[date, Protocol] = field(default_factory=dict)
    metric_preference: Mapping[str, Sequence[str]] = field(default_factory=dict)


def own_checkins(history: History) -> CheckInColumns:
    """The athlete's check-ins as columns (the store hands them so; objects are tabulated)."""
    if isinstance(history.checkins, CheckInColumns):
        return history.checkins
    return CheckInColumns.of(history.checkins)


def own_sessions(history: History) -> SessionColumns:
    """The athlete's completed sessions as columns (the store hands them so)."""
    if isinstance(history.sessions, SessionColumns):
        return history.sessions
    return SessionColumns.of(history.sessions)


def own_nights(history: History) -> NightColumns:
    """The athlete's nights as columns (the store hands them so; objects are tabulated)."""
    if isinstance(history.nights, NightColumns):
        return history.nights
    return NightColumns.of(n for n in history.nights if n.athlete == history.athlete)


def history_preference(history: History) -> Sequence[str]:
    """The sources to read, in order of preference."""
    return history.preference

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The day as ``recoveryd today`` shows it: decided now, beside what the daemon stored.

The command and the running daemon (which answers it for the command line) read it alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.unlisted import unlisted_sources
from recoveryd.domain.models import DayPlan, Decision
from recoveryd.store.database import Store


@dataclass(frozen=True, slots=True)
class TodayView:
    """The plan decided from the store now, the daemon's stored decision, unlisted sources."""

    plan: DayPlan
    stored: Decision | None
    unlisted: tuple[str, ...]


def today_view(store: Store, config: Config, athlete_id: str, day: date) -> TodayView:
    """``day`` of ``athlete_id`` as ``today`` shows it; writes nothing but column blocks."""
    [plan] = decide_range(store, config, athlete_id, day, day)
    stored = store.latest_decision(athlete_id, day)
    return TodayView(plan, stored, tuple(unlisted_sources(store, config, athlete_id)))

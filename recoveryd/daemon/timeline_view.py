# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The household's day as people look at it: each action and what became of it.

``recoveryd timeline`` and the web panel show the same rows: the plan, what people changed
(Skip, start now), the switch-offs the log owes and the switch-ons that will be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from recoveryd.config.model import Config
from recoveryd.daemon.day_state import skipped
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.household_day import household_day, started_now
from recoveryd.domain.models import DayPlan
from recoveryd.home.timeline import describe
from recoveryd.store.database import Store


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One action of the day and its state: pending, done, failed, will be refused, ..."""

    at: datetime
    athlete: str
    modality: str
    command: str
    device: str
    ends_at: datetime | None
    status: str
    detail: str
    note: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """The note and, for a switch-on that will be refused, the reason."""
        reasons = (self.note, self.detail if self.status == "will be refused" else "")
        return "; ".join(t for t in reasons if t)

    def as_json(self) -> dict[str, Any]:
        """The row as ``recoveryd timeline --json`` prints it."""
        return {
            "at": self.at.isoformat(), "athlete": self.athlete, "modality": self.modality,
            "command": self.command, "device": self.device, "params": self.params,
            "ends_at": None if self.ends_at is None else self.ends_at.isoformat(),
            "status": self.status, "detail": self.detail, "note": self.note, "text": self.text,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class DayTimeline:
    """The day's decisions (stored, else decided now), its actions, and what people changed."""

    day: date
    plans: tuple[DayPlan, ...]
    rows: tuple[TimelineRow, ...]
    changed: tuple[str, ...]


def day_timeline(store: Store, config: Config, day: date) -> DayTimeline:
    """The household's ``day`` as the daemon runs it; touches no device."""
    plans = []
    for athlete in config.athletes:
        stored = store.latest_decision(athlete.id, day)
        plans.append(
            stored.plan if stored else decide_range(store, config, athlete.id, day, day)[0]
        )
    timeline = household_day(store, config, day, plans)
    logged = {key: (status, detail) for key, _, status, detail in store.action_history(day)}
    changed = [f"{a.id} skipped" for a in config.athletes if skipped(store, a.id, day)]
    changed += [
        f"{a} started at {t:%H:%M}" for a, t in started_now(store, config, plans, day).items()
    ]
    rows = []
    for a in timeline.actions:
        status, detail = logged.get(a.key, ("pending", ""))
        if status == "pending" and a.key in timeline.refused:
            status, detail = "will be refused", timeline.refused[a.key]
        rows.append(TimelineRow(
            at=a.at, athlete=a.athlete, modality=a.modality, command=a.command,
            device=a.device, ends_at=a.ends_at, status=status, detail=detail,
            note=timeline.notes.get(a.key, ""), text=describe(a), params=dict(a.params),
        ))  # fmt: skip
    return DayTimeline(day, tuple(plans), tuple(rows), tuple(changed))

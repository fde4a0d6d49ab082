# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The household's day in the store: overrides, controls, settings, the action log, decisions.

Decisions are append-only revisions: a re-decision for the same day adds a revision, it never
overwrites the reasons of the last.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Final

from pydantic import TypeAdapter

from recoveryd.domain.models import (
    SAFE_COMMANDS,
    Action,
    DayPlan,
    Decision,
    Protocol,
)
from recoveryd.home.device_ledger import LoggedAction
from recoveryd.store.connection import Connection

# Outcomes after which an action is never run again. ``sending`` is logged before a
# switch-on goes out: if the daemon stops before the device answers, the device may be on,
# and the switch-on is not sent again (its switch-off is owed instead).
FINAL_STATUSES: Final = ("done", "refused", "missed", "dry_run", "failed", "paused", "sending")

# States an action passes through on its way to an outcome.
_PASSING_STATUSES: Final = frozenset({"sending", "unsent"})


@cache
def _plans() -> TypeAdapter[DayPlan]:
    """Built when first used: the commands that never read or write one do not pay for it."""
    return TypeAdapter(DayPlan)


class DayRecords(Connection):
    """What the household asked and what the daemon decided and did, day by day."""

    def set_override(self, athlete: str, day: date, protocol: Protocol, at: datetime) -> bool:
        """Make ``protocol`` the athlete's protocol for ``day``; whether that changed it."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO overrides (athlete, date, protocol, set_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (athlete, date) DO UPDATE SET protocol = excluded.protocol, "
                "set_at = excluded.set_at WHERE overrides.protocol IS NOT excluded.protocol",
                (athlete, day.isoformat(), protocol.value, at.isoformat()),
            )
            return cursor.rowcount > 0

    def clear_override(self, athlete: str, day: date) -> bool:
        """Remove the override for ``day``; whether there was one."""
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM overrides WHERE athlete = ? AND date = ?", (athlete, day.isoformat())
            )
            return cursor.rowcount > 0

    def overrides(self, athlete: str, first: date, last: date) -> dict[date, Protocol]:
        """The athlete's overrides between ``first`` and ``last``."""
        cursor = self._db.execute(
            "SELECT date, protocol FROM overrides WHERE athlete = ? AND date BETWEEN ? AND ?",
            (athlete, first.isoformat(), last.isoformat()),
        )
        return {date.fromisoformat(d): Protocol(p) for d, p in cursor}

    def set_day_control(
        self, athlete: str, day: date, control: str, value: str | None, at: datetime
    ) -> None:
        """Set (or, with ``None``, remove) one of the day's controls, e.g. ``skip``."""
        with self._transaction() as db:
            if value is None:
                db.execute(
                    "DELETE FROM day_controls WHERE athlete = ? AND date = ? AND control = ?",
                    (athlete, day.isoformat(), control),
                )
                return
            db.execute(
                "INSERT INTO day_controls (athlete, date, control, value, set_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (athlete, date, control) "
                "DO UPDATE SET value = excluded.value, set_at = excluded.set_at",
                (athlete, day.isoformat(), control, value, at.isoformat()),
            )

    def day_controls(self, athlete: str, day: date) -> dict[str, str]:
        """The day's controls of the athlete, by name."""
        cursor = self._db.execute(
            "SELECT control, value FROM day_controls WHERE athlete = ? AND date = ?",
            (athlete, day.isoformat()),
        )
        return {str(c): str(v) for c, v in cursor}

    def day_controls_between(
        self, athlete: str, first: date, last: date
    ) -> dict[date, dict[str, str]]:
        """The athlete's day controls from ``first`` to ``last``, by day and name."""
        cursor = self._db.execute(
            "SELECT date, control, value FROM day_controls WHERE athlete = ? "
            "AND date BETWEEN ? AND ?",
            (athlete, first.isoformat(), last.isoformat()),
        )
        found: dict[date, dict[str, str]] = {}
        for day, control, value in cursor:
            found.setdefault(date.fromisoformat(day), {})[str(control)] = str(value)
        return found

    def set_setting(self, key: str, value: str) -> None:
        """Store one household setting (e.g. ``paused``)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def setting(self, key: str) -> str | None:
        """One household setting, ``None`` when never set."""
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def log_action(self, action: Action, status: str, detail: str, at: datetime) -> None:
        """Record what happened to ``action`` (every heat action is logged with its reason)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO action_log (key, date, athlete, device, command, planned_at, status, "
                "detail, logged_at, modality, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    action.key,
                    action.at.date().isoformat(),
                    action.athlete,
                    action.device,
                    action.command,
                    action.at.isoformat(),
                    status,
                    detail,
                    at.isoformat(),
                    action.modality,
                    None if action.ends_at is None else action.ends_at.isoformat(),
                ),
            )

    def settled_actions(self, day: date) -> set[str]:
        """Keys of the day's actions that must not run again (by their latest outcome)."""
        cursor = self._db.execute(
            "SELECT key, command, status FROM action_log WHERE date = ? ORDER BY rowid",
            (day.isoformat(),),
        )
        latest = {str(key): (str(command), str(status)) for key, command, status in cursor}
        # A turn-off that failed is not settled: it must run again, after any restart. A
        # turn-on held back while the broker was away (``unsent``) may still go.
        return {
            key for key, (command, status) in latest.items()
            if status in FINAL_STATUSES and not (status == "failed" and command in SAFE_COMMANDS)
        }  # fmt: skip

    def action_history(self, day: date) -> list[tuple[str, str, str, str]]:
        """(key, command, status, detail) of the day's logged actions, oldest first.

        The passing states of an action (``sending``, and ``unsent`` while the broker was
        away) are left out once a later row for it is logged.
        """
        cursor = self._db.execute(
            "SELECT key, command, status, detail FROM action_log WHERE date = ? ORDER BY rowid",
            (day.isoformat(),),
        )
        rows = [(str(k), str(c), str(s), str(d)) for k, c, s, d in cursor]
        last = {k: i for i, (k, _, _, _) in enumerate(rows)}
        return [
            row for i, row in enumerate(rows)
            if row[2] not in _PASSING_STATUSES or last[row[0]] == i
        ]  # fmt: skip

    def action_log(self, first: date, last: date) -> list[LoggedAction]:
        """Every logged action planned from ``first`` to ``last``, in the order logged."""
        cursor = self._db.execute(
            "SELECT key, athlete, modality, device, command, planned_at, ends_at, status, "
            "logged_at FROM action_log WHERE date BETWEEN ? AND ? ORDER BY rowid",
            (first.isoformat(), last.isoformat()),
        )
        return [
            LoggedAction(
                str(key), str(athlete), str(modality or ""), str(device), str(command),
                datetime.fromisoformat(planned),
                None if ends is None else datetime.fromisoformat(ends),
                str(status), datetime.fromisoformat(logged),
            )
            for key, athlete, modality, device, command, planned, ends, status, logged in cursor
        ]  # fmt: skip

    def save_decision(self, plan: DayPlan, decided_at: datetime, inputs_digest: str) -> Decision:
        """Store ``plan`` as the next revision for its athlete and day."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT coalesce(max(revision), 0) FROM decisions WHERE athlete = ? AND date = ?",
                (plan.athlete, plan.date.isoformat()),
            ).fetchone()
            revision = int(row[0]) + 1
            db.execute(
                "INSERT INTO decisions (athlete, date, revision, protocol, plan_json, "
                "inputs_digest, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    plan.athlete,
                    plan.date.isoformat(),
                    revision,
                    plan.protocol.value,
                    _plans().dump_json(plan).decode(),
                    inputs_digest,
                    decided_at.isoformat(),
                ),
            )
        return Decision(plan, revision, decided_at, inputs_digest)

    def latest_decision(self, athlete: str, day: date) -> Decision | None:
        """The newest revision of the decision for ``athlete`` on ``day``."""
        row = self._db.execute(
            "SELECT plan_json, revision, decided_at, inputs_digest, published_at FROM decisions "
            "WHERE athlete = ? AND date = ? ORDER BY revision DESC LIMIT 1",
            (athlete, day.isoformat()),
        ).fetchone()
        if row is None:
            return None
        return Decision(
            plan=_plans().validate_json(row[0]),
            revision=int(row[1]),
            decided_at=datetime.fromisoformat(row[2]),
            inputs_digest=str(row[3]),
            published_at=datetime.fromisoformat(row[4]) if row[4] else None,
        )

    def decision_count(self, athlete: str, day: date) -> int:
        """How many revisions exist for ``athlete`` on ``day``."""
        row = self._db.execute(
            "SELECT count(*) FROM decisions WHERE athlete = ? AND date = ?",
            (athlete, day.isoformat()),
        ).fetchone()
        return int(row[0])

    def mark_published(self, decision: Decision, at: datetime) -> None:
        """Record that ``decision`` reached the broker."""
        with self._transaction() as db:
            db.execute(
                "UPDATE decisions SET published_at = ? "
                "WHERE athlete = ? AND date = ? AND revision = ?",
                (
                    at.isoformat(),
                    decision.plan.athlete,
                    decision.plan.date.isoformat(),
                    decision.revision,
                ),
            )

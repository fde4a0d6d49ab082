# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning summary as a phone notification, and what its buttons mean. Pure.

The notification carries a ``tag`` per athlete and day, so that a re-decision replaces the
morning's message instead of adding one; its four actions come back (as Home Assistant
``mobile_app_notification_action`` events) as commands of :mod:`recoveryd.domain.commands`:
*Accept* keeps the day, *Easier* and *Harder* move the protocol one step, *Skip* drops the
day's recovery session. *Harder* never overrides the illness pattern.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from recoveryd.domain.commands import Command, CommandError, DayButton, SetProtocol
from recoveryd.domain.models import Action, DayPlan, Protocol
from recoveryd.home.timeline import describe

ACTION_PREFIX: Final = "RECOVERYD"
BUTTONS: Final = (("ACCEPT", "Accept"), ("EASIER", "Easier"), ("HARDER", "Harder"),
                  ("SKIP", "Skip"))  # fmt: skip
# From the easiest to the hardest day; "harder" and "easier" move along it.
LADDER: Final = (
    Protocol.REST,
    Protocol.ACTIVE_RECOVERY,
    Protocol.MOBILITY,
    Protocol.AS_PLANNED,
    Protocol.PROGRESSIVE_OVERLOAD,
)
_MAX_REASONS: Final = 3


@dataclass(frozen=True, slots=True)
class Notice:
    """One athlete's morning message."""

    athlete: str
    title: str
    message: str
    tag: str
    actions: tuple[tuple[str, str], ...]  # (action id, button title)


def morning_notice(plan: DayPlan, name: str, actions: Sequence[Action]) -> Notice:
    """Readiness and its top reasons, today's session and the recovery timeline."""
    protocol = plan.protocol.value.replace("_", " ")
    readiness = plan.readiness
    lines = [f"Readiness {readiness.score}/100 · {protocol}"]
    lines += [f"• {reason}" for reason in plan.reasons[:_MAX_REASONS]]
    session = plan.session
    if session is None:
        lines.append("Training: none today")
    else:
        lines.append(f"Training: {session.title}, {session.duration_min} min, {session.intensity}")
    if plan.sleep is not None:
        lines.append(plan.sleep.describe())
    if plan.bedtime is not None:
        lines.append(plan.bedtime.describe())
    if plan.fuel is not None:
        lines += plan.fuel.describe()
    own = sorted((a for a in actions if a.athlete == plan.athlete), key=lambda a: a.at)
    if own:
        lines.append("Recovery:")
        lines += [f"{a.at:%H:%M} {describe(a)}" for a in own]
    buttons = tuple((f"{ACTION_PREFIX}_{key}_{plan.athlete}", title) for key, title in BUTTONS)
    return Notice(
        athlete=plan.athlete,
        title=f"{name}: {protocol}",
        message="\n".join(lines),
        tag=f"recoveryd-{plan.athlete}-{plan.date.isoformat()}",
        actions=buttons,
    )


def action_command(
    action_id: str, athletes: Sequence[str], plan: DayPlan | None
) -> tuple[str, Command | None]:
    """The athlete and the command behind a notification button (``None``: accept).

    Raises:
        CommandError: not one of recoveryd's buttons, an unknown athlete, or a step the
            day does not allow.
    """
    parts = action_id.split("_", 2)
    keys = {key for key, _ in BUTTONS}
    if len(parts) != 3 or parts[0] != ACTION_PREFIX or parts[1] not in keys:  # noqa: PLR2004
        raise CommandError(f"notification action {action_id[:60]!r} is not recoveryd's")
    _, key, athlete = parts
    if athlete not in athletes:
        raise CommandError(f"notification action for unknown athlete {athlete[:32]!r}")
    if key == "ACCEPT":
        return athlete, None
    if key == "SKIP":
        return athlete, DayButton(athlete, "skip_today")
    if plan is None or plan.protocol not in LADDER:
        raise CommandError(f"{key.lower()}: there is no decision for today to change")
    if key == "HARDER" and plan.readiness.illness:
        raise CommandError("harder: not on a day with the illness pattern")
    step = 1 if key == "HARDER" else -1
    index = min(max(LADDER.index(plan.protocol) + step, 0), len(LADDER) - 1)
    return athlete, SetProtocol(athlete, LADDER[index])


@dataclass(frozen=True, slots=True)
class SentSummary:
    """What the day's last morning summary said, and when it went out (kept in the store)."""

    at: datetime
    protocol: str
    session: str

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps({"at": self.at.isoformat(), "protocol": self.protocol,
                           "session": self.session})  # fmt: skip

    @classmethod
    def from_json(cls, text: str | None) -> SentSummary | None:
        """The stored form read back; ``None`` when absent or not readable (sent as new)."""
        try:
            raw = json.loads(text or "")
            return cls(datetime.fromisoformat(raw["at"]), str(raw["protocol"]), str(raw["session"]))
        except (ValueError, TypeError, KeyError):
            return None


def summary_of(plan: DayPlan, at: datetime) -> SentSummary:
    """What a summary of ``plan`` says, as far as a new one is worth sending for."""
    s = plan.session
    session = "none" if s is None else f"{s.title}|{s.sport}|{s.duration_min}|{s.intensity}"
    return SentSummary(at, plan.protocol.value, session)


def summary_due(
    sent: SentSummary | None, plan: DayPlan, now: datetime, interval: timedelta
) -> datetime | None:
    """When the summary of ``plan`` is to go out: ``now``, later, or never (``None``).

    One summary per athlete and day; then a new one only when the protocol or the session
    changed (a check-in slider or a re-decision that changes neither sends nothing), and
    never sooner than ``interval`` after the previous one: people keep notifications on that
    speak only when something changed, and not often.
    """
    if sent is None:
        return now
    news = summary_of(plan, now)
    if (news.protocol, news.session) == (sent.protocol, sent.session):
        return None
    return max(now, sent.at + interval)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning summary as a phone notification, and what its buttons mean. Pure.

The notification carries a ``tag`` per athlete and day, so that a re-decision replaces the
morning's message instead of adding one; its four actions come back (as Home Assistant
``mobile_app_notification_action`` events) as commands of :mod:`recoveryd.commands`:
*Accept* keeps the day, *Easier* and *Harder* move the protocol one step, *Skip* drops the
day's recovery session. *Harder* never overrides the illness pattern.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from recoveryd.commands import Command, CommandError, DayButton, SetProtocol
from recoveryd.models import Action, DayPlan, Protocol
from recoveryd.timeline import describe

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

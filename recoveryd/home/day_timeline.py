# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the household's day will actually be. Pure.

The daemon and ``recoveryd timeline`` both ask :func:`what_happens`, so what is shown is
what runs.

The plan's actions (:func:`recoveryd.home.timeline.household_timeline`) are only half of it; the
action log (:mod:`recoveryd.home.device_ledger`) adds what safety owes, whatever the plan says now:

1. Every switch-on without a confirmed switch-off gets one: at its planned end, or at once
   when its athlete skipped the day, the day's protocol no longer has that modality, or the
   switch-on was not confirmed (the device may be on). A session's end never moves later:
   a plan that now ends it later gets the switch-off at the logged end all the same.
2. A switch-on still to come is refused while its device is on from an earlier one, and
   when it would exceed the device's daily budget (switch-ons, minutes on, latest
   switch-off), checked in time order as if each earlier one ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from recoveryd.domain.models import SWITCH_OFFS, SWITCH_ONS, Action
from recoveryd.home.device_ledger import (
    DailyBudget,
    DeviceSession,
    budget_refusal,
    simulated,
)


@dataclass(frozen=True, slots=True)
class DayTimeline:
    """The day's actions in time order, with a note on those that are not simply the plan.

    ``notes`` says why an owed switch-off is there; ``refused`` says why a switch-on still to
    come will not run, as things stand.
    """

    actions: tuple[Action, ...]
    notes: Mapping[str, str] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)
    # Switch-offs due at once whatever the clock says (timed when their session was opened,
    # which a clock set back since may put in the future).
    due_now: frozenset[str] = frozenset()
    # Switch-offs that end a session under way: they keep its real length through clock jumps.
    ending: frozenset[str] = frozenset()


def owed_switch_off(
    session: DeviceSession, planned: Sequence[Action]
) -> tuple[Action, str, bool] | None:
    """The switch-off ``session`` is owed beyond the plan's.

    With why, and whether it is due at once; ``None`` if the plan ends it in time.
    """
    if session.status == "failed":
        why = "the switch-on was not confirmed and the device may be on: off now"
        return session.switch_off(now=True), why, True
    if not any(a.athlete == session.athlete and a.modality == session.modality for a in planned):
        why = f"{session.athlete}'s {session.modality} is no longer planned today: off now"
        return session.switch_off(now=True), why, True
    if session.ends_at is None:
        return session.switch_off(now=True), "the session's end was not logged: off now", True
    if any(
        a.device == session.device and a.command in SWITCH_OFFS
        and session.on_at <= a.at <= session.ends_at
        for a in planned
    ):  # fmt: skip
        return None  # the plan ends it in time
    why = f"kept: the end of the session on since {session.on_at:%H:%M}"
    return session.switch_off(now=False), why, False


def _off_at(device: str, since: datetime, actions: Iterable[Action]) -> datetime | None:
    """The first switch-off of ``device`` at or after ``since``."""
    return min(
        (
            a.at
            for a in actions
            if a.device == device and a.command in SWITCH_OFFS and a.at >= since
        ),
        default=None,
    )


def what_happens(
    planned: Sequence[Action],
    found: Sequence[DeviceSession],
    budgets: Mapping[str, DailyBudget],
    settled: set[str],
) -> DayTimeline:
    """The plan's actions, the switch-offs the log owes, and the switch-ons to be refused.

    ``found`` are the sessions of the action log (:func:`recoveryd.home.device_ledger.sessions`),
    ``settled`` the keys of actions that ran (or will never run).
    """
    actions = {a.key: a for a in planned}
    notes: dict[str, str] = {}
    due_now: set[str] = set()
    for session in found:
        owed = owed_switch_off(session, planned) if session.open else None
        if owed is not None and owed[0].key not in actions:
            off, why, at_once = owed
            actions[off.key], notes[off.key] = off, why
            if at_once:
                due_now.add(off.key)
    ordered = tuple(sorted(actions.values(), key=lambda a: (a.at, a.device, a.command)))
    ending = {
        a.key for s in found if s.open for a in ordered
        if a.device == s.device and a.command in SWITCH_OFFS and s.on_at <= a.at
        and (s.ends_at is None or a.at <= s.ends_at)
    }  # fmt: skip
    refused: dict[str, str] = {}
    sessions = list(found)
    for action in ordered:
        if action.command not in SWITCH_ONS or action.key in settled:
            continue
        on_until = max(
            (
                end for s in sessions
                if s.open and s.device == action.device and s.on_at <= action.at
                and (end := _off_at(s.device, s.on_at, ordered) or s.ends_at) is not None
            ),
            default=None,
        )  # fmt: skip
        if on_until is not None and action.at < on_until:
            refused[action.key] = (
                f"refused: {action.device} is still on until {on_until:%H:%M}; "
                "that switch-off stands"
            )
            continue
        reason = budget_refusal(action, sessions, budgets[action.device])
        if reason is not None:
            refused[action.key] = reason
        else:
            sessions = simulated(sessions, action)
    return DayTimeline(ordered, notes, refused, frozenset(due_now), frozenset(ending))

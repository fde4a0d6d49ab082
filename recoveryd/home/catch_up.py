# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What of the day's timeline runs now, later, or never: after a restart or a clock jump.

An action already logged never runs again; a missed action runs late inside its grace
window, an older one is logged as missed and never run (no sauna pre-heat hours late). A
command that makes a device safe always runs, however late. Pure: the caller passes the
time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from recoveryd.domain.clock import elapsed, later
from recoveryd.domain.models import SAFE_COMMANDS, Action

# How late a missed action may still run after a restart.
GRACE: Mapping[str, timedelta] = {
    "heat_on": timedelta(minutes=10),
    "turn_on": timedelta(minutes=15),
    "play_media": timedelta(minutes=15),
    "timer_start": timedelta(minutes=15),
    "scene": timedelta(minutes=30),
}


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What to do with a day's actions at ``now``."""

    run_now: tuple[Action, ...]
    later: tuple[Action, ...]
    missed: tuple[Action, ...]


def due(action: Action, shifts: Mapping[str, timedelta] | None = None) -> datetime:
    """When ``action`` is due: its time, moved by the clock's jumps since its session began.

    ``shifts`` holds those jumps for the start check and switch-off of a session under way,
    so that the session keeps its real length.
    """
    shift = (shifts or {}).get(action.key)
    return action.at if shift is None else later(action.at, shift)


def catch_up(
    actions: Iterable[Action],
    logged: set[str],
    now: datetime,
    shifts: Mapping[str, timedelta] | None = None,
    due_now: frozenset[str] = frozenset(),
) -> CatchUp:
    """Split the day's actions after a (re)start: run late, schedule, or give up on each.

    ``shifts`` moves actions of sessions under way (see :func:`due`); ``due_now`` are
    switch-offs that run at once, whatever the clock says.
    """
    run_now, to_come, missed = [], [], []
    for action in actions:
        if action.key in logged:
            continue
        late = elapsed(due(action, shifts), now)
        if action.key in due_now:
            run_now.append(action)
        elif late < timedelta(0):
            to_come.append(action)
        elif action.command in SAFE_COMMANDS or late <= GRACE.get(action.command, timedelta(0)):
            run_now.append(action)
        else:
            missed.append(action)
    return CatchUp(tuple(run_now), tuple(to_come), tuple(missed))


def switch_off_for(switch_on: Action, actions: Iterable[Action]) -> Action | None:
    """The action that ends what ``switch_on`` started on its device, or ``None``.

    On a shared sauna the heat-off may belong to the athlete whose session ends the block.
    """
    offs = [
        a
        for a in actions
        if a.device == switch_on.device and a.command in {"heat_off", "turn_off"}
        and a.at >= switch_on.at
    ]  # fmt: skip
    return min(offs, key=lambda a: a.at, default=None)

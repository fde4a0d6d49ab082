# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the devices that heat or squeeze did today, read from the action log. Pure.

The action log is the one record that survives a restart, a plan change or a clock jump, so
safety is counted from it and nothing else:

* A **session** begins with a switch-on (``heat_on``, ``turn_on``) that may have reached the
  device (``sending``: the daemon stopped before the device answered; ``done``; ``dry_run``;
  ``failed``: the state is unknown) and lasts until a confirmed switch-off of that device.
  Its planned end (``ends_at``) is logged with the switch-on; a session's end can only come
  earlier, never later.
* The **daily budget** of a device (:class:`DailyBudget`, from
  :mod:`recoveryd.domain.limits`) caps, per local day, the switch-ons, the minutes on and the
  latest switch-off. A session counts with its planned length from its switch-on, also when
  it ended early: a budget that an early switch-off could refund would let Skip and Start,
  repeated, heat all day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from recoveryd.config.home import DeviceConfig
from recoveryd.domain import limits
from recoveryd.domain.clock import elapsed
from recoveryd.domain.models import SWITCH_OFF, SWITCH_OFFS, SWITCH_ONS, Action

# After these a switch-on may have switched its device on.
ON_STATUSES = frozenset({"sending", "done", "dry_run", "failed"})
# After these a switch-off has switched its device off.
OFF_STATUSES = frozenset({"done", "dry_run"})
MODALITY = {"heat_on": "sauna", "turn_on": "compression"}


@dataclass(frozen=True, slots=True)
class LoggedAction:
    """One row of the action log."""

    key: str
    athlete: str
    modality: str
    device: str
    command: str
    planned_at: datetime
    ends_at: datetime | None
    status: str
    logged_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceSession:
    """A switch-on and what the log says became of it.

    ``status`` is the switch-on's latest status; ``open`` until a confirmed switch-off of the
    device was logged after it.
    """

    key: str
    athlete: str
    modality: str
    device: str
    command: str
    on_at: datetime
    ends_at: datetime | None
    status: str
    open: bool
    opened_at: datetime  # logged: when the device may have gone on (again)

    @property
    def minutes(self) -> int:
        """The planned minutes on, charged against the day's budget."""
        return 0 if self.ends_at is None else planned_minutes(self.on_at, self.ends_at)

    def switch_off(self, *, now: bool) -> Action:
        """The switch-off this session is owed: at its planned end, or (``now``) at once.

        Both keep a stable key across rebuilds. The one due now is timed when the session was
        (re)opened: a switch-on confirmed after its switch-off went out (a Skip raced it)
        opens the session again and is owed a switch-off of its own.
        """
        at = self.opened_at if now or self.ends_at is None else self.ends_at
        return Action(at, self.athlete, self.modality, SWITCH_OFF[self.command], self.device)


def planned_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from ``start`` to ``end``, a started minute counted."""
    return max(0, math.ceil(elapsed(start, end).total_seconds() / 60))


def session_of(action: Action) -> DeviceSession:
    """The session the switch-on ``action`` opens when it runs."""
    return DeviceSession(
        action.key, action.athlete, action.modality, action.device, action.command,
        action.at, action.ends_at, "planned", open=True, opened_at=action.at,
    )  # fmt: skip


def sessions(log: Iterable[LoggedAction]) -> list[DeviceSession]:
    """Every switch-on that may have reached its device, oldest first, open or closed."""
    found: dict[str, DeviceSession] = {}
    for row in log:  # in the order they were logged
        if row.command in SWITCH_ONS:
            if row.status in ON_STATUSES:
                before = found.pop(row.key, None)  # re-inserted: a late confirmation re-opens it
                opened = before.opened_at if before is not None and before.open else row.logged_at
                found[row.key] = DeviceSession(
                    row.key, row.athlete, row.modality or MODALITY[row.command], row.device,
                    row.command, row.planned_at, row.ends_at, row.status, open=True,
                    opened_at=opened,
                )  # fmt: skip
            else:  # refused, missed, paused or unsent: it never reached the device
                found.pop(row.key, None)
        elif row.command in SWITCH_OFFS and row.status in OFF_STATUSES:
            for key, session in found.items():
                if session.device == row.device and session.open:
                    found[key] = replace(session, open=False)
    return list(found.values())


@dataclass(frozen=True, slots=True)
class DailyBudget:
    """What one device may do in one local day."""

    max_on_min: int
    max_switch_ons: int
    latest_off: time


def budget_of(device: DeviceConfig) -> DailyBudget:
    """The device's daily budget: its configuration where it lowers the hard limits."""
    if device.kind == "sauna":
        on, count, latest = (limits.SAUNA_MAX_DAILY_ON_MIN, limits.SAUNA_MAX_DAILY_SWITCH_ONS,
                             limits.SAUNA_LATEST_OFF)  # fmt: skip
    else:
        on, count, latest = (limits.COMPRESSION_MAX_DAILY_ON_MIN,
                             limits.COMPRESSION_MAX_DAILY_SWITCH_ONS,
                             limits.COMPRESSION_LATEST_OFF)  # fmt: skip
    return DailyBudget(
        min(on, device.daily_max_on_min or on),
        min(count, device.daily_max_switch_ons or count),
        min(latest, device.latest_off or latest),
    )


@dataclass(frozen=True, slots=True)
class Usage:
    """How much of a device's day is used."""

    switch_ons: int
    minutes: int


def usage(found: Sequence[DeviceSession], device: str, day: date) -> Usage:
    """The switch-ons and planned minutes of ``device`` on ``day``."""
    mine = [s for s in found if s.device == device and s.on_at.date() == day]
    return Usage(len(mine), sum(s.minutes for s in mine))


def budget_refusal(
    action: Action, found: Sequence[DeviceSession], budget: DailyBudget
) -> str | None:
    """Why the switch-on ``action`` would exceed its device's day, or ``None``."""
    device, day = action.device, action.at.date()
    used = usage(found, device, day)
    if used.switch_ons >= budget.max_switch_ons:
        return (
            f"refused: {device} was switched on {used.switch_ons} "
            f"time{'' if used.switch_ons == 1 else 's'} today, the most its daily budget allows"
        )
    if action.ends_at is None:
        return f"refused: {action.command} {device} has no planned end"
    minutes = planned_minutes(action.at, action.ends_at)
    if used.minutes + minutes > budget.max_on_min:
        return (
            f"refused: {minutes} min more would make {used.minutes + minutes} min of {device} "
            f"today, over its daily budget of {budget.max_on_min} min"
        )
    end = action.ends_at
    if end.date() != day or end.time() > budget.latest_off:
        return (
            f"refused: {device} would run until {end:%H:%M}, past its latest switch-off "
            f"{budget.latest_off:%H:%M}"
        )
    return None


def already_on(device: str, found: Sequence[DeviceSession], key: str) -> str | None:
    """Why a switch-on of ``device`` must wait: an earlier one has not been switched off.

    A second switch-on would re-arm the device-side auto-off and stretch the session.
    """
    for session in found:
        if session.open and session.device == device and session.key != key:
            return (
                f"refused: {device} is still on since {session.on_at:%H:%M} "
                f"({session.athlete}'s {session.modality}); its switch-off stands"
            )
    return None


def simulated(found: Sequence[DeviceSession], action: Action) -> list[DeviceSession]:
    """``found`` with ``action`` run: for checking the switch-ons still to come in order."""
    return [*found, session_of(action)]


def budgets(devices: Mapping[str, DeviceConfig]) -> dict[str, DailyBudget]:
    """The daily budget of every configured device."""
    return {name: budget_of(device) for name, device in devices.items()}

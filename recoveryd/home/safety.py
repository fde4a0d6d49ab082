# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The guard every action passes. Pure rules; the daemon supplies sensor states.

* Hard caps (:mod:`recoveryd.domain.limits`) are enforced when the configuration loads, and
  checked again here before any heat is applied.
* No sauna on an illness day, nor when resting HR and skin temperature are both flagged:
  heat on top of a fever is the one thing a recovery coach must never suggest.
* Door interlock: no heat while the sauna door sensor reports open.
* Presence: if a presence sensor exists and did not report anyone by the start check, the
  heat goes off.
* Turn-offs are never refused, and a heating device whose state cannot be read is turned off.
"""

from __future__ import annotations

from dataclasses import dataclass

from recoveryd.domain import limits
from recoveryd.domain.models import Action, Readiness


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an action may run, and why not."""

    allowed: bool
    reason: str = ""


ALLOW = Verdict(allowed=True)


def sauna_allowed(readiness: Readiness) -> tuple[bool, str]:
    """Whether the day's readiness permits heat at all."""
    if readiness.illness:
        return False, "no sauna: the illness pattern is present"
    if {"rhr", "skin_temp"} <= set(readiness.flags):
        return False, "no sauna: resting HR and skin temperature are both raised"
    return True, ""


@dataclass(frozen=True, slots=True)
class Sensors:
    """What the sensors said just before the action.

    ``None`` where there is no sensor, or it could not be read.
    """

    door_open: bool | None = None
    someone_present: bool | None = None


def check(action: Action, sensors: Sensors) -> Verdict:
    """The guard for one action at the moment it would run."""
    if action.command == "heat_on":
        temp = int(action.param("temp_c") or 0)
        if not limits.SAUNA_MIN_TEMP_C <= temp <= limits.SAUNA_MAX_TEMP_C:
            return Verdict(
                allowed=False,
                reason=f"refused: {temp} °C is outside {limits.SAUNA_MIN_TEMP_C}-"
                f"{limits.SAUNA_MAX_TEMP_C} °C",
            )
        if sensors.door_open:
            return Verdict(allowed=False, reason="refused: the sauna door is open")
    if action.command == "turn_on":
        minutes = int(action.param("minutes") or 0)
        if not 0 < minutes <= limits.COMPRESSION_MAX_MIN:
            return Verdict(
                allowed=False,
                reason=f"refused: {minutes} min is outside 1-{limits.COMPRESSION_MAX_MIN} min",
            )
    return ALLOW


def start_check_turns_off(sensors: Sensors) -> bool:
    """At the start check: turn the heat off unless someone is known to be there."""
    return sensors.someone_present is not True

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What people may ask of recoveryd from Home Assistant, and the check of every request.

Commands arrive as a control name and a payload (an MQTT command topic, a notification
action). Only the documented controls and values are accepted; anything else is a
:class:`CommandError` with one line saying what was wrong and what is allowed. A command
never names a service, an entity or a device: it can only change the athlete's own day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from recoveryd.domain.models import CHECKIN_ITEMS, Protocol

MAX_PAYLOAD_BYTES: Final = 64
AUTO: Final = "auto"  # the select option that hands the day back to the rules
SETTABLE_PROTOCOLS: Final = tuple(p.value for p in Protocol if p is not Protocol.INSUFFICIENT_DATA)
BUTTONS: Final = ("start_session", "skip_today", "redecide")
CHECKIN_CONTROLS: Final = tuple(f"checkin_{item}" for item in CHECKIN_ITEMS)
WEIGH_INS: Final = ("weight_before", "weight_after")  # kg around training or a sauna
ATHLETE_CONTROLS: Final = ("protocol", *CHECKIN_CONTROLS, "rpe", *WEIGH_INS, *BUTTONS)
DAEMON_CONTROLS: Final = ("pause",)
# A command kept by the broker while no daemon listened is applied only if it cannot be older.
QUEUED_MAX_AGE: Final = timedelta(minutes=5)


class CommandError(ValueError):
    """A command that is not accepted; the message is one line for the log and the event."""


@dataclass(frozen=True, slots=True)
class SetProtocol:
    """Override today's protocol; ``None`` hands the day back to the rules."""

    athlete: str
    protocol: Protocol | None


@dataclass(frozen=True, slots=True)
class SetCheckIn:
    """One morning check-in item, 1 (worst) to 5 (best)."""

    athlete: str
    item: str
    value: int


@dataclass(frozen=True, slots=True)
class SetRpe:
    """The session RPE (CR-10) of the athlete's last logged session."""

    athlete: str
    rpe: float


@dataclass(frozen=True, slots=True)
class SetWeighIn:
    """Today's weight before (``weight_before``) or after (``weight_after``) training or sauna."""

    athlete: str
    control: str
    kg: float


@dataclass(frozen=True, slots=True)
class DayButton:
    """``start_session`` (the recovery session now), ``skip_today`` or ``redecide``."""

    athlete: str
    button: str


@dataclass(frozen=True, slots=True)
class SetPaused:
    """Pause (or resume) every actuation of the household; switch-offs still run."""

    paused: bool


Command = SetProtocol | SetCheckIn | SetRpe | SetWeighIn | DayButton | SetPaused


def _text(control: str, payload: bytes) -> str:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise CommandError(f"{control}: payload of {len(payload)} bytes; at most 64 are accepted")
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CommandError(f"{control}: payload is not UTF-8 text") from None


def _number(control: str, text: str, low: float, high: float, *, whole: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(
            f"{control}: expected a number from {low:g} to {high:g}, got {text!r}"
        ) from None
    if not low <= value <= high or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise CommandError(f"{control}: expected {kind} from {low:g} to {high:g}, got {text!r}")
    return value


def stale_command(control: str, queued_since: datetime | None, now: datetime) -> None:
    """Refuse a command that waited in the broker for longer than :data:`QUEUED_MAX_AGE`.

    ``queued_since`` is when no daemon was listening any more (``None``: the command was sent
    while one was): the command is at most ``now - queued_since`` old, and may be that old.
    A button pressed twenty minutes ago (a sauna started, a check-in for yesterday) is not
    what its presser expects now.

    Raises:
        CommandError: naming how old it may be.
    """
    if queued_since is None:
        return
    age = now - queued_since
    if age > QUEUED_MAX_AGE:
        minutes = max(1, round(age.total_seconds() / 60))
        raise CommandError(
            f"{control}: sent while recoveryd was not running (up to {minutes} min ago); "
            "not applied, send it again"
        )


def _numbered(athlete: str, control: str, text: str) -> Command | None:
    """A check-in item, an RPE or a weigh-in; ``None`` for the other controls."""
    if control in CHECKIN_CONTROLS:
        value = _number(control, text, 1, 5, whole=True)
        return SetCheckIn(athlete, control.removeprefix("checkin_"), int(value))
    if control == "rpe":
        return SetRpe(athlete, _number(control, text, 0, 10, whole=False))
    if control in WEIGH_INS:
        return SetWeighIn(athlete, control, _number(control, text, 20, 350, whole=False))
    return None


def parse_command(athlete: str | None, control: str, payload: bytes) -> Command:
    """Check one request; ``athlete`` is ``None`` for the household's own controls.

    Raises:
        CommandError: the control or its value is not one of the documented ones.
    """
    allowed = DAEMON_CONTROLS if athlete is None else ATHLETE_CONTROLS
    if control not in allowed:
        shown = control[:40] + ("…" if len(control) > 40 else "")  # noqa: PLR2004
        raise CommandError(f"unknown control {shown!r}; allowed: {', '.join(allowed)}")
    text = _text(control, payload)
    if athlete is None:
        if text.upper() not in {"ON", "OFF"}:
            raise CommandError(f"pause: expected ON or OFF, got {text!r}")
        return SetPaused(paused=text.upper() == "ON")
    if control == "protocol":
        if text == AUTO:
            return SetProtocol(athlete, None)
        if text not in SETTABLE_PROTOCOLS:
            options = ", ".join((AUTO, *SETTABLE_PROTOCOLS))
            raise CommandError(f"protocol: expected one of {options}, got {text!r}")
        return SetProtocol(athlete, Protocol(text))
    numbered = _numbered(athlete, control, text)
    if numbered is not None:
        return numbered
    if text != "PRESS":
        raise CommandError(f"{control}: expected PRESS, got {text!r}")
    return DayButton(athlete, control)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What an athlete's day looks like right now, and what people changed about it.

:func:`apply_command` carries out a checked command (:mod:`recoveryd.domain.commands`) on the store
and says what the daemon must do next; :func:`live_state` reads the day for the live topic.
Both are synchronous store work; the daemon's one consumer calls them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from recoveryd.domain.commands import (
    AUTO,
    WEIGH_INS,
    Command,
    CommandError,
    DayButton,
    SetCheckIn,
    SetPaused,
    SetProtocol,
    SetRpe,
    SetWeighIn,
)
from recoveryd.domain.live import LiveState, SourceFreshness
from recoveryd.domain.models import CHECKIN_ITEMS, Action
from recoveryd.home.device_ledger import ON_STATUSES, sessions
from recoveryd.home.timeline import SESSION_MODALITIES, describe
from recoveryd.store.database import Store

SKIP, START = "skip", "start"
PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Applied:
    """What a command changed, and what must follow.

    ``redecide`` asks for a new decision when the inputs changed (``force``: even when they
    did not); ``rebuild`` for a new timeline; ``household`` for the household state.
    """

    summary: str
    redecide: bool = False
    force: bool = False
    rebuild: bool = False
    household: bool = False


def session_begun(store: Store, athlete: str, today: date) -> bool:
    """Whether the athlete's recovery session of ``today`` began, by the action log.

    It began once one of its actions may have reached a device.

    The log, not the current timeline: after Skip the timeline no longer holds the session,
    and Start must not begin it a second time.
    """
    return any(
        row.athlete == athlete and row.modality in SESSION_MODALITIES and row.status in ON_STATUSES
        for row in store.action_log(today, today)
    )


def _protocol(store: Store, command: SetProtocol, now: datetime) -> Applied:
    if command.protocol is None:
        if not store.clear_override(command.athlete, now.date()):
            return _unchanged("protocol back to the rules")
        return Applied("protocol back to the rules", redecide=True, rebuild=True)
    summary = f"protocol set to {command.protocol.value}"
    if not store.set_override(command.athlete, now.date(), command.protocol, now):
        return _unchanged(summary)
    return Applied(summary, redecide=True, rebuild=True)


def _pause(store: Store, command: SetPaused) -> Applied:
    summary = "actuation paused" if command.paused else "actuation resumed"
    if paused(store) == command.paused:
        return _unchanged(summary)
    store.set_setting(PAUSED, "on" if command.paused else "off")
    return Applied(summary, household=True)


def _unchanged(summary: str) -> Applied:
    """A command that asked for what already is: nothing stored, nothing decided again."""
    return Applied(f"{summary} (unchanged)")


def _rate(store: Store, command: SetRpe) -> Applied:
    rated = store.rate_last_session(command.athlete, command.rpe)
    if rated is None:
        raise CommandError("rpe: no training session is logged yet to rate")
    summary = f"RPE {command.rpe:g} for the {rated.sport} session of {rated.date}"
    return Applied(summary, redecide=True, rebuild=True)


def _weigh_in(store: Store, command: SetWeighIn, now: datetime) -> Applied:
    when = command.control.removeprefix("weight_")
    summary = f"weight {when} training {command.kg:g} kg"
    if store.day_controls(command.athlete, now.date()).get(command.control) == f"{command.kg:g}":
        return _unchanged(summary)
    store.set_day_control(command.athlete, now.date(), command.control, f"{command.kg:g}", now)
    return Applied(summary, redecide=True)


StartCheck = Callable[[str], str | None]


def _button(
    store: Store, command: DayButton, now: datetime, can_start: StartCheck | None
) -> Applied:
    athlete, today = command.athlete, now.date()
    if command.button == "redecide":
        return Applied("decided again", redecide=True, force=True, rebuild=True)
    if command.button == "skip_today":
        store.set_day_control(athlete, today, SKIP, "yes", now)
        store.set_day_control(athlete, today, START, None, now)
        return Applied("today's recovery skipped", rebuild=True)
    if session_begun(store, athlete, today):
        raise CommandError("start_session: today's recovery session has already begun")
    refusal = None if can_start is None else can_start(athlete)
    if refusal is not None:
        raise CommandError(f"start_session: {refusal}")
    decision = store.latest_decision(athlete, today)
    # Start-now holds for the protocol it was pressed for; a new protocol plans afresh.
    protocol = "" if decision is None else decision.plan.protocol.value
    store.set_day_control(athlete, today, START, f"{now.isoformat()} {protocol}".strip(), now)
    store.set_day_control(athlete, today, SKIP, None, now)
    return Applied("recovery session starts now", rebuild=True)


def apply_command(
    store: Store, command: Command, now: datetime, can_start: StartCheck | None = None
) -> Applied:
    """Store what ``command`` asks for today.

    ``can_start`` says why the athlete's session cannot start now (nothing to start, over a
    device's daily budget), or ``None``.

    Raises:
        CommandError: it cannot be done now (e.g. no session logged to rate).
    """
    match command:
        case SetPaused():
            return _pause(store, command)
        case SetProtocol():
            return _protocol(store, command, now)
        case SetCheckIn(athlete=athlete, item=item, value=value):
            summary = f"check-in {item} = {value}"
            if not store.set_checkin_item(athlete, now.date(), item, value):
                return _unchanged(summary)
            return Applied(summary, redecide=True, rebuild=True)
        case SetRpe() | SetWeighIn():
            return (
                _rate(store, command)
                if isinstance(command, SetRpe)
                else _weigh_in(store, command, now)
            )
    return _button(store, command, now, can_start)


def paused(store: Store) -> bool:
    """Whether the household paused all actuation (switch-offs run all the same)."""
    return store.setting(PAUSED) == "on"


def starts(store: Store, athletes: Iterable[str], today: date) -> dict[str, tuple[datetime, str]]:
    """The athletes who asked to start today's recovery session now.

    For each: when, and the day's protocol when they asked (empty when not known).
    """
    found = {}
    for athlete in athletes:
        value = store.day_controls(athlete, today).get(START)
        if value is not None:
            at, _, protocol = value.partition(" ")
            found[athlete] = (datetime.fromisoformat(at), protocol)
    return found


def skipped(store: Store, athlete: str, today: date) -> bool:
    """Whether the athlete skipped today's recovery."""
    return store.day_controls(athlete, today).get(SKIP) == "yes"


def source_freshness(
    store: Store, athlete: str, sources: Iterable[str], today: date, quiet_days: int
) -> tuple[SourceFreshness, ...]:
    """Each listed source's last night, as of ``today``."""
    stored = store.night_sources(athlete)
    out = []
    for source in sources:
        count, last = stored.get(source, (0, None))
        silent = None if last is None else max((today - last).days, 0)
        stale = silent is None or silent >= quiet_days
        out.append(SourceFreshness(source, last, count, silent, stale))
    return tuple(out)


def live_state(
    store: Store,
    athlete: str,
    now: datetime,
    timeline: Iterable[Action],
    sources: list[str],
    *,
    quiet_days: int = 7,
) -> LiveState:
    """The athlete's day as it stands at ``now``."""
    today = now.date()
    actions = [a for a in timeline if a.athlete == athlete]
    settled = store.settled_actions(today)
    pending = sorted((a for a in actions if a.key not in settled), key=lambda a: a.at)
    # On from the log's point of view: a switch-on without a confirmed switch-off, whatever
    # the timeline holds now (after Skip, the switch-off may be all that is left of it).
    running = any(
        s.open and s.athlete == athlete
        for s in sessions(store.action_log(today - timedelta(days=1), today))
    )
    nights = store.nights(athlete, today, today)
    checkins = store.checkins(athlete, today, today)
    trained = store.sessions(athlete, today - timedelta(days=60), today)
    override = store.overrides(athlete, today, today).get(today)
    controls = store.day_controls(athlete, today)
    readings = store.morning_readings(athlete, today - timedelta(days=7), today)
    return LiveState(
        date=today.isoformat(),
        next_action=(pending[0].at, describe(pending[0])) if pending else None,
        session_running=running,
        data_fresh=any(n.source in sources for n in nights),
        override=AUTO if override is None else override.value,
        skipped=controls.get(SKIP) == "yes",
        started_now=START in controls,
        checkin={item: getattr(checkins[0], item) if checkins else None for item in CHECKIN_ITEMS},
        last_rpe=trained[-1].rpe if trained else None,
        strap_battery_pct=next(
            (r.battery_pct for r in reversed(readings) if r.battery_pct is not None), None
        ),
        sources=source_freshness(store, athlete, sources, today, quiet_days),
        weigh_ins={c: None if controls.get(c) is None else float(controls[c]) for c in WEIGH_INS},
    )

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The JSON recoveryd publishes: the decision's state, the live state, events, today's plan.

``recoveryd/<athlete>/state`` (retained) changes with each decision; ``.../live`` (retained)
with what happens during the day; ``.../event`` (not retained) is one message per decision,
action, accepted command or rejected command. Missing values are ``null``, never 0.
"""

from __future__ import annotations

import json
import math
from typing import Any

from recoveryd.domain.live import LiveState
from recoveryd.domain.models import DayPlan, Decision
from recoveryd.domain.training import Session
from recoveryd.integrations.mqtt.topics import Message, Topics


def live_message(topics: Topics, athlete: str, live: LiveState) -> Message:
    """The athlete's retained live state."""
    payload = {
        "date": live.date,
        "next_action": None
        if live.next_action is None
        else {"at": live.next_action[0].isoformat(), "text": live.next_action[1]},
        "session_running": live.session_running,
        "data_fresh": live.data_fresh,
        "override": live.override,
        "skipped": live.skipped,
        "started_now": live.started_now,
        "checkin": live.checkin,
        "last_rpe": live.last_rpe,
        "weigh_ins": live.weigh_ins or {},
        "strap_battery_pct": live.strap_battery_pct,
        "sources": {
            s.source: {
                "last_night": None if s.last_night is None else s.last_night.isoformat(),
                "days_silent": s.days_silent,
                "nights": s.nights,
                "stale": s.stale,
            }
            for s in live.sources
        },
    }
    return Message(topics.live(athlete), json.dumps(payload, sort_keys=True))


def event_message(topics: Topics, athlete: str, event_type: str, **data: Any) -> Message:  # noqa: ANN401
    """One event for the athlete's event entity (not retained)."""
    payload = json.dumps({"event_type": event_type, **data}, sort_keys=True, default=str)
    return Message(topics.event(athlete), payload, retain=False)


def household_message(topics: Topics, *, paused: bool, problem: str | None = None) -> Message:
    """The household's retained state: whether actuation is paused, and the daemon's health."""
    state = {"paused": paused, "healthy": problem is None, "problem": problem}
    return Message(topics.household_state, json.dumps(state))


def state_payload(decision: Decision) -> dict[str, Any]:
    """The athlete's state JSON for ``decision``.

    Entity values at the top level, reasons and contributors under ``attributes``.
    Missing values are ``null``, never 0.
    """
    plan = decision.plan
    readiness = plan.readiness
    rmssd = readiness.measurement("hrv_rmssd_ms")
    sleep = readiness.measurement("sleep_total_min")
    contributors = {
        c.signal: {
            "value": _round(c.value),
            "unit": c.unit,
            "baseline": _round(c.baseline),
            "range": [_round(c.band_low), _round(c.band_high)],
            "z": _round(c.z),
            "days": c.days,
            "flag": c.flag,
            "reason": c.reason,
        }
        for c in readiness.contributors
    }
    session = session_payload(plan.session)
    return {
        "date": plan.date.isoformat(),
        "revision": decision.revision,
        "decided_at": decision.decided_at.isoformat(),
        "protocol": plan.protocol.value,
        "readiness": readiness.score,
        "confidence": readiness.confidence,
        "rmssd_ms": _round(rmssd, 1),
        "ln_rmssd": _round(math.log(rmssd), 3) if rmssd else None,
        "rhr_bpm": _round(readiness.measurement("rhr_bpm"), 1),
        "sleep_h": _round(sleep / 60, 2) if sleep is not None else None,
        **sleep_values(plan),
        **fuel_values(plan),
        "attributes": {
            "date": plan.date.isoformat(),
            "reasons": list(plan.reasons),
            "hrv_status": readiness.hrv_status.value,
            "hrv_pattern": readiness.hrv_pattern.value,
            "flags": list(readiness.flags),
            "illness": readiness.illness,
            "confidence": readiness.confidence,
            "session": session,
            "sleep": sleep_payload(plan),
            "fuel": fuel_payload(plan),
            "contributors": contributors,
            "actions": [
                {
                    "at": a.at.isoformat(),
                    "modality": a.modality,
                    "command": a.command,
                    "device": a.device,
                }
                for a in plan.actions
            ],
        },
    }


def sleep_values(plan: DayPlan) -> dict[str, Any]:
    """Tonight's sleep need and debt in hours, and the target bedtime (``null`` when unknown)."""
    need, bedtime = plan.sleep, plan.bedtime
    return {
        "sleep_need_h": None if need is None else round(need.need_min / 60, 2),
        "sleep_debt_h": None if need is None else round(need.debt_min / 60, 2),
        "target_bedtime": None if bedtime is None else bedtime.lights_out.isoformat(),
    }


def fuel_values(plan: DayPlan) -> dict[str, Any]:
    """Each fuel hint as a range in words, and the caffeine cut-off (``null`` when unknown)."""
    fuel = plan.fuel
    if fuel is None:
        return dict.fromkeys(("carbs", "protein", "fluid", "caffeine_cutoff"))
    return {
        "carbs": f"{fuel.carbs_g[0]:.0f}-{fuel.carbs_g[1]:.0f} g",
        "protein": f"{fuel.protein_g[0]:.0f}-{fuel.protein_g[1]:.0f} g",
        "fluid": None if fuel.fluid_l is None else f"{fuel.fluid_l[0]:.1f}-{fuel.fluid_l[1]:.1f} L",
        "caffeine_cutoff": None
        if fuel.caffeine_cutoff is None
        else fuel.caffeine_cutoff.isoformat(),
    }


def fuel_payload(plan: DayPlan) -> dict[str, Any] | None:
    """The fuel hints' numbers, the weight they scale and its source, each hint in words."""
    fuel = plan.fuel
    if fuel is None:
        return None
    return {
        "weight_kg": fuel.weight_kg,
        "weight_source": fuel.weight_source,
        "carb_band": fuel.carb_band,
        "carbs_g": list(fuel.carbs_g),
        "protein_g": list(fuel.protein_g),
        "protein_dose_g": fuel.protein_dose_g,
        "fluid_l": None if fuel.fluid_l is None else list(fuel.fluid_l),
        "fluid_loss_kg": fuel.fluid_loss_kg,
        "hints": list(fuel.describe()),
    }


def sleep_payload(plan: DayPlan) -> dict[str, Any] | None:
    """The sleep need's parts, the wake time and where it came from, in words too."""
    need, bedtime = plan.sleep, plan.bedtime
    if need is None:
        return None
    return {
        "need_min": need.need_min,
        "baseline_min": need.baseline_min,
        "baseline_nights": need.baseline_nights,
        "load_min": need.load_min,
        "debt_min": need.debt_min,
        "repay_min": need.repay_min,
        "regularity": need.regularity,
        "wake_at": None if bedtime is None else bedtime.wake_at.isoformat(),
        "wake_source": None if bedtime is None else bedtime.wake_source,
        "reason": need.describe(),
        "bedtime": None if bedtime is None else bedtime.describe(),
    }


def session_payload(session: Session | None) -> dict[str, Any] | None:
    """A session as JSON: what to do, how hard, and each exercise."""
    if session is None:
        return None
    return {
        "title": session.title,
        "sport": session.sport,
        "duration_min": session.duration_min,
        "intensity": session.intensity,
        "zone": session.zone,
        "target_rpe": session.target_rpe,
        "start": None if session.start is None else session.start.strftime("%H:%M"),
        "note": session.note,
        "exercises": [
            {"name": e.name, "sets": e.sets, "reps": e.reps, "load_kg": e.load_kg}
            for e in session.exercises
        ],
    }


def plan_message(topics: Topics, decision: Decision) -> Message:
    """Today's adjusted session, retained, for dashboards and watch apps."""
    plan = decision.plan
    payload = {
        "date": plan.date.isoformat(),
        "protocol": plan.protocol.value,
        "session": session_payload(plan.session),
        "planned": session_payload(plan.planned_session),
    }
    return Message(topics.plan_today(plan.athlete), json.dumps(payload, sort_keys=True))


def state_message(topics: Topics, decision: Decision, *, provisional: bool = False) -> Message:
    """The retained state message for ``decision``.

    ``provisional``: decided before the day's decision time from what is known so far (it
    is not stored and drives nothing); ``attributes.provisional`` says so to Home Assistant.
    """
    payload = state_payload(decision)
    payload["attributes"]["provisional"] = provisional
    if provisional:
        at = decision.decided_at.strftime("%H:%M")
        note = (
            f"Provisional (as of {at}): the day is decided at its decision time, "
            "when the night's data is in."
        )
        payload["attributes"]["reasons"] = [note, *payload["attributes"]["reasons"]]
    return Message(topics.state(decision.plan.athlete), json.dumps(payload, sort_keys=True))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Home Assistant MQTT discovery configs and the state payload they read.

Per-entity discovery (``<prefix>/<component>/<object_id>/config``, the form Home Assistant
2024.3 understands), one HA device per athlete, a stable ``unique_id`` per entity, the
``origin`` block and the daemon's availability topic. Every entity reads one key of the
athlete's retained state JSON; ``None`` renders as HA's ``None`` payload, i.e. unknown.
See https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from recoveryd import __version__
from recoveryd.models import Decision, Protocol, Session

from integrations.mqtt.topics import Message, Topics

ORIGIN = {
    "name": "recoveryd",
    "sw_version": __version__,
    "support_url": "https://github.com/recoveryd/recoveryd",
}


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One Home Assistant entity of an athlete's device."""

    key: str
    name: str
    state_key: str
    icon: str
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = "measurement"
    precision: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("readiness", "Readiness", "readiness", "mdi:gauge", precision=0),
    EntitySpec(
        "protocol",
        "Protocol",
        "protocol",
        "mdi:clipboard-pulse",
        device_class="enum",
        state_class=None,
        extra={
            "options": [p.value for p in Protocol],
            "json_attributes_template": "{{ value_json.attributes | tojson }}",
        },
    ),
    EntitySpec("rmssd", "rMSSD", "rmssd_ms", "mdi:heart-flash", unit="ms", precision=0),
    EntitySpec("ln_rmssd", "ln rMSSD", "ln_rmssd", "mdi:heart-flash", precision=2),
    EntitySpec(
        "resting_hr", "Resting heart rate", "rhr_bpm", "mdi:heart-pulse", unit="bpm", precision=0
    ),
    EntitySpec(
        "sleep_duration",
        "Sleep duration",
        "sleep_h",
        "mdi:sleep",
        unit="h",
        device_class="duration",
        precision=1,
    ),
)


def object_id(athlete: str, key: str) -> str:
    """The stable object id (and ``unique_id``) of one athlete's entity."""
    return f"recoveryd_{athlete}_{key}"


def discovery_messages(topics: Topics, athlete: str, athlete_name: str) -> list[Message]:
    """The retained discovery config of every entity of ``athlete``."""
    device = {
        "identifiers": [f"recoveryd_{athlete}"],
        "name": f"{athlete_name} recovery",
        "manufacturer": "recoveryd",
        "model": "Recovery coach",
        "sw_version": __version__,
    }
    messages = []
    for spec in ENTITIES:
        oid = object_id(athlete, spec.key)
        config: dict[str, Any] = {
            "name": spec.name,
            "unique_id": oid,
            "object_id": oid,
            "state_topic": topics.state(athlete),
            "value_template": f"{{{{ value_json.{spec.state_key} }}}}",
            "availability": [{"topic": topics.availability}],
            "icon": spec.icon,
            "device": device,
            "origin": ORIGIN,
        }
        if spec.unit is not None:
            config["unit_of_measurement"] = spec.unit
        if spec.device_class is not None:
            config["device_class"] = spec.device_class
        if spec.state_class is not None:
            config["state_class"] = spec.state_class
        if spec.precision is not None:
            config["suggested_display_precision"] = spec.precision
        if "json_attributes_template" in spec.extra:
            config["json_attributes_topic"] = topics.state(athlete)
        config.update(spec.extra)
        messages.append(
            Message(topics.discovery("sensor", oid), json.dumps(config, sort_keys=True))
        )
    return messages


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
        "attributes": {
            "date": plan.date.isoformat(),
            "reasons": list(plan.reasons),
            "hrv_status": readiness.hrv_status.value,
            "flags": list(readiness.flags),
            "illness": readiness.illness,
            "confidence": readiness.confidence,
            "session": session,
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


def state_message(topics: Topics, decision: Decision) -> Message:
    """The retained state message for ``decision``."""
    payload = json.dumps(state_payload(decision), sort_keys=True)
    return Message(topics.state(decision.plan.athlete), payload)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)

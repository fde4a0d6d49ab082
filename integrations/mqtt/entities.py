# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Every entity of an athlete's device and of the household's, as discovery announces them.

Read-only entities read the retained state (per decision) or live (per event of the day)
JSON; controls send to ``<base>/<athlete>/set/<control>``, which
:mod:`recoveryd.domain.commands` checks, at QoS 1. :mod:`recoveryd.integrations.mqtt.discovery`
turns them into the retained discovery configs; the dashboard names them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from recoveryd.domain.commands import AUTO, SETTABLE_PROTOCOLS
from recoveryd.domain.models import CHECKIN_ITEMS, HrvPattern, Protocol
from recoveryd.integrations.mqtt.topics import HOUSEHOLD, Topics

EVENT_TYPES = ("decision", "action", "command", "error", "reading")

# (key, name, unit in Home Assistant's terms, icon) of every readiness contributor.
CONTRIBUTORS: tuple[tuple[str, str, str | None, str], ...] = (
    ("hrv_trend", "HRV 7-day (ln rMSSD)", None, "mdi:chart-bell-curve"),
    ("hrv_cv", "HRV 7-day CV", "%", "mdi:chart-bell-curve-cumulative"),
    ("hrv_today", "HRV today (ln rMSSD)", None, "mdi:heart-flash"),
    ("rhr", "Resting HR vs baseline", "bpm", "mdi:heart-pulse"),
    ("resp_rate", "Breathing rate vs baseline", "br/min", "mdi:lungs"),
    ("skin_temp", "Skin temperature vs baseline", "°C", "mdi:thermometer"),
    ("sleep", "Sleep vs baseline", "min", "mdi:sleep"),
    ("sleep_debt", "Sleep 14-day mean", "min", "mdi:sleep-off"),
    ("sleep_regularity", "Sleep regularity (SRI)", None, "mdi:calendar-clock"),
    *(
        (f"checkin_{item}", f"Check-in {item.replace('_', ' ')}", None, "mdi:clipboard-check")
        for item in CHECKIN_ITEMS
    ),
    ("checkin_wellness", "Check-in wellness", None, "mdi:emoticon-outline"),
)
_CHECKIN_NAMES = {item: f"Morning {item.replace('_', ' ')}" for item in CHECKIN_ITEMS}


@dataclass(frozen=True, slots=True)
class Entity:
    """One discovered entity: its component, its key within the device, its config."""

    component: str
    key: str
    config: dict[str, Any]


def object_id(owner: str, key: str) -> str:
    """The stable object id (and ``unique_id``) of one entity of an athlete or the household."""
    return f"recoveryd_{owner}_{key}"


def _sensor(key: str, name: str, icon: str, template: str, **extra: Any) -> Entity:  # noqa: ANN401
    return Entity("sensor", key, {"name": name, "icon": icon, "value_template": template, **extra})


def _decision_sensors(state: str) -> Iterator[Entity]:
    measured = {"state_topic": state, "state_class": "measurement"}
    yield _sensor("readiness", "Readiness", "mdi:gauge", "{{ value_json.readiness }}",
                  suggested_display_precision=0, **measured)  # fmt: skip
    yield _sensor(
        "protocol", "Protocol", "mdi:clipboard-pulse", "{{ value_json.protocol }}",
        state_topic=state, device_class="enum", options=[p.value for p in Protocol],
        json_attributes_topic=state,
        json_attributes_template="{{ value_json.attributes | tojson }}",
    )  # fmt: skip
    yield _sensor("rmssd", "rMSSD", "mdi:heart-flash", "{{ value_json.rmssd_ms }}",
                  unit_of_measurement="ms", suggested_display_precision=0, **measured)  # fmt: skip
    yield _sensor("ln_rmssd", "ln rMSSD", "mdi:heart-flash", "{{ value_json.ln_rmssd }}",
                  suggested_display_precision=2, **measured)  # fmt: skip
    yield _sensor("resting_hr", "Resting heart rate", "mdi:heart-pulse",
                  "{{ value_json.rhr_bpm }}", unit_of_measurement="bpm",
                  suggested_display_precision=0, **measured)  # fmt: skip
    yield _sensor("sleep_duration", "Sleep duration", "mdi:sleep", "{{ value_json.sleep_h }}",
                  unit_of_measurement="h", device_class="duration",
                  suggested_display_precision=1, **measured)  # fmt: skip
    for signal, name, unit, icon in CONTRIBUTORS:
        found = f"value_json.attributes.contributors.get('{signal}')"
        extra: dict[str, Any] = {"unit_of_measurement": unit} if unit else {}
        yield _sensor(
            f"contributor_{signal}", name, icon,
            f"{{{{ {found}.value if {found} else None }}}}",
            state_topic=state, state_class="measurement", json_attributes_topic=state,
            json_attributes_template=f"{{{{ ({found} or {{}}) | tojson }}}}",
            entity_category="diagnostic", **extra,
        )  # fmt: skip
    session = "value_json.attributes.session"
    yield _sensor(
        "training", "Today's training", "mdi:run",
        f"{{{{ {session}.title if {session} else 'Rest day' }}}}",
        state_topic=state, json_attributes_topic=state,
        json_attributes_template=f"{{{{ ({session} or {{}}) | tojson }}}}",
    )  # fmt: skip
    for key, name, icon, field in (
        ("sleep_need", "Sleep need tonight", "mdi:bed-clock", "sleep_need_h"),
        ("sleep_debt", "Sleep debt (7 nights)", "mdi:bed-clock", "sleep_debt_h"),
    ):
        yield _sensor(key, name, icon, f"{{{{ value_json.{field} }}}}", unit_of_measurement="h",
                      device_class="duration", suggested_display_precision=1,
                      **measured)  # fmt: skip
    yield _sensor(
        "target_bedtime", "Target bedtime", "mdi:weather-night",
        "{{ value_json.target_bedtime }}", state_topic=state, device_class="timestamp",
        json_attributes_topic=state,
        json_attributes_template="{{ (value_json.attributes.sleep or {}) | tojson }}",
    )  # fmt: skip
    yield _sensor(
        "hrv_pattern", "HRV pattern", "mdi:chart-timeline-variant-shimmer",
        "{{ value_json.attributes.hrv_pattern }}", state_topic=state, device_class="enum",
        options=[p.value for p in HrvPattern],
    )  # fmt: skip
    yield Entity("binary_sensor", "illness", {
        "name": "Illness pattern", "icon": "mdi:emoticon-sick-outline", "state_topic": state,
        "value_template": "{{ 'ON' if value_json.attributes.illness else 'OFF' }}",
        "device_class": "problem",
    })  # fmt: skip


def _fuel_entities(topics: Topics, athlete: str) -> Iterator[Entity]:
    """The day's fuel hints and the weigh-ins around training (only where fuel is on)."""
    state, live = topics.state(athlete), topics.live(athlete)
    fuel = "value_json.attributes.fuel"
    for key, name, icon, field in (
        ("carbohydrate", "Carbohydrate today", "mdi:bread-slice", "carbs"),
        ("protein", "Protein today", "mdi:food-drumstick", "protein"),
        ("fluid", "Fluid to replace", "mdi:cup-water", "fluid"),
    ):
        yield _sensor(key, name, icon, f"{{{{ value_json.{field} }}}}", state_topic=state,
                      json_attributes_topic=state,
                      json_attributes_template=f"{{{{ ({fuel} or {{}}) | tojson }}}}")  # fmt: skip
    yield _sensor(
        "caffeine_cutoff", "Caffeine cut-off", "mdi:coffee-off",
        "{{ value_json.caffeine_cutoff }}", state_topic=state, device_class="timestamp",
    )  # fmt: skip
    for when in ("before", "after"):
        yield Entity("number", f"weight_{when}", {
            "name": f"Weight {when} training or sauna", "icon": "mdi:scale-bathroom",
            "state_topic": live, "value_template": f"{{{{ value_json.weigh_ins.weight_{when} }}}}",
            "command_topic": topics.command(athlete, f"weight_{when}"),
            "min": 20, "max": 350, "step": 0.1, "mode": "box", "unit_of_measurement": "kg",
            "device_class": "weight",
        })  # fmt: skip


def _live_entities(live: str) -> Iterator[Entity]:
    yield _sensor(
        "next_action", "Next recovery action", "mdi:timer-outline",
        "{{ value_json.next_action.at if value_json.next_action else None }}",
        state_topic=live, device_class="timestamp", json_attributes_topic=live,
        json_attributes_template="{{ (value_json.next_action or {}) | tojson }}",
    )  # fmt: skip
    yield _sensor(
        "strap_battery", "Heart rate strap battery", "mdi:battery-heart-variant",
        "{{ value_json.strap_battery_pct }}", state_topic=live, device_class="battery",
        unit_of_measurement="%", entity_category="diagnostic",
    )  # fmt: skip
    for key, name, icon, field, device_class in (
        ("data_fresh", "Data fresh", "mdi:database-check", "data_fresh", None),
        ("session_running", "Recovery session running", "mdi:spa", "session_running", "running"),
    ):
        config = {"name": name, "icon": icon, "state_topic": live,
                  "value_template": f"{{{{ 'ON' if value_json.{field} else 'OFF' }}}}"}  # fmt: skip
        if device_class is not None:
            config["device_class"] = device_class
        yield Entity("binary_sensor", key, config)


def _controls(topics: Topics, athlete: str, live: str) -> Iterator[Entity]:
    yield Entity("select", "protocol_override", {
        "name": "Protocol override", "icon": "mdi:account-cog", "state_topic": live,
        "value_template": "{{ value_json.override }}",
        "command_topic": topics.command(athlete, "protocol"),
        "options": [AUTO, *SETTABLE_PROTOCOLS],
    })  # fmt: skip
    for item in CHECKIN_ITEMS:
        yield Entity("number", f"checkin_{item}", {
            "name": _CHECKIN_NAMES[item], "icon": "mdi:numeric", "state_topic": live,
            "value_template": f"{{{{ value_json.checkin.{item} }}}}",
            "command_topic": topics.command(athlete, f"checkin_{item}"),
            "min": 1, "max": 5, "step": 1, "mode": "slider",
        })  # fmt: skip
    yield Entity("number", "last_session_rpe", {
        "name": "Last session RPE", "icon": "mdi:arm-flex", "state_topic": live,
        "value_template": "{{ value_json.last_rpe }}",
        "command_topic": topics.command(athlete, "rpe"),
        "min": 0, "max": 10, "step": 0.5, "mode": "box",
    })  # fmt: skip
    for key, name, icon in (
        ("start_session", "Start recovery session now", "mdi:play-circle"),
        ("skip_today", "Skip today's recovery", "mdi:skip-next-circle"),
        ("redecide", "Decide again", "mdi:refresh"),
    ):
        yield Entity("button", key, {
            "name": name, "icon": icon, "command_topic": topics.command(athlete, key),
            "payload_press": "PRESS",
        })  # fmt: skip
    yield Entity("event", "events", {
        "name": "Recovery events", "icon": "mdi:bell-ring", "state_topic": topics.event(athlete),
        "event_types": list(EVENT_TYPES),
    })  # fmt: skip
    yield Entity("image", "chart", {
        "name": "30-day chart", "icon": "mdi:chart-line", "image_topic": topics.chart(athlete),
        "content_type": "image/png",
    })  # fmt: skip


def _source_entities(live: str, sources: Sequence[str]) -> Iterator[Entity]:
    """Per listed source: its last night (a date) and whether it has gone quiet."""
    for source in sources:
        found = f"value_json.sources.get('{source}') if value_json.sources else None"
        yield _sensor(
            f"last_night_{source}", f"Last night from {source}", "mdi:calendar-check",
            f"{{{{ ({found} or {{}}).get('last_night') }}}}", state_topic=live,
            device_class="date", entity_category="diagnostic", json_attributes_topic=live,
            json_attributes_template=f"{{{{ ({found} or {{}}) | tojson }}}}",
        )  # fmt: skip
        yield Entity("binary_sensor", f"stale_{source}", {
            "name": f"{source} stale", "icon": "mdi:database-clock", "state_topic": live,
            "value_template": f"{{{{ 'ON' if ({found} or {{}}).get('stale', true) else 'OFF' }}}}",
            "device_class": "problem", "entity_category": "diagnostic",
        })  # fmt: skip


def athlete_entities(
    topics: Topics, athlete: str, sources: Sequence[str] = (), *, fuel: bool = True
) -> list[Entity]:
    """Every entity of one athlete's device (``sources``: the athlete's listed sources).

    ``fuel``: the athlete has the fuel hints on (their sensors and weigh-ins are included).
    """
    return _commands_at_qos1(
        [
            *_decision_sensors(topics.state(athlete)),
            *(_fuel_entities(topics, athlete) if fuel else ()),
            *_live_entities(topics.live(athlete)),
            *_source_entities(topics.live(athlete), sources),
            *_controls(topics, athlete, topics.live(athlete)),
        ]
    )


def household_entities(topics: Topics) -> list[Entity]:
    """The daemon's own device: the switch that pauses all actuation, and its health."""
    return _commands_at_qos1(
        [
            Entity(
                "binary_sensor",
                "problem",
                {
                    "name": "Problem",
                    "icon": "mdi:alert-circle-outline",
                    "device_class": "problem",
                    "entity_category": "diagnostic",
                    "state_topic": topics.household_state,
                    "value_template": "{{ 'OFF' if value_json.healthy else 'ON' }}",
                    "json_attributes_topic": topics.household_state,
                    "json_attributes_template": "{{ {'problem': value_json.problem} | tojson }}",
                },
            ),
            Entity(
                "switch",
                "pause",
                {
                    "name": "Pause all actuation",
                    "icon": "mdi:pause-octagon",
                    "state_topic": topics.household_state,
                    "value_template": "{{ 'ON' if value_json.paused else 'OFF' }}",
                    "command_topic": topics.command(HOUSEHOLD, "pause"),
                    "payload_on": "ON",
                    "payload_off": "OFF",
                },
            ),
        ]
    )


def _commands_at_qos1(entities: list[Entity]) -> list[Entity]:
    """The entities with each control set to publish at QoS 1 (Home Assistant's default is 0).

    The broker keeps a press made while recoveryd is away in its persistent session only at
    QoS 1, and delivers it when recoveryd is back.
    """
    return [
        replace(e, config={**e.config, "qos": 1}) if "command_topic" in e.config else e
        for e in entities
    ]

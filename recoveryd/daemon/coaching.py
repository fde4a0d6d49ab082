# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What a decided day adds from the home and the person: tonight's bedtime and the day's fuel.

The engine decides from the history alone; the bedtime needs tomorrow's wake time (the
configuration, or the phone's next alarm as the daemon last read it) and the fuel hints the
body weight and today's weigh-ins. Those day controls are inputs of the decision: they are in
its digest (:data:`DECISION_CONTROLS`), so a new alarm or weigh-in decides the day again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from recoveryd.config.athletes import AthleteConfig
from recoveryd.config.model import Config
from recoveryd.domain.columns import NightColumns
from recoveryd.domain.commands import WEIGH_INS
from recoveryd.domain.models import DayPlan
from recoveryd.engine.fuel import fuel_hints, measured_weight
from recoveryd.home.bedtime import ALARM_CONTROL, with_bedtime

DECISION_CONTROLS = (ALARM_CONTROL, *WEIGH_INS)
"""The day controls a decision reads (and its digest covers)."""


def coached(
    plans: Sequence[DayPlan],
    config: Config,
    athlete: AthleteConfig,
    nights: NightColumns,
    controls: Mapping[date, Mapping[str, str]],
) -> list[DayPlan]:
    """``plans`` with their bedtime and fuel hints; ``controls`` are the days' day controls."""
    found = []
    for plan in plans:
        today = controls.get(plan.date, {})
        alarm = today.get(ALARM_CONTROL) if athlete.sleep.next_alarm_entity is not None else None
        timed = with_bedtime(
            plan, athlete.sleep, config.zone,
            alarm=None if alarm is None else datetime.fromisoformat(alarm),
        )  # fmt: skip
        found.append(with_fuel(timed, athlete, nights, today))
    return found


def with_fuel(
    plan: DayPlan, athlete: AthleteConfig, nights: NightColumns, controls: Mapping[str, str]
) -> DayPlan:
    """``plan`` with the day's fuel hints, unless they are off or no weight is known."""
    if not athlete.fuel.enabled:
        return plan
    weight = measured_weight(nights, plan.date)
    if weight is None and athlete.fuel.body_weight_kg is not None:
        weight = (athlete.fuel.body_weight_kg, "configuration")
    if weight is None:
        return plan
    before, after = (controls.get(control) for control in WEIGH_INS)
    weigh_ins = None if before is None or after is None else (float(before), float(after))
    lights_out = plan.bedtime.lights_out if plan.bedtime is not None else None
    fuel = fuel_hints(weight, plan.session, lights_out=lights_out, weigh_ins=weigh_ins)
    return replace(plan, fuel=fuel)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Day plans as JSON for scripts (``today --json``, ``replay --json``); no terminal library."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from recoveryd.domain.coach import Bedtime, Forecast, Fuel, SleepNeed
from recoveryd.domain.models import DayPlan, LoadContext
from recoveryd.domain.training import Session

_PLAN = TypeAdapter(DayPlan)
_LOAD = TypeAdapter(LoadContext | None)
_SESSION = TypeAdapter(Session | None)
_SLEEP = TypeAdapter(SleepNeed | None)
_BEDTIME = TypeAdapter(Bedtime | None)
_FUEL = TypeAdapter(Fuel | None)
_FORECAST = TypeAdapter(Forecast | None)


def plan_json(plan: DayPlan) -> dict[str, Any]:
    """The whole day plan as JSON-ready data."""
    data: dict[str, Any] = _PLAN.dump_python(plan, mode="json")
    return data


def replay_json(plan: DayPlan) -> dict[str, Any]:
    """One replayed day for scripts: the decision, load context, session, flags, contributors.

    The load context and the adjusted session are the values ``today --json`` gives the day.
    """
    r = plan.readiness
    return {
        "date": plan.date.isoformat(),
        "protocol": plan.protocol.value,
        "overridden_from": None if plan.overridden_from is None else plan.overridden_from.value,
        "load": _LOAD.dump_python(plan.load, mode="json"),
        "planned_session": _SESSION.dump_python(plan.planned_session, mode="json"),
        "session": _SESSION.dump_python(plan.session, mode="json"),
        "readiness": r.score,
        "confidence": r.confidence,
        "hrv_status": r.hrv_status.value,
        "hrv_pattern": r.hrv_pattern.value,
        "expected_ln_rmssd": r.expected_ln_rmssd,
        "expected_rhr_bpm": r.expected_rhr_bpm,
        "forecast_ln_rmssd": _FORECAST.dump_python(plan.forecast, mode="json"),
        "sleep": _SLEEP.dump_python(plan.sleep, mode="json"),
        "bedtime": _BEDTIME.dump_python(plan.bedtime, mode="json"),
        "fuel": _FUEL.dump_python(plan.fuel, mode="json"),
        "flags": list(r.flags),
        "reasons": list(plan.reasons),
        "contributors": [
            {
                "signal": c.signal,
                "value": c.value,
                "unit": c.unit,
                "baseline": c.baseline,
                "range": [c.band_low, c.band_high],
                "z": c.z,
                "days": c.days,
                "flag": c.flag,
                "reason": c.reason,
            }
            for c in r.contributors
        ],
    }

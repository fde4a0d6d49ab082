# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Frozen domain types shared by the engine, the store, the daemon and the adapters.

Every value that crosses a boundary (store, MQTT, CLI output) is one of these. They are plain
frozen dataclasses; pydantic's ``TypeAdapter`` turns them into JSON and back at the edges.

Dates: a :class:`Night` is filed under the *morning* it ends on, i.e. the date of the day that
is decided from it. Times of day are local to the household's time zone.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum

from recoveryd.domain.coach import Bedtime, Forecast, Fuel, SleepNeed
from recoveryd.domain.training import Session


class Protocol(StrEnum):
    """The day's recovery protocol, from most to least protective."""

    REST = "rest"
    ACTIVE_RECOVERY = "active_recovery"
    MOBILITY = "mobility"
    AS_PLANNED = "as_planned"
    PROGRESSIVE_OVERLOAD = "progressive_overload"
    INSUFFICIENT_DATA = "insufficient_data"

    @property
    def is_hard(self) -> bool:
        """Whether the planned hard work goes ahead (the day is not cut back)."""
        return self in {Protocol.AS_PLANNED, Protocol.PROGRESSIVE_OVERLOAD}


class HrvStatus(StrEnum):
    """Where the 7-day mean of ln rMSSD lies against the athlete's normal range."""

    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"
    UNKNOWN = "unknown"


class HrvPattern(StrEnum):
    """The pattern of the 7-day mean and CV of ln rMSSD (see :mod:`recoveryd.engine.trends`)."""

    COPING_WELL = "coping_well"
    ACCUMULATED_FATIGUE = "accumulated_fatigue"
    MALADAPTATION = "maladaptation"
    SATURATION = "saturation"
    VARIABLE = "variable"
    NONE = "none"  # the signals are known but form none of the patterns above
    UNKNOWN = "unknown"  # too few days for the CV or its normal range


# The nightly metrics a Night can carry, in the order of the generic CSV format.
NIGHT_METRICS: tuple[str, ...] = (
    "hrv_rmssd_ms",
    "rhr_bpm",
    "sleep_total_min",
    "sleep_deep_min",
    "sleep_rem_min",
    "sleep_light_min",
    "sleep_awake_min",
    "resp_rate",
    "skin_temp_dev_c",
    "spo2_pct",
    # SDNN is a different quantity from rMSSD (Apple Watch reports it): stored apart, it
    # never enters the rMSSD baselines.
    "hrv_sdnn_ms",
    # When the main sleep began and ended, in minutes from the midnight that starts the
    # morning the night is filed under: -45 is 23:15 the evening before, 410 is 06:50.
    "sleep_onset_min",
    "sleep_offset_min",
    # The morning's body weight (a scale's reading is filed like a night: under its morning).
    "body_weight_kg",
)

CHECKIN_ITEMS: tuple[str, ...] = ("soreness", "stress", "mood", "sleep_quality", "energy")


@dataclass(frozen=True, slots=True)
class Night:
    """One night of one source for one athlete; ``None`` means the source did not measure it."""

    athlete: str
    date: dt.date
    source: str
    hrv_rmssd_ms: float | None = None
    rhr_bpm: float | None = None
    sleep_total_min: float | None = None
    sleep_deep_min: float | None = None
    sleep_rem_min: float | None = None
    sleep_light_min: float | None = None
    sleep_awake_min: float | None = None
    resp_rate: float | None = None
    skin_temp_dev_c: float | None = None
    spo2_pct: float | None = None
    hrv_sdnn_ms: float | None = None
    sleep_onset_min: float | None = None
    sleep_offset_min: float | None = None
    body_weight_kg: float | None = None

    def metric(self, name: str) -> float | None:
        """The value of one of :data:`NIGHT_METRICS`, or ``None`` when not measured."""
        if name not in NIGHT_METRICS:
            raise KeyError(name)
        value: float | None = getattr(self, name)
        return value

    def has_any_metric(self) -> bool:
        """Whether at least one metric was measured."""
        return any(self.metric(name) is not None for name in NIGHT_METRICS)


@dataclass(frozen=True, slots=True)
class CheckIn:
    """The 30-second morning wellness check-in; items on a 1 (worst) to 5 (best) scale."""

    athlete: str
    date: dt.date
    soreness: int | None = None
    stress: int | None = None
    mood: int | None = None
    sleep_quality: int | None = None
    energy: int | None = None

    def has_any_item(self) -> bool:
        """Whether at least one item was answered."""
        return any(getattr(self, name) is not None for name in CHECKIN_ITEMS)


@dataclass(frozen=True, slots=True)
class Contributor:
    """One signal's part in the day's readiness, with everything needed to explain it.

    ``z`` is signed so that negative is worse for every signal. ``band_low``/``band_high`` is
    the athlete's normal range for the compared value; ``days`` counts the valid days of the
    baseline behind it.
    """

    signal: str
    value: float
    unit: str
    baseline: float | None
    band_low: float | None
    band_high: float | None
    z: float | None
    days: int
    flag: bool
    reason: str

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"contributor {self.signal}: value must be finite")


@dataclass(frozen=True, slots=True)
class Readiness:
    """The assessed readiness of one athlete on one day."""

    score: int | None
    confidence: float
    hrv_status: HrvStatus
    acute_hrv_drop: bool
    illness: bool
    flags: tuple[str, ...]
    contributors: tuple[Contributor, ...]
    hrv_valid_days: int
    hrv_source: str | None
    measured: tuple[tuple[str, float], ...] = ()
    # Nothing usable measured or answered today; then each listed source's last night.
    no_input: bool = False
    last_nights: tuple[tuple[str, dt.date | None], ...] = ()
    # How another source's nights joined today's baselines (a device change), if they did.
    notes: tuple[str, ...] = ()
    hrv_pattern: HrvPattern = HrvPattern.UNKNOWN
    # This morning's ln rMSSD as the athlete's own load response predicts it (None: no
    # response fitted), and that response in plain words.
    expected_ln_rmssd: float | None = None
    load_response: str | None = None
    # This morning's resting HR as its own fitted load response predicts it (None: none).
    expected_rhr_bpm: float | None = None

    def measurement(self, metric: str) -> float | None:
        """Today's raw value of one of :data:`NIGHT_METRICS` from the source used, if any."""
        return next((v for name, v in self.measured if name == metric), None)

    def contributor(self, signal: str) -> Contributor | None:
        """The contributor for ``signal``, or ``None`` when that signal was missing."""
        return next((c for c in self.contributors if c.signal == signal), None)


# What an action does, independent of the device that does it.
ACTION_COMMANDS: tuple[str, ...] = (
    "heat_on",  # sauna: heat to params temp_c; params auto_off_min arms the device-side off
    "heat_off",
    "start_check",  # sauna: turn the heat off if nobody started the session by now
    "turn_on",  # compression boots or a switch, params minutes
    "turn_off",
    "play_media",  # params media_id, media_type
    "timer_start",  # params minutes
    "scene",  # params kelvin, brightness_pct, transition_s (each optional)
)
# Commands that make a device safe; they always run, however late.
SAFE_COMMANDS: frozenset[str] = frozenset({"heat_off", "turn_off", "start_check"})
# Commands that start something that heats or squeezes; each has a switch-off in the timeline.
SWITCH_ONS: frozenset[str] = frozenset({"heat_on", "turn_on"})
# The switch-off of each switch-on.
SWITCH_OFF: dict[str, str] = {"heat_on": "heat_off", "turn_on": "turn_off"}
SWITCH_OFFS: frozenset[str] = frozenset(SWITCH_OFF.values())


@dataclass(frozen=True, slots=True)
class Action:
    """One thing the home does at a local time, for one athlete's day plan.

    ``device`` names a device of the configuration; ``ends_at`` is when what this action
    starts is expected to end (a sauna session, a boots session).
    """

    at: dt.datetime
    athlete: str
    modality: str
    command: str
    device: str
    params: tuple[tuple[str, str], ...] = ()
    ends_at: dt.datetime | None = None

    @property
    def key(self) -> str:
        """A stable identity for the action log, so that no action runs twice."""
        return f"{self.athlete}:{self.at.isoformat()}:{self.modality}:{self.command}:{self.device}"

    def param(self, name: str) -> str | None:
        """One parameter, or ``None``."""
        return next((value for key, value in self.params if key == name), None)


@dataclass(frozen=True, slots=True)
class LoadContext:
    """Training load on the decided day, as context (see ``engine/load.py``).

    ``unit`` is ``trimp`` or ``srpe``; ``form_pct`` is TSB as a share of CTL.
    """

    unit: str
    ctl: float
    atl: float
    tsb: float
    form_pct: float | None
    acwr: float | None
    monotony: float | None
    strain: float | None
    days_with_load: int


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The engine's decision for one athlete and day, with its reasons and consequences."""

    athlete: str
    date: dt.date
    protocol: Protocol
    readiness: Readiness
    reasons: tuple[str, ...]
    planned_session: Session | None
    session: Session | None
    actions: tuple[Action, ...] = field(default=())
    load: LoadContext | None = None
    overridden_from: Protocol | None = None
    # Tonight's sleep need (the engine), and the bedtime it gives with tomorrow's wake time
    # (the home: recoveryd.home.bedtime).
    sleep: SleepNeed | None = None
    bedtime: Bedtime | None = None
    # The day's fuel hints (recoveryd.engine.fuel); None: off, or no body weight known.
    fuel: Fuel | None = None
    # The next seven mornings' ln rMSSD by the load response (None: no response fitted).
    forecast: Forecast | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """A stored :class:`DayPlan`: when it was made, which revision, and what it was made from."""

    plan: DayPlan
    revision: int
    decided_at: dt.datetime
    inputs_digest: str
    published_at: dt.datetime | None = None


def night_field_names() -> tuple[str, ...]:
    """Names of all :class:`Night` fields, in declaration order."""
    return tuple(f.name for f in fields(Night))

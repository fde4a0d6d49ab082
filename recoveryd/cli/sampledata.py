# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Deterministic sample histories for the demo, the tests and anyone trying recoveryd out.

Two athletes, 150 nights each, ending on a chosen morning (the demo uses today). The same seed
and end date always give the same nights.

Physiology, per athlete:

* ln rMSSD around a personal mean with a day-to-day SD of about 0.09 and AR(1) carry-over
  (phi = 0.3); Plews et al. (2012) report a coefficient of variation of ln rMSSD of a few per
  cent in well-trained athletes.
* A weekly training rhythm: the morning after a hard session ln rMSSD is ~0.06 lower and RHR
  ~1 bpm higher; after a rest day ~0.04 higher.
* RHR moves against HRV (about -10 bpm per unit of ln rMSSD) plus its own noise of ~1.2 bpm.
* Sleep about 7.5 h with an SD of ~30 min, longer at weekends; stages as shares of the total.
* Respiratory rate ~14-16 /min (SD 0.3); skin temperature deviation ~0 (SD 0.12 C).
* Sleep begins about 23:00 on workdays and 23:45 before a weekend morning (SD 25 min) and
  ends when the total sleep and time awake have passed; a morning weight around 68 kg (alex)
  and 82 kg (sam), SD 0.4 kg. Timing and weight come from their own random stream, so
  adding them changed no other value.
* About 3 % of nights missing (the ring was charging), never the last one.
* Completed training sessions from each athlete's weekly template (:func:`generate_sessions`),
  with CR-10 RPE and an average heart rate that rises with RPE across the heart-rate reserve;
  longer and harder during an overreaching block, none while ill. They come from their own
  random stream, so adding them changes no night.

Events, in days before the end date:

* ``alex`` (ring, endurance): an overreaching block 75-62 days back, and a short illness
  9-6 days back (skin temperature +0.6-0.9 C, breathing +1.8 /min, RHR +7 bpm, HRV down),
  recovering over the following days.
* ``sam`` (watch, strength): an illness 80-77 days back, and an overreaching block over the
  last two weeks (HRV progressively suppressed, RHR up, 40 min less sleep a night).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from recoveryd.domain.models import CheckIn, Night
from recoveryd.domain.training import CompletedSession

DEFAULT_SEED = 20240521
DEFAULT_DAYS = 150


@dataclass(frozen=True, slots=True)
class _Profile:
    athlete: str
    source: str
    ln_rmssd: float
    rhr: float
    sleep_min: float
    resp: float
    weight_kg: float
    hard_weekdays: frozenset[int]
    rest_weekdays: frozenset[int]


PROFILES: tuple[_Profile, ...] = (
    _Profile("alex", "oura", 4.25, 48.0, 455.0, 14.2, 68.0, frozenset({1, 3, 5}), frozenset({0})),
    _Profile("sam", "garmin", 3.80, 56.0, 430.0, 15.5, 82.0, frozenset({0, 2, 4}), frozenset({6})),
)


@dataclass(frozen=True, slots=True)
class _Perturbation:
    ln_rmssd: float = 0.0
    rhr: float = 0.0
    sleep: float = 0.0
    resp: float = 0.0
    skin: float = 0.0
    feel: float = 0.0


def _ramp(back: int, first: int, last: int, depth: float) -> float:
    """0 outside [last, first] days back, growing linearly to ``depth`` at ``last``."""
    if not last <= back <= first:
        return 0.0
    return depth * (first - back + 1) / (first - last + 1)


# Episodes, as days before the end date (oldest first within each tuple of values).
_ALEX_ILLNESS = range(6, 10)
_ALEX_FEVER_C = (0.6, 0.8, 0.9, 0.6)  # 6, 7, 8, 9 days back
_ALEX_COMEBACK = range(2, 6)
_ALEX_RESIDUAL = (-0.12, -0.2, -0.28, -0.35)  # 2, 3, 4, 5 days back
_ALEX_OVERREACH = (75, 62)
_SAM_ILLNESS = range(77, 81)
_SAM_BLOCK = (13, 3)
_SAM_AFTER = range(3)
_MISSING_NIGHT_P = 0.03
_CHECKIN_P = 0.8


def _events(athlete: str, back: int) -> _Perturbation:
    return _alex_events(back) if athlete == "alex" else _sam_events(back)


def _alex_events(back: int) -> _Perturbation:
    if back in _ALEX_ILLNESS:
        fever = _ALEX_FEVER_C[back - _ALEX_ILLNESS.start]
        return _Perturbation(-0.35, 7.0, 20.0, 1.8, fever, -1.5)
    if back in _ALEX_COMEBACK:
        residual = _ALEX_RESIDUAL[back - _ALEX_COMEBACK.start]
        return _Perturbation(residual, 2.0, 0.0, 0.3, 0.15, -0.5)
    overreach = _ramp(back, *_ALEX_OVERREACH, -0.30)
    return _Perturbation(overreach, -overreach * 12, 0.0, 0.0, 0.0, overreach * 3)


def _sam_events(back: int) -> _Perturbation:
    if back in _SAM_ILLNESS:
        return _Perturbation(-0.40, 8.0, 30.0, 2.0, 0.8, -1.5)
    depth = _ramp(back, *_SAM_BLOCK, -0.42)
    if depth:
        return _Perturbation(depth, -depth * 12, -40.0, 0.2, 0.0, depth * 4)
    if back in _SAM_AFTER:  # the first easy days after the block
        return _Perturbation(-0.15 - 0.05 * back, 2.0, 10.0, 0.0, 0.0, -0.4)
    return _Perturbation()


def generate(
    end: date, *, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED
) -> tuple[list[Night], list[CheckIn]]:
    """Nights and check-ins for every sample athlete, the last night dated ``end``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    nights: list[Night] = []
    checkins: list[CheckIn] = []
    for index, profile in enumerate(PROFILES):
        rng = np.random.default_rng([seed, index])
        timing = np.random.default_rng([seed, index, 2])
        n, c = _athlete_history(profile, end, days, rng, timing)
        nights.extend(n)
        checkins.extend(c)
    return nights, checkins


def _athlete_history(
    p: _Profile, end: date, days: int, rng: np.random.Generator, timing: np.random.Generator
) -> tuple[list[Night], list[CheckIn]]:
    nights: list[Night] = []
    checkins: list[CheckIn] = []
    carry = 0.0
    for back in range(days - 1, -1, -1):
        day = end - timedelta(days=back)
        yesterday = (day - timedelta(days=1)).weekday()
        noise = rng.normal(0.0, 0.09)
        carry = 0.3 * carry + noise
        rhythm = (
            -0.06 if yesterday in p.hard_weekdays else 0.04 if yesterday in p.rest_weekdays else 0.0
        )
        event = _events(p.athlete, back)
        ln_rmssd = p.ln_rmssd + carry + rhythm + event.ln_rmssd
        rhr = p.rhr - 10.0 * (ln_rmssd - p.ln_rmssd) + rng.normal(0.0, 1.2) + event.rhr
        rhr += 1.0 if yesterday in p.hard_weekdays else 0.0
        weekend = 30.0 if day.weekday() in {5, 6} else 0.0
        sleep = p.sleep_min + weekend + rng.normal(0.0, 30.0) + event.sleep
        awake = max(5.0, rng.normal(0.06, 0.015) * sleep)
        deep, rem = rng.normal(0.18, 0.02) * sleep, rng.normal(0.22, 0.02) * sleep
        missing = back > 0 and rng.random() < _MISSING_NIGHT_P
        onset = (45.0 if day.weekday() in {5, 6} else 0.0) - 60.0 + timing.normal(0.0, 25.0)
        weight = p.weight_kg + timing.normal(0.0, 0.4)
        if not missing:
            nights.append(
                Night(
                    athlete=p.athlete,
                    date=day,
                    source=p.source,
                    hrv_rmssd_ms=round(float(np.exp(ln_rmssd)), 1),
                    rhr_bpm=round(rhr, 1),
                    sleep_total_min=round(sleep),
                    sleep_deep_min=round(deep),
                    sleep_rem_min=round(rem),
                    sleep_light_min=round(sleep - deep - rem),
                    sleep_awake_min=round(awake),
                    resp_rate=round(p.resp + rng.normal(0.0, 0.3) + event.resp, 1),
                    skin_temp_dev_c=round(rng.normal(0.0, 0.12) + event.skin, 2),
                    spo2_pct=round(float(np.clip(rng.normal(97.0, 0.8), 90.0, 100.0)), 1),
                    sleep_onset_min=round(onset),
                    sleep_offset_min=round(onset + round(sleep) + round(awake)),
                    body_weight_kg=round(weight, 1),
                )
            )
        if rng.random() < _CHECKIN_P:
            checkins.append(_checkin(p.athlete, day, event.feel, rng))
    return nights, checkins


def _checkin(athlete: str, day: date, feel: float, rng: np.random.Generator) -> CheckIn:
    def item() -> int:
        return int(np.clip(round(4.0 + feel + rng.normal(0.0, 0.6)), 1, 5))

    return CheckIn(athlete, day, item(), item(), item(), item(), item())


@dataclass(frozen=True, slots=True)
class _Workout:
    sport: str
    duration_min: float
    rpe: float


# Weekly templates: weekday -> workout (Monday = 0).
_TEMPLATES: dict[str, dict[int, _Workout]] = {
    "alex": {
        1: _Workout("run", 60, 8),
        2: _Workout("run", 45, 3),
        3: _Workout("run", 65, 7),
        4: _Workout("run", 40, 3),
        5: _Workout("run", 110, 6),
        6: _Workout("bike", 60, 3),
    },
    "sam": {
        0: _Workout("strength", 75, 8),
        1: _Workout("bike", 50, 3),
        2: _Workout("strength", 75, 8),
        3: _Workout("mobility", 30, 2),
        4: _Workout("strength", 70, 8),
        5: _Workout("hike", 120, 3),
    },
}
# Heart-rate zones of the sample athletes: (resting, maximal, sex) for TRIMP.
HEART_RATE: dict[str, tuple[int, int, str]] = {
    "alex": (46, 188, "female"),
    "sam": (54, 182, "male"),
}


def _session_effort(athlete: str, back: int) -> tuple[float, float] | None:
    """(duration factor, added RPE) on that day, or None for no training."""
    ill, easy, block = (
        (_ALEX_ILLNESS, _ALEX_COMEBACK, _ALEX_OVERREACH)
        if athlete == "alex"
        else (_SAM_ILLNESS, range(0), _SAM_BLOCK)
    )
    harder = (1.25, 1.0) if athlete == "alex" else (1.3, 1.5)
    if back in ill:
        return None
    if back in easy:
        return (0.5, -3.0)
    return harder if _ramp(back, *block, 1.0) else (1.0, 0.0)


def generate_sessions(
    end: date, *, days: int = DEFAULT_DAYS, seed: int = DEFAULT_SEED
) -> list[CompletedSession]:
    """The sample athletes' completed sessions over the same days as :func:`generate`."""
    sessions: list[CompletedSession] = []
    for index, profile in enumerate(PROFILES):
        rng = np.random.default_rng([seed, index, 1])
        rest, maximum, _ = HEART_RATE[profile.athlete]
        template = _TEMPLATES[profile.athlete]
        for back in range(days - 1, -1, -1):
            day = end - timedelta(days=back)
            workout = template.get(day.weekday())
            effort = _session_effort(profile.athlete, back)
            if workout is None or effort is None or rng.random() < _MISSING_NIGHT_P:
                continue
            scale, harder = effort
            rpe = float(np.clip(workout.rpe + harder + rng.normal(0.0, 0.5), 1.0, 10.0))
            reserve = min(0.45 + 0.045 * rpe + rng.normal(0.0, 0.02), 0.95)
            sessions.append(
                CompletedSession(
                    athlete=profile.athlete,
                    date=day,
                    source="sample",
                    start="17:30",
                    sport=workout.sport,
                    duration_min=round(workout.duration_min * scale * rng.uniform(0.9, 1.1)),
                    rpe=round(rpe, 1),
                    avg_hr=round(rest + (maximum - rest) * reserve),
                )
            )
    return sessions

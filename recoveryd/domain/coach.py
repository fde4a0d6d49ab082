# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the coach looks ahead to beside the protocol: tonight's sleep, and the day's fuel.

Frozen values the engine and the home compute (``recoveryd.engine.sleep``,
``recoveryd.home.bedtime``, ``recoveryd.engine.fuel``), stored with the day plan and
published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SleepNeed:
    """Tonight's sleep need and its parts, in minutes of sleep (not time in bed).

    ``baseline_min`` is the person's own sleep when it is not cut short, from
    ``baseline_nights`` nights (0: none yet, the adult default is used); ``load_min`` is added
    for the day's training, ``repay_min`` repays part of ``debt_min``, the shortfall of the
    last seven nights against the baseline. ``regularity`` is the Sleep Regularity Index of
    the last 14 days (None: too few nights with sleep times). ``usual_wake_min`` is when the
    person usually wakes on mornings like tomorrow's (free or not), in minutes from midnight.
    """

    need_min: float
    baseline_min: float
    baseline_nights: int
    load_min: float
    debt_min: float
    repay_min: float
    regularity: float | None = None
    regularity_days: int = 0
    usual_wake_min: float | None = None

    def describe(self) -> str:
        """The need and its parts in one sentence, as the summary and the sensors show it."""
        if self.baseline_nights:
            base = f"your own {hours(self.baseline_min)} ({self.baseline_nights} nights)"
        else:
            base = f"the adult default {hours(self.baseline_min)} (too few nights of your own)"
        parts = [base]
        if self.load_min:
            parts.append(f"+{self.load_min:.0f} min for today's training")
        if self.repay_min:
            parts.append(
                f"+{self.repay_min:.0f} min towards a {hours(self.debt_min)} debt of the last week"
            )
        return f"Sleep need tonight {hours(self.need_min)}: {', '.join(parts)}."


@dataclass(frozen=True, slots=True)
class Bedtime:
    """When to be asleep by for tonight's need, and the wake time it counts back from.

    ``lights_out`` is the target bedtime: ``wake_at`` less the sleep need and the minutes it
    takes to fall asleep. ``wake_source`` says where ``wake_at`` came from ("next alarm
    sensor.phone_next_alarm", "wake time for saturday", "usual wake time", ...).
    """

    lights_out: dt.datetime
    wake_at: dt.datetime
    wake_source: str
    need_min: float

    def describe(self) -> str:
        """One line for people: lights out, for which wake time, from where."""
        return (
            f"Lights out by {self.lights_out:%H:%M} to wake at {self.wake_at:%H:%M} "
            f"({self.wake_source}) with {hours(self.need_min)} of sleep."
        )


def hours(minutes: float) -> str:
    """``465`` as ``7 h 45 min``."""
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d} min"


@dataclass(frozen=True, slots=True)
class Forecast:
    """ln rMSSD of the next seven mornings, as the person's load response forecasts them.

    ``planned``: the week trained as planned; ``adjusted``: today's adjusted session and the
    plan after it (with ``eased`` the day whose session is eased in it, when the plan was
    forecast to take the 7-day mean below ``band_low``, the normal range's lower bound).
    """

    planned: tuple[float, ...]
    adjusted: tuple[float, ...]
    band_low: float | None
    eased: str | None = None


@dataclass(frozen=True, slots=True)
class Fuel:
    """The day's fuel hints: ranges for a body weight, never prescriptions.

    Grams per day of carbohydrate (``carb_band`` names the load band of the day's session) and
    protein, protein per meal, fluid to drink after a weigh-in pair (``None``: no pair today),
    and the caffeine cut-off (``None``: no bedtime known). ``weight_source`` says where the
    weight came from ("scale 2026-03-04", "configuration").
    """

    weight_kg: float
    weight_source: str
    carb_band: str
    carbs_g: tuple[float, float]
    protein_g: tuple[float, float]
    protein_dose_g: float
    fluid_l: tuple[float, float] | None = None
    fluid_loss_kg: float | None = None
    caffeine_cutoff: dt.datetime | None = None

    def describe(self) -> tuple[str, ...]:
        """One line per hint, each with its source."""
        lines = [
            (
                f"Carbohydrate {self.carbs_g[0]:.0f}-{self.carbs_g[1]:.0f} g today "
                f"({self.carb_band} day, for {self.weight_kg:g} kg; Thomas et al. 2016)."
            ),
            (
                f"Protein {self.protein_g[0]:.0f}-{self.protein_g[1]:.0f} g, about "
                f"{self.protein_dose_g:.0f} g a meal every 3-4 h (Jäger et al. 2017)."
            ),
        ]
        if self.fluid_l is not None and self.fluid_loss_kg is not None:
            lines.append(
                f"Drink {self.fluid_l[0]:.1f}-{self.fluid_l[1]:.1f} L to replace the "
                f"{self.fluid_loss_kg:.1f} kg lost (Sawka et al. 2007)."
            )
        if self.caffeine_cutoff is not None:
            lines.append(
                f"No caffeine after {self.caffeine_cutoff:%H:%M}, 6 h before bedtime "
                "(Drake et al. 2013)."
            )
        return tuple(lines)

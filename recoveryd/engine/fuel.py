# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The day's fuel hints, scaled to body weight and the adjusted session. Pure.

Ranges from the position stands, never prescriptions:

* **Carbohydrate** by the day's training load (Thomas, Erdman & Burke 2016, *Nutrition and
  Athletic Performance*, joint position of the ACSM, the Academy of Nutrition and Dietetics
  and Dietitians of Canada, J Acad Nutr Diet 116:501-528, daily needs for fuel): light (low
  intensity or skill-based) 3-5 g/kg; moderate (about 1 h a day) 5-7 g/kg; high (1-3 h of
  moderate to high intensity) 6-10 g/kg; very high (over 4-5 h) 8-12 g/kg. The band is read
  from the adjusted session: none, or an easy one under 2 h, is light; up to an hour at
  moderate or hard intensity (or an easy one of 2 h and more) is moderate; more than an hour
  at moderate or hard intensity is high; 4 h and more of it is very high.
* **Protein** 1.4-2.0 g/kg a day, in doses of about 0.25 g/kg every 3-4 h (Jäger et al. 2017,
  ISSN position stand: protein and exercise, J Int Soc Sports Nutr 14:20).
* **Fluid** after training or a sauna: about 1.25-1.5 L for each kg of body mass lost between
  a weigh-in before and one after (Sawka et al. 2007, ACSM position stand: exercise and fluid
  replacement, Med Sci Sports Exerc 39:377-390). A loss of more than 5 kg is not taken as
  sweat (a misread or a wrong entry).
* **Caffeine** not within 6 h of bedtime: 400 mg taken 6 h before bed still cut total sleep by
  more than an hour (Drake et al. 2013, J Clin Sleep Med 9:1195-1200).

Body weight: the most recent measured in the 14 days up to the day (a scale, a Home Assistant
sensor, the CSV; any source), else the configured one; with neither there are no hints.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from recoveryd.domain.clock import later
from recoveryd.domain.coach import Fuel
from recoveryd.domain.columns import NightColumns
from recoveryd.domain.plausible import PLAUSIBLE
from recoveryd.domain.training import Session

CARB_G_PER_KG: dict[str, tuple[float, float]] = {
    "light": (3.0, 5.0),
    "moderate": (5.0, 7.0),
    "high": (6.0, 10.0),
    "very high": (8.0, 12.0),
}
PROTEIN_G_PER_KG = (1.4, 2.0)
PROTEIN_DOSE_G_PER_KG = 0.25
FLUID_L_PER_KG_LOST = (1.25, 1.5)
MAX_LOSS_KG = 5.0
CAFFEINE_HOURS_BEFORE_BED = 6
WEIGHT_DAYS = 14
_HOUR = 60
_LONG_EASY_MIN = 120
_VERY_LONG_MIN = 240


def carb_band(session: Session | None) -> str:
    """The day's load band (a key of :data:`CARB_G_PER_KG`) from its adjusted session."""
    if session is None:
        return "light"
    minutes = session.duration_min
    if session.intensity == "easy":
        return "moderate" if minutes >= _LONG_EASY_MIN else "light"
    if minutes >= _VERY_LONG_MIN:
        return "very high"
    return "high" if minutes > _HOUR else "moderate"


def measured_weight(nights: NightColumns, day: date) -> tuple[float, str] | None:
    """The most recent body weight of the 14 days up to ``day``, and its source and date."""
    low, high = PLAUSIBLE["body_weight_kg"]
    kg = nights.values["body_weight_kg"]
    first = (day - timedelta(days=WEIGHT_DAYS - 1)).toordinal()
    with np.errstate(invalid="ignore"):
        usable = (nights.days >= first) & (nights.days <= day.toordinal()) & (kg >= low)
        usable &= kg <= high
    if not usable.any():
        return None
    # The latest day; on a day two sources weighed, the first in the store's order.
    k = int(np.flatnonzero(usable)[np.argmax(nights.days[usable])])
    when = date.fromordinal(int(nights.days[k]))
    return float(kg[k]), f"{nights.sources[k]} {when.isoformat()}"


def fluid_to_drink(before_kg: float, after_kg: float) -> tuple[tuple[float, float], float] | None:
    """Litres to drink for the loss between two weigh-ins, and the loss; ``None``: not sweat."""
    loss = round(before_kg - after_kg, 2)
    if not 0 < loss <= MAX_LOSS_KG:
        return None
    low, high = FLUID_L_PER_KG_LOST
    return (round(low * loss, 2), round(high * loss, 2)), loss


def fuel_hints(
    weight: tuple[float, str],
    session: Session | None,
    *,
    lights_out: datetime | None = None,
    weigh_ins: tuple[float, float] | None = None,
) -> Fuel:
    """The hints for ``weight`` (kg, source) and the day's adjusted ``session``.

    ``weigh_ins`` is the day's weight before and after training or a sauna, when both were
    given; ``lights_out`` tonight's target bedtime.
    """
    kg, source = weight
    band = carb_band(session)
    carb_low, carb_high = CARB_G_PER_KG[band]
    fluid = None if weigh_ins is None else fluid_to_drink(*weigh_ins)
    return Fuel(
        weight_kg=round(kg, 1),
        weight_source=source,
        carb_band=band,
        carbs_g=(round(carb_low * kg), round(carb_high * kg)),
        protein_g=(round(PROTEIN_G_PER_KG[0] * kg), round(PROTEIN_G_PER_KG[1] * kg)),
        protein_dose_g=round(PROTEIN_DOSE_G_PER_KG * kg),
        fluid_l=None if fluid is None else fluid[0],
        fluid_loss_kg=None if fluid is None else fluid[1],
        caffeine_cutoff=None
        if lights_out is None
        else later(lights_out, -timedelta(hours=CAFFEINE_HOURS_BEFORE_BED)),
    )

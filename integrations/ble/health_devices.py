# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Standard BLE health devices: a pure parser per characteristic (GATT Specification Supplement).

* Weight Measurement (0x2A9D, Weight Scale Service): flags (bit 0 imperial, bit 1 time
  stamp, bit 2 user ID, bit 3 BMI and height), weight uint16 (0.005 kg or 0.01 lb; 0xFFFF
  means the measurement failed), time stamp, user ID, BMI (0.1 kg/m2), height (0.001 m or
  0.1 in).
* Body Composition Measurement (0x2A9C): uint16 flags (bit 0 imperial, 1 time stamp, 2 user
  ID, 3 basal metabolism, 4 muscle %, 5 muscle mass, 6 fat-free mass, 7 soft lean mass,
  8 body water mass, 9 impedance, 10 weight, 11 height, 12 multiple packets), body fat
  uint16 (0.1 %; 0xFFFF failed), then the present fields in that order (kJ; 0.1 %; masses as
  weight; 0.1 ohm; height as above).
* PLX Spot-Check Measurement (0x2A5E, Pulse Oximeter Service): flags (bit 0 time stamp,
  1 measurement status, 2 device and sensor status, 3 pulse amplitude index, 4 device clock
  not set), SpO2 and pulse rate as SFLOAT, time stamp, status uint16, device status uint24,
  PAI SFLOAT.
* Temperature Measurement (0x2A1C, Health Thermometer Service): flags (bit 0 Fahrenheit,
  bit 1 time stamp, bit 2 temperature type), temperature FLOAT, time stamp, type uint8.

Values stay in the unit the device sent, which is named beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from recoveryd.integrations.ble.gatt_values import GattError, Ieee11073, Reader

FAILED = 0xFFFF
_MASS_SI, _MASS_IMPERIAL = 0.005, 0.01
_HEIGHT_SI, _HEIGHT_IMPERIAL = 0.001, 0.1


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    """0x2A9D. ``weight`` is ``None`` when the scale reports a failed measurement."""

    weight: float | None
    unit: str  # "kg" or "lb"
    time: datetime | None
    user_id: int | None
    bmi: float | None
    height: float | None
    height_unit: str  # "m" or "in"


def _mass(raw: int, imperial: bool) -> float | None:
    if raw == FAILED:
        return None
    return round(raw * (_MASS_IMPERIAL if imperial else _MASS_SI), 3)


def _height(raw: int, imperial: bool) -> float:
    return round(raw * (_HEIGHT_IMPERIAL if imperial else _HEIGHT_SI), 3)


def parse_weight(data: bytes) -> WeightMeasurement:
    """Decode a Weight Measurement value (raises :class:`GattError` on bad bytes)."""
    reader = Reader("weight measurement", data)
    flags = reader.uint(1, "the flags")
    imperial = bool(flags & 0x01)
    weight = _mass(reader.uint(2, "the weight"), imperial)
    time = reader.date_time() if flags & 0x02 else None
    user = reader.uint(1, "the user ID") if flags & 0x04 else None
    bmi = height = None
    if flags & 0x08:
        bmi = round(reader.uint(2, "the BMI") * 0.1, 1)
        height = _height(reader.uint(2, "the height"), imperial)
    reader.end()
    units = ("lb", "in") if imperial else ("kg", "m")
    return WeightMeasurement(weight, units[0], time, user, bmi, height, units[1])


@dataclass(frozen=True, slots=True)
class BodyComposition:
    """0x2A9C. Masses in ``mass_unit``; ``None`` where absent (or failed, for body fat)."""

    body_fat_pct: float | None
    mass_unit: str
    time: datetime | None = None
    user_id: int | None = None
    basal_metabolism_kj: int | None = None
    muscle_pct: float | None = None
    muscle_mass: float | None = None
    fat_free_mass: float | None = None
    soft_lean_mass: float | None = None
    body_water_mass: float | None = None
    impedance_ohm: float | None = None
    weight: float | None = None
    height: float | None = None
    multiple_packets: bool = False


def parse_body_composition(data: bytes) -> BodyComposition:
    """Decode a Body Composition Measurement value (raises :class:`GattError`)."""
    reader = Reader("body composition measurement", data)
    flags = reader.uint(2, "the flags")
    imperial = bool(flags & 0x0001)
    fat = reader.uint(2, "the body fat percentage")

    def present(bit: int, size: int, field: str) -> int | None:
        return reader.uint(size, field) if flags & (1 << bit) else None

    time = reader.date_time() if flags & 0x0002 else None
    user = present(2, 1, "the user ID")
    metabolism = present(3, 2, "the basal metabolism")
    muscle_pct = present(4, 2, "the muscle percentage")
    masses = [present(bit, 2, name) for bit, name in (
        (5, "the muscle mass"), (6, "the fat-free mass"), (7, "the soft lean mass"),
        (8, "the body water mass"))]  # fmt: skip
    impedance = present(9, 2, "the impedance")
    weight = present(10, 2, "the weight")
    height = present(11, 2, "the height")
    reader.end()
    muscle, fat_free, soft_lean, water = (None if m is None else _mass(m, imperial) for m in masses)
    return BodyComposition(
        body_fat_pct=None if fat == FAILED else round(fat * 0.1, 1),
        mass_unit="lb" if imperial else "kg",
        time=time,
        user_id=user,
        basal_metabolism_kj=metabolism,
        muscle_pct=None if muscle_pct is None else round(muscle_pct * 0.1, 1),
        muscle_mass=muscle,
        fat_free_mass=fat_free,
        soft_lean_mass=soft_lean,
        body_water_mass=water,
        impedance_ohm=None if impedance is None else round(impedance * 0.1, 1),
        weight=None if weight is None else _mass(weight, imperial),
        height=None if height is None else _height(height, imperial),
        multiple_packets=bool(flags & 0x1000),
    )


@dataclass(frozen=True, slots=True)
class SpotCheck:
    """0x2A5E: SpO2 (%) and pulse rate (bpm), with what the oximeter said about them."""

    spo2_pct: Ieee11073
    pulse_rate_bpm: Ieee11073
    time: datetime | None
    measurement_status: int | None
    device_status: int | None
    pulse_amplitude_index: Ieee11073 | None
    clock_not_set: bool


def parse_plx_spot_check(data: bytes) -> SpotCheck:
    """Decode a PLX Spot-Check Measurement value (raises :class:`GattError`)."""
    reader = Reader("PLX spot-check measurement", data)
    flags = reader.uint(1, "the flags")
    spo2 = reader.sfloat("SpO2")
    pulse = reader.sfloat("the pulse rate")
    time = reader.date_time() if flags & 0x01 else None
    status = reader.uint(2, "the measurement status") if flags & 0x02 else None
    device = reader.uint(3, "the device and sensor status") if flags & 0x04 else None
    pai = reader.sfloat("the pulse amplitude index") if flags & 0x08 else None
    reader.end()
    return SpotCheck(spo2, pulse, time, status, device, pai, bool(flags & 0x10))


TEMPERATURE_TYPES = {1: "armpit", 2: "body", 3: "ear", 4: "finger", 5: "gastrointestinal",
                     6: "mouth", 7: "rectum", 8: "toe", 9: "tympanum"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TemperatureMeasurement:
    """0x2A1C: a body temperature in ``unit`` ("C" or "F")."""

    temperature: Ieee11073
    unit: str
    time: datetime | None
    site: str | None


def parse_temperature(data: bytes) -> TemperatureMeasurement:
    """Decode a Temperature Measurement value (raises :class:`GattError`)."""
    reader = Reader("temperature measurement", data)
    flags = reader.uint(1, "the flags")
    temperature = reader.float32("the temperature")
    time = reader.date_time() if flags & 0x02 else None
    site = None
    if flags & 0x04:
        code = reader.uint(1, "the temperature type")
        if code not in TEMPERATURE_TYPES:
            raise GattError(f"temperature measurement: temperature type {code} is reserved")
        site = TEMPERATURE_TYPES[code]
    reader.end()
    return TemperatureMeasurement(temperature, "F" if flags & 0x01 else "C", time, site)

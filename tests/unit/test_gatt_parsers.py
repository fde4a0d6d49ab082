# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""GATT characteristic parsers on literal bytes written from the Bluetooth specifications."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recoveryd.integrations.ble.gatt_values import GattError, Ieee11073, float32, sfloat
from recoveryd.integrations.ble.health_devices import (
    BodyComposition,
    SpotCheck,
    TemperatureMeasurement,
    WeightMeasurement,
    parse_body_composition,
    parse_plx_spot_check,
    parse_temperature,
    parse_weight,
)
from recoveryd.integrations.ble.heart_rate import (
    HeartRateMeasurement,
    parse_battery_level,
    parse_heart_rate,
)

STAMP = bytes.fromhex("ea07030407 0f00".replace(" ", ""))  # 2026-03-04 07:15:00
WHEN = datetime(2026, 3, 4, 7, 15)  # noqa: DTZ001 - the device's local time


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0x0062, Ieee11073(98.0)),
        (0xF019, Ieee11073(2.5)),  # mantissa 25, exponent -1
        (0xFFF1, Ieee11073(-1.5)),  # mantissa -15, exponent -1
        (0x2001, Ieee11073(100.0)),  # mantissa 1, exponent 2
        (0x07FE, Ieee11073(math.inf, "+inf")),
        (0x0802, Ieee11073(-math.inf, "-inf")),
    ],
)
def test_sfloat(raw: int, expected: Ieee11073) -> None:
    assert sfloat(raw) == expected


@pytest.mark.parametrize(
    ("raw", "special"), [(0x07FF, "nan"), (0x0800, "nres"), (0x0801, "reserved")]
)
def test_sfloat_not_a_number(raw: int, special: str) -> None:
    value = sfloat(raw)
    assert (math.isnan(value.value), value.special, value.is_number) == (True, special, False)


def test_float32() -> None:
    assert float32(0xFF00016E) == Ieee11073(36.6)
    assert float32(0x007FFFFE) == Ieee11073(math.inf, "+inf")
    assert float32(0x00800002) == Ieee11073(-math.inf, "-inf")
    assert float32(0x00800000).special == "nres"
    assert float32(0x007FFFFF).special == "nan"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("0048", HeartRateMeasurement(72, None, None, ())),
        (
            "0648",
            HeartRateMeasurement(
                72, sensor_contact=True, energy_expended_kj=None, rr_intervals_ms=()
            ),
        ),
        (
            "0448",
            HeartRateMeasurement(
                72, sensor_contact=False, energy_expended_kj=None, rr_intervals_ms=()
            ),
        ),
        ("012c01", HeartRateMeasurement(300, None, None, ())),
        ("1848 1000 0004 0002", HeartRateMeasurement(72, None, 16, (1000.0, 500.0))),
        (
            "1f 4800 1000 0004",
            HeartRateMeasurement(
                72, sensor_contact=True, energy_expended_kj=16, rr_intervals_ms=(1000.0,)
            ),
        ),
        ("1040 9a03", HeartRateMeasurement(64, None, None, (900.390625,))),
    ],
)
def test_heart_rate_measurement(data: str, expected: HeartRateMeasurement) -> None:
    assert parse_heart_rate(bytes.fromhex(data.replace(" ", ""))) == expected


def test_weight_measurement() -> None:
    assert parse_weight(bytes.fromhex("00983a")) == WeightMeasurement(
        75.0, "kg", None, None, None, None, "m"
    )
    assert parse_weight(bytes.fromhex("01983a")).weight == 150.0
    full = bytes.fromhex("0e983a") + STAMP + bytes.fromhex("01e600d606")
    assert parse_weight(full) == WeightMeasurement(75.0, "kg", WHEN, 1, 23.0, 1.75, "m")
    assert parse_weight(bytes.fromhex("00ffff")).weight is None  # the scale says it failed


def test_body_composition() -> None:
    assert parse_body_composition(bytes.fromhex("0000c800")) == BodyComposition(20.0, "kg")
    data = bytes.fromhex("100e c800 a401 8813 983a d606".replace(" ", ""))
    assert parse_body_composition(data) == BodyComposition(
        20.0, "kg", muscle_pct=42.0, impedance_ohm=500.0, weight=75.0, height=1.75
    )
    everything = (
        bytes.fromhex("ff1f c800") + STAMP
        + bytes.fromhex("02 3c1c a401 3c1c 983a 3c1c 3c1c 8813 983a d606".replace(" ", ""))
    )  # fmt: skip
    parsed = parse_body_composition(everything)
    assert (parsed.mass_unit, parsed.time, parsed.user_id, parsed.basal_metabolism_kj) == (
        "lb", WHEN, 2, 7228,
    )  # fmt: skip
    assert (parsed.muscle_mass, parsed.fat_free_mass, parsed.height) == (72.28, 150.0, 175.0)
    assert parsed.multiple_packets
    assert parse_body_composition(bytes.fromhex("0000ffff")).body_fat_pct is None


def test_plx_spot_check() -> None:
    assert parse_plx_spot_check(bytes.fromhex("0062003c00")) == SpotCheck(
        Ieee11073(98.0), Ieee11073(60.0), None, None, None, None, clock_not_set=False
    )
    full = bytes.fromhex("1f62003c00") + STAMP + bytes.fromhex("2000 010000 19f0".replace(" ", ""))
    assert parse_plx_spot_check(full) == SpotCheck(
        Ieee11073(98.0), Ieee11073(60.0), WHEN, 0x0020, 0x000001, Ieee11073(2.5),
        clock_not_set=True,
    )  # fmt: skip
    assert parse_plx_spot_check(bytes.fromhex("00ff073c00")).spo2_pct.special == "nan"


def test_temperature_measurement() -> None:
    assert parse_temperature(bytes.fromhex("006e0100ff")) == TemperatureMeasurement(
        Ieee11073(36.6), "C", None, None
    )
    fahrenheit = bytes.fromhex("07da0300ff") + STAMP + b"\x03"
    assert parse_temperature(fahrenheit) == TemperatureMeasurement(
        Ieee11073(98.6), "F", WHEN, "ear"
    )
    assert parse_temperature(bytes.fromhex("00feff7f00")).temperature.special == "+inf"
    assert parse_battery_level(b"\x57") == 87


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (parse_heart_rate, "", "heart rate measurement: 0 bytes end before the flags "
         "(needs 1 at offset 0)"),
        (parse_heart_rate, "0148", "heart rate measurement: 2 bytes end before the heart rate "
         "(needs 2 at offset 1)"),
        (parse_heart_rate, "1048000400", "heart rate measurement: 3 bytes where RR intervals "
         "(2 bytes each, at least one) should be"),
        (parse_heart_rate, "004800", "heart rate measurement: 1 unexpected bytes after the "
         "last field"),
        (parse_weight, "02983aea07", "weight measurement: 5 bytes end before the time stamp "
         "(needs 7 at offset 3)"),
        (parse_weight, "02983aea070d0407 0f00", "weight measurement: the time stamp "
         "2026-13-4 7:15:0 is no date"),
        (parse_body_composition, "1000c800", "body composition measurement: 4 bytes end "
         "before the muscle percentage (needs 2 at offset 4)"),
        (parse_plx_spot_check, "0862003c00", "PLX spot-check measurement: 5 bytes end before "
         "the pulse amplitude index (needs 2 at offset 5)"),
        (parse_temperature, "046e0100ff0a", "temperature measurement: temperature type 10 "
         "is reserved"),
        (parse_battery_level, "65", "battery level: 101 % is above 100"),
    ],
)  # fmt: skip
def test_bad_bytes_are_one_clear_line(
    parse: Callable[[bytes], object], data: str, message: str
) -> None:
    with pytest.raises(GattError) as caught:
        parse(bytes.fromhex(data.replace(" ", "")))
    assert str(caught.value) == message


PARSERS = (parse_heart_rate, parse_weight, parse_body_composition, parse_plx_spot_check,
           parse_temperature, parse_battery_level)  # fmt: skip


@given(st.sampled_from(PARSERS), st.binary(max_size=40))
def test_any_bytes_parse_or_give_a_gatt_error(
    parse: Callable[[bytes], object], data: bytes
) -> None:
    error = ""
    try:
        parse(data)
    except GattError as exc:
        error = str(exc)
    assert "\n" not in error

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Heart Rate Measurement (0x2A37) of the Heart Rate Service (0x180D). Pure.

Bluetooth SIG, Heart Rate Service 1.0 and the GATT Specification Supplement: a flags byte
(bit 0: heart rate as uint16 instead of uint8; bits 1-2: sensor contact, 2 = supported and
not detected, 3 = supported and detected; bit 3: Energy Expended, uint16 kJ, present;
bit 4: RR-Interval values present), then the heart rate, then the energy expended, then as
many RR intervals as fit, each uint16 in units of 1/1024 s.
"""

from __future__ import annotations

from dataclasses import dataclass

from recoveryd.integrations.ble.gatt_values import GattError, Reader

UUID = "00002a37-0000-1000-8000-00805f9b34fb"
SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"
_HR_UINT16, _CONTACT_SUPPORTED, _CONTACT_DETECTED, _ENERGY, _RR = 0x01, 0x04, 0x02, 0x08, 0x10
RR_UNITS_PER_SECOND = 1024


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One notification. ``sensor_contact`` is ``None`` when the strap does not report it."""

    heart_rate_bpm: int
    sensor_contact: bool | None
    energy_expended_kj: int | None
    rr_intervals_ms: tuple[float, ...]


def parse_heart_rate(data: bytes) -> HeartRateMeasurement:
    """Decode one Heart Rate Measurement value.

    Raises:
        GattError: too short for its flags, or an odd byte left where RR intervals go.
    """
    reader = Reader("heart rate measurement", data)
    flags = reader.uint(1, "the flags")
    rate = reader.uint(2 if flags & _HR_UINT16 else 1, "the heart rate")
    contact = bool(flags & _CONTACT_DETECTED) if flags & _CONTACT_SUPPORTED else None
    energy = reader.uint(2, "the energy expended") if flags & _ENERGY else None
    intervals: list[float] = []
    if flags & _RR:
        if reader.remaining == 0 or reader.remaining % 2:
            raise GattError(
                f"heart rate measurement: {reader.remaining} bytes where RR intervals "
                "(2 bytes each, at least one) should be"
            )
        while reader.remaining:
            ticks = reader.uint(2, "an RR interval")
            intervals.append(ticks * 1000 / RR_UNITS_PER_SECOND)
    reader.end()
    return HeartRateMeasurement(rate, contact, energy, tuple(intervals))


def parse_battery_level(data: bytes) -> int:
    """Battery Level (0x2A19): one byte, 0-100 %.

    Raises:
        GattError: not one byte, or above 100.
    """
    reader = Reader("battery level", data)
    level = reader.uint(1, "the level")
    reader.end()
    if level > 100:  # noqa: PLR2004 - a percentage
        raise GattError(f"battery level: {level} % is above 100")
    return level

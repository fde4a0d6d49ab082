# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Field readers shared by the GATT characteristic parsers: integers, date-time, IEEE-11073.

IEEE-11073 20601 numbers, as the Bluetooth health profiles carry them:

* SFLOAT (16 bit): a 4-bit signed exponent and a 12-bit signed mantissa, value
  ``mantissa * 10**exponent``; the raw values 0x07FF NaN, 0x0800 NRes (not at this
  resolution), 0x07FE +INFINITY, 0x0802 -INFINITY and 0x0801 (reserved) are special.
* FLOAT (32 bit): an 8-bit signed exponent and a 24-bit signed mantissa; 0x007FFFFF NaN,
  0x00800000 NRes, 0x007FFFFE +INFINITY, 0x00800002 -INFINITY, 0x00800001 reserved.

A special value is never a number: it is returned with ``value`` NaN or infinite and its
name in ``special``, so nothing downstream stores it as a measurement.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import datetime

_SFLOAT_SPECIAL = {
    0x07FF: "nan",
    0x0800: "nres",
    0x07FE: "+inf",
    0x0802: "-inf",
    0x0801: "reserved",
}
_FLOAT_SPECIAL = {
    0x007FFFFF: "nan",
    0x00800000: "nres",
    0x007FFFFE: "+inf",
    0x00800002: "-inf",
    0x00800001: "reserved",
}
_SPECIAL_VALUE = {"+inf": math.inf, "-inf": -math.inf}
_UINT16 = struct.Struct("<H")
_DATE_TIME = struct.Struct("<HBBBBB")


class GattError(ValueError):
    """Bytes that do not follow the characteristic's specification; one line says why."""


@dataclass(frozen=True, slots=True)
class Ieee11073:
    """A medical-device number; ``special`` names NaN, NRes, ±INFINITY or reserved values."""

    value: float
    special: str | None = None

    @property
    def is_number(self) -> bool:
        """Whether this is a real measurement."""
        return self.special is None


def _signed(raw: int, bits: int) -> int:
    return raw - (1 << bits) if raw & (1 << (bits - 1)) else raw


def _decode(
    raw: int, mantissa_bits: int, exponent_bits: int, specials: dict[int, str]
) -> Ieee11073:
    if raw in specials:  # the special values have exponent 0
        special = specials[raw]
        return Ieee11073(_SPECIAL_VALUE.get(special, math.nan), special)
    mantissa = _signed(raw & ((1 << mantissa_bits) - 1), mantissa_bits)
    exponent = _signed(raw >> mantissa_bits, exponent_bits)
    return Ieee11073(round(mantissa * 10.0**exponent, max(0, -exponent)))


def sfloat(raw: int) -> Ieee11073:
    """Decode a 16-bit SFLOAT."""
    return _decode(raw, 12, 4, _SFLOAT_SPECIAL)


def float32(raw: int) -> Ieee11073:
    """Decode a 32-bit FLOAT."""
    return _decode(raw, 24, 8, _FLOAT_SPECIAL)


class Reader:
    """Reads one characteristic value field by field; running short is a :class:`GattError`."""

    def __init__(self, what: str, data: bytes) -> None:
        self.what = what
        self._data = bytes(data)
        self._at = 0

    def _take(self, size: int, field: str) -> bytes:
        end = self._at + size
        if end > len(self._data):
            raise GattError(
                f"{self.what}: {len(self._data)} bytes end before {field} "
                f"(needs {size} at offset {self._at})"
            )
        chunk = self._data[self._at : end]
        self._at = end
        return chunk

    def uint(self, size: int, field: str) -> int:
        """A little-endian unsigned integer of ``size`` bytes."""
        return int.from_bytes(self._take(size, field), "little")

    def sfloat(self, field: str) -> Ieee11073:
        """An IEEE-11073 SFLOAT."""
        return sfloat(_UINT16.unpack(self._take(2, field))[0])

    def float32(self, field: str) -> Ieee11073:
        """An IEEE-11073 FLOAT."""
        return float32(self.uint(4, field))

    def date_time(self, field: str = "the time stamp") -> datetime | None:
        """A Date Time field; ``None`` where the device sends zeros (not known)."""
        year, month, day, hour, minute, second = _DATE_TIME.unpack(self._take(7, field))
        if year == 0 or month == 0 or day == 0:
            return None
        try:
            return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - device local time
        except ValueError:
            raise GattError(
                f"{self.what}: {field} {year}-{month}-{day} {hour}:{minute}:{second} is no date"
            ) from None

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self._at

    def end(self) -> None:
        """Everything must have been read: extra bytes mean the flags lied."""
        if self.remaining:
            raise GattError(f"{self.what}: {self.remaining} unexpected bytes after the last field")

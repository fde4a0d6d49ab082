# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A body weight from any Bluetooth scale with the Weight Scale Service, through bleak.

A scale advertises only for a while after someone steps on it, so the daemon listens for it
for a configured time; once found, it connects, subscribes to Weight Measurement (0x2A9D, an
indication; Weight Scale Service 0x181D) and takes what the scale sends within
:data:`WAIT_S`: scales send the new measurement, and often the stored ones the last
connection missed. The newest valid one is the weighing (by its time stamp when the scale
sends one; else the last received); a measurement of another user of a multi-user scale, or
one the scale marks failed (0xFFFF), is not. Pounds become kilograms.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection
from recoveryd.integrations.ble.gatt_values import GattError
from recoveryd.integrations.ble.health_devices import WeightMeasurement, parse_weight

log = logging.getLogger(__name__)

WEIGHT_MEASUREMENT_UUID = "00002a9d-0000-1000-8000-00805f9b34fb"
WAIT_S = 20.0  # after connecting: how long the first measurement may take to arrive
QUIET_S = 2.0  # after a measurement: silence this long means the scale has sent all it holds
KG_PER_LB = 0.45359237


class ScaleClient(Protocol):
    """The part of a bleak client the scale reader uses (the seam the tests fake)."""

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None]
    ) -> None:
        """Subscribe to indications."""

    async def disconnect(self) -> None:
        """Drop the connection."""


Finder = Callable[[str, float], Awaitable[BLEDevice | None]]
Connector = Callable[[BLEDevice], Awaitable[ScaleClient]]


class ScaleError(Exception):
    """No weight came from the scale; one line says why."""


@dataclass(frozen=True, slots=True)
class Weighing:
    """One weight in kg, with what else the scale said."""

    kg: float
    measurements: int
    problems: tuple[str, ...]


async def find_scale(name_or_address: str, timeout_s: float) -> BLEDevice | None:
    """Scan for the scale by address, or by advertised name, for up to ``timeout_s``."""
    if name_or_address.count(":") == 5:  # noqa: PLR2004 - a MAC address
        return await BleakScanner.find_device_by_address(name_or_address, timeout=timeout_s)
    return await BleakScanner.find_device_by_name(name_or_address, timeout=timeout_s)


async def connect_scale(device: BLEDevice) -> ScaleClient:
    """Connect with bleak-retry-connector's classified retries."""
    client: ScaleClient = await establish_connection(
        BleakClientWithServiceCache, device, device.name or device.address, max_attempts=3
    )
    return client


def kilograms(measurement: WeightMeasurement) -> float | None:
    """The measurement's weight in kg, ``None`` when the scale marked it failed."""
    if measurement.weight is None:
        return None
    factor = KG_PER_LB if measurement.unit == "lb" else 1.0
    return round(measurement.weight * factor, 2)


async def weigh(
    name_or_address: str,
    *,
    listen_s: float,
    user_id: int | None = None,
    wait_s: float = WAIT_S,
    quiet_s: float = QUIET_S,
    finder: Finder = find_scale,
    connector: Connector = connect_scale,
) -> Weighing:
    """Listen up to ``listen_s`` for the scale and read the weighing it sends.

    Raises:
        ScaleError: not found in time, no Bluetooth, the connection failed, or no valid
            measurement (of ``user_id``, when given) arrived.
    """
    try:
        device = await finder(name_or_address, listen_s)
        if device is None:
            raise ScaleError(
                f"scale {name_or_address!r} not seen in {listen_s / 60:.0f} min; "
                "step on it to wake it"
            )
        client = await connector(device)
    except (BleakError, OSError, TimeoutError) as exc:
        raise ScaleError(f"scale {name_or_address!r}: {exc or type(exc).__name__}") from None
    received: asyncio.Queue[bytes] = asyncio.Queue()
    values: list[bytes] = []
    try:
        await client.start_notify(
            WEIGHT_MEASUREMENT_UUID, lambda _, data: received.put_nowait(bytes(data))
        )
        # The scale sends what it holds and goes quiet (or disconnects): read until then.
        timeout = wait_s
        while True:
            try:
                values.append(await asyncio.wait_for(received.get(), timeout))
            except TimeoutError:
                break
            timeout = quiet_s
    except (BleakError, OSError) as exc:
        raise ScaleError(f"scale {name_or_address!r}: {exc or type(exc).__name__}") from None
    finally:
        try:
            await client.disconnect()
        except (BleakError, OSError) as exc:
            log.debug("disconnect failed: %s", exc)
    return _newest(name_or_address, values, user_id)


def _newest(name: str, values: list[bytes], user_id: int | None) -> Weighing:
    problems: list[str] = []
    valid: list[tuple[int, WeightMeasurement, float]] = []
    for order, data in enumerate(values):
        try:
            measurement = parse_weight(data)
        except GattError as exc:
            problems.append(str(exc))
            continue
        kg = kilograms(measurement)
        if kg is None:
            problems.append("the scale marked a measurement failed")
        elif user_id is not None and measurement.user_id not in {None, user_id}:
            problems.append(f"a measurement of user {measurement.user_id} was left out")
        else:
            valid.append((order, measurement, kg))
    if not valid:
        said = f" ({'; '.join(problems)})" if problems else ""
        raise ScaleError(f"scale {name!r} sent no valid weight{said}")
    stamped = [v for v in valid if v[1].time is not None]
    newest = max(stamped, key=lambda v: (v[1].time, v[0])) if stamped else valid[-1]
    return Weighing(newest[2], len(values), tuple(problems))

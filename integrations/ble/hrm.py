# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning HRV reading from any standard Heart Rate Service strap, through bleak.

Connect with bleak-retry-connector, read the Battery Level, subscribe to Heart Rate
Measurement and collect the RR intervals it carries. Time is counted in the strap's own RR
intervals (their sum is the time the heart took), so the settle period and the recording
length mean the same on any machine; a wall-clock limit only guards against a strap that
sends no intervals. A disconnect keeps what was recorded and says so.
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
from recoveryd.integrations.ble.heart_rate import (
    BATTERY_LEVEL_UUID,
    UUID,
    parse_battery_level,
    parse_heart_rate,
)

log = logging.getLogger(__name__)

_SLACK_S = 30.0  # wall-clock allowance beyond settle + length


class HeartRateClient(Protocol):
    """The part of a bleak client the recorder uses (the seam the tests fake)."""

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None]
    ) -> None:
        """Subscribe to notifications."""

    async def read_gatt_char(self, char_specifier: str) -> bytearray:
        """Read a characteristic."""

    async def disconnect(self) -> None:
        """Drop the connection."""


Finder = Callable[[str], Awaitable[BLEDevice | None]]
Connector = Callable[[BLEDevice, Callable[[], None]], Awaitable[HeartRateClient]]
Progress = Callable[[float, float], None]


class StrapError(Exception):
    """The strap could not be reached at all; one line says why."""


async def find_strap(name_or_address: str) -> BLEDevice | None:
    """Scan for a strap by address, or by advertised name."""
    if name_or_address.count(":") == 5:  # noqa: PLR2004 - a MAC address
        return await BleakScanner.find_device_by_address(name_or_address, timeout=15.0)
    return await BleakScanner.find_device_by_name(name_or_address, timeout=15.0)


async def connect_strap(device: BLEDevice, on_disconnect: Callable[[], None]) -> HeartRateClient:
    """Connect with bleak-retry-connector's classified retries."""
    client: HeartRateClient = await establish_connection(
        BleakClientWithServiceCache, device, device.name or device.address,
        disconnected_callback=lambda _: on_disconnect(), max_attempts=3,
    )  # fmt: skip
    return client


@dataclass(frozen=True, slots=True)
class Recording:
    """What the strap sent after the settle period."""

    rr_ms: tuple[float, ...]
    target_s: float
    recorded_s: float
    complete: bool
    battery_pct: int | None
    problems: tuple[str, ...]


async def record(
    name_or_address: str,
    *,
    minutes: float,
    settle_s: float,
    progress: Progress | None = None,
    finder: Finder = find_strap,
    connector: Connector = connect_strap,
) -> Recording:
    """Record ``minutes`` of RR intervals after ``settle_s`` seconds of settling.

    Raises:
        StrapError: not found, no Bluetooth, or the connection failed before recording.
    """
    target = minutes * 60.0
    disconnected = asyncio.Event()
    try:
        device = await finder(name_or_address)
        if device is None:
            raise StrapError(f"heart rate strap {name_or_address!r} not found; is it worn?")
        client = await connector(device, disconnected.set)
    except (BleakError, OSError, TimeoutError) as exc:
        raise StrapError(
            f"heart rate strap {name_or_address!r}: {exc or type(exc).__name__}"
        ) from None
    notifications: asyncio.Queue[bytes] = asyncio.Queue()
    problems: list[str] = []
    battery = None
    try:
        try:
            battery = parse_battery_level(bytes(await client.read_gatt_char(BATTERY_LEVEL_UUID)))
        except (BleakError, OSError, GattError) as exc:
            problems.append(f"battery level not read: {exc}")
        await client.start_notify(UUID, lambda _, data: notifications.put_nowait(bytes(data)))
        rr, elapsed = await _collect(
            notifications, disconnected, target=target, settle_s=settle_s,
            progress=progress, problems=problems,
        )  # fmt: skip
    except (BleakError, OSError) as exc:
        raise StrapError(
            f"heart rate strap {name_or_address!r}: {exc or type(exc).__name__}"
        ) from None
    finally:
        try:
            await client.disconnect()
        except (BleakError, OSError) as exc:
            log.debug("disconnect failed: %s", exc)
    complete = elapsed >= target
    if not complete:
        problems.append(f"short: {elapsed:.0f} s of the {target:.0f} s asked for were recorded")
    return Recording(tuple(rr), target, elapsed, complete, battery, tuple(problems))


async def _collect(
    notifications: asyncio.Queue[bytes],
    disconnected: asyncio.Event,
    *,
    target: float,
    settle_s: float,
    progress: Progress | None,
    problems: list[str],
) -> tuple[list[float], float]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_s + target + _SLACK_S
    settled, elapsed, rr, bad = 0.0, 0.0, [], 0
    while elapsed < target:
        if disconnected.is_set() and notifications.empty():
            problems.append("the strap disconnected during the reading")
            break
        remaining = deadline - loop.time()
        if remaining <= 0:
            problems.append("the strap stopped sending RR intervals")
            break
        try:
            data = await asyncio.wait_for(notifications.get(), min(remaining, 1.0))
        except TimeoutError:
            continue
        try:
            measurement = parse_heart_rate(data)
        except GattError as exc:
            bad += 1
            log.debug("ignored a notification: %s", exc)
            continue
        for interval in measurement.rr_intervals_ms:
            if settled < settle_s:
                settled += interval / 1000
                continue
            rr.append(interval)
            elapsed += interval / 1000
        if progress is not None:
            progress(min(elapsed, target), target)
    if bad:
        problems.append(f"{bad} notifications were not valid Heart Rate Measurements")
    return rr, elapsed

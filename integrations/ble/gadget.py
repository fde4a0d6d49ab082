# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""BLE gadgets through bleak and bleak-retry-connector, driven by a :class:`GattProfile`.

Connect (with bleak-retry-connector's retries and backoff), subscribe to the status
characteristic, write the command, and wait for a notification that confirms it; silence or
a disconnect is a failure. The start payload carries the session length, so the gadget's own
timer stops it even if recoveryd does not. Bluetooth faults surface as ``BleakError`` or, on
a machine without Bluetooth, as a bare ``OSError`` from D-Bus; both are caught here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection
from recoveryd.config.home import DeviceConfig
from recoveryd.daemon.ports import ActionResult
from recoveryd.domain.models import Action
from recoveryd.home.safety import Sensors
from recoveryd.integrations.ble.profile import GattProfile, ProfileError

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT_S = 8.0
_STOP_ATTEMPTS = 3
_DEFAULT_LEVEL = 4


class GattClient(Protocol):
    """The part of a bleak client this driver uses (the seam the tests fake)."""

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None]
    ) -> None:
        """Subscribe to notifications."""

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool) -> None:
        """Write a characteristic."""

    async def disconnect(self) -> None:
        """Drop the connection."""


Finder = Callable[[str], Awaitable[BLEDevice | None]]
Connector = Callable[[BLEDevice], Awaitable[GattClient]]


async def find_device(address: str) -> BLEDevice | None:
    """Scan for the gadget by address (or name, on platforms without addresses)."""
    return await BleakScanner.find_device_by_address(address, timeout=10.0)


async def connect(device: BLEDevice) -> GattClient:
    """Connect with bleak-retry-connector's classified retries."""
    client: GattClient = await establish_connection(
        BleakClientWithServiceCache, device, device.name or device.address, max_attempts=3
    )
    return client


class BleGadgets:
    """The actuator for BLE gadgets."""

    def __init__(
        self,
        profiles: Mapping[str, GattProfile],
        *,
        finder: Finder = find_device,
        connector: Connector = connect,
        timeout_s: float = CONFIRM_TIMEOUT_S,
    ) -> None:
        self._profiles = profiles
        self._find = finder
        self._connect = connector
        self._timeout = timeout_s

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002 - no sensors here
        """BLE gadgets carry no door or presence sensor."""
        return Sensors()

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        """Start or stop the gadget; a stop is tried again until confirmed."""
        profile = self._profiles.get(device.profile or "")
        if profile is None or device.address is None:
            return ActionResult("failed", f"no BLE profile or address for {action.device}")
        start = action.command in {"turn_on", "heat_on"}
        # The rest of the session when the daemon says so (a start run late), in the whole
        # minutes the gadget counts, rounded down so that it stops by the planned end.
        rest = action.param("auto_off_s")
        minutes = (
            max(1, int(rest) // 60) if rest is not None
            else int(action.param("minutes") or action.param("auto_off_min") or 0)
        )  # fmt: skip
        try:
            payload = (
                profile.payload(
                    "start", minutes=minutes, level=int(action.param("level") or _DEFAULT_LEVEL)
                )
                if start
                else profile.payload("stop")
            )
        except ProfileError as exc:
            return ActionResult("failed", str(exc))
        detail = ""
        for _ in range(1 if start else _STOP_ATTEMPTS):
            ok, detail = await self._once(profile, device.address, payload, running=start)
            if ok:
                return ActionResult("done", detail)
        return ActionResult("failed", detail)

    async def _once(
        self, profile: GattProfile, address: str, payload: bytes, *, running: bool
    ) -> tuple[bool, str]:
        what = f"BLE {profile.name} {address} {'start' if running else 'stop'}"
        try:
            found = await self._find(address)
            if found is None:
                return False, f"{what}: not found"
            client = await self._connect(found)
        except (BleakError, OSError, TimeoutError) as exc:
            return False, f"{what}: {exc or type(exc).__name__}"
        notifications: asyncio.Queue[bytes] = asyncio.Queue()
        try:
            await client.start_notify(
                profile.status, lambda _, data: notifications.put_nowait(bytes(data))
            )
            await client.write_gatt_char(profile.control, payload, response=True)
            return await self._confirmation(profile, notifications, what, running=running)
        except (BleakError, OSError, TimeoutError) as exc:
            return False, f"{what}: {exc or type(exc).__name__}"
        finally:
            try:
                await client.disconnect()
            except (BleakError, OSError) as exc:
                log.debug("%s: disconnect failed: %s", what, exc)

    async def _confirmation(
        self, profile: GattProfile, notifications: asyncio.Queue[bytes], what: str, *, running: bool
    ) -> tuple[bool, str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        while (remaining := deadline - loop.time()) > 0:
            try:
                data = await asyncio.wait_for(notifications.get(), remaining)
            except TimeoutError:
                break
            try:
                if profile.running(data) == running:
                    return True, f"{what}: confirmed"
            except ProfileError as exc:
                log.warning("%s: ignored a status notification: %s", what, exc)
        return False, f"{what}: no confirmation within {self._timeout:g} s"

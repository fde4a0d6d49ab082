# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""BLE gadgets: the profile on literal bytes, and the driver against a fake at the bleak seam."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from recoveryd.cli.main import main
from recoveryd.config.home import DeviceConfig
from recoveryd.domain.models import Action
from recoveryd.integrations.ble.gadget import BleGadgets, GattClient
from recoveryd.integrations.ble.profile import ProfileError, load_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILE = load_profile(ROOT / "config" / "ble" / "compression_boots.yaml")
BOOTS = DeviceConfig(
    kind="compression", via="ble", profile="ble/compression_boots.yaml", address="AA:BB:CC:DD:EE:FF"
)
NOW = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)


def test_payloads_and_status_on_literal_bytes() -> None:
    assert PROFILE.payload("start", minutes=20, level=4) == bytes([0xAA, 0x01, 0x14, 0x04, 0x55])
    assert PROFILE.payload("stop") == bytes.fromhex("aa00000055")
    assert PROFILE.parse_status(bytes.fromhex("aa011203")) == {
        "header": 0xAA, "running": 1, "minutes_left": 18, "level": 3,
    }  # fmt: skip
    assert PROFILE.running(bytes.fromhex("aa011203"))
    assert not PROFILE.running(bytes.fromhex("aa000000"))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: PROFILE.payload("start", minutes=300, level=4),
         "Compression boots (example protocol): minutes=300 does not fit u8 (0-255)"),
        (lambda: PROFILE.payload("start", minutes=20),
         "Compression boots (example protocol): start needs a value for level"),
        (lambda: PROFILE.payload("program"),
         "Compression boots (example protocol): no 'program' command (has start, stop)"),
        (lambda: PROFILE.parse_status(b"\xaa\x01"),
         "Compression boots (example protocol): status notification of 2 bytes, expected 4"),
        (lambda: PROFILE.parse_status(b"\xaa\x01\x00\x00\x00"),
         "Compression boots (example protocol): status notification of 5 bytes, expected 4"),
    ],
)  # fmt: skip
def test_bad_values_and_bytes_are_clear_errors(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ProfileError) as caught:
        call()
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("service: not-a-uuid", "p.yaml: service: Value error"),
        ('  stop: "aa zz"', "p.yaml: commands.stop:"),
        ('status_format: "<BB"', "p.yaml: profile:"),
    ],
)
def test_broken_profiles_name_the_file_and_key(tmp_path: Path, change: str, message: str) -> None:
    text = (ROOT / "config" / "ble" / "compression_boots.yaml").read_text(encoding="utf-8")
    key = change.split(":", 1)[0]
    lines = [change if line.startswith(key) else line for line in text.splitlines()]
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(message.split(" Value error", maxsplit=1)[0])


@dataclass
class FakeGadget:
    """A gadget at the bleak boundary: parses writes with the profile and notifies status."""

    answer: bool = True
    writes: list[bytes] = field(default_factory=list)
    callback: Callable[[Any, bytearray], None] | None = None
    disconnects: int = 0

    async def start_notify(
        self, char_specifier: str, callback: Callable[[Any, bytearray], None]
    ) -> None:
        assert char_specifier == PROFILE.status
        self.callback = callback

    async def write_gatt_char(self, char_specifier: str, data: bytes, response: bool) -> None:
        assert char_specifier == PROFILE.control
        assert response
        self.writes.append(data)
        if self.answer and self.callback is not None:
            running = data[1]
            status = bytearray([0xAA, running, data[2], data[3]])
            asyncio.get_running_loop().call_soon(self.callback, None, status)

    async def disconnect(self) -> None:
        self.disconnects += 1


def driver(gadget: FakeGadget | None, *, finder_error: BaseException | None = None) -> BleGadgets:
    async def find(address: str) -> BLEDevice | None:
        if finder_error is not None:
            raise finder_error
        return None if gadget is None else BLEDevice(address, "boots", {})

    async def connect(_: BLEDevice) -> GattClient:
        assert gadget is not None
        return gadget

    return BleGadgets({BOOTS.profile or "": PROFILE}, finder=find, connector=connect, timeout_s=0.3)


def action(command: str, **params: object) -> Action:
    return Action(
        NOW, "alex", "compression", command, "boots", tuple((k, str(v)) for k, v in params.items())
    )


async def test_start_is_confirmed_by_the_gadgets_notification() -> None:
    gadget = FakeGadget()
    result = await driver(gadget).execute(action("turn_on", minutes=20), BOOTS)
    assert result.status == "done"
    assert gadget.writes == [bytes.fromhex("aa01140455")]  # 20 minutes: the gadget's own timer
    assert gadget.disconnects == 1


async def test_a_silent_gadget_fails_and_a_stop_is_tried_again() -> None:
    gadget = FakeGadget(answer=False)
    on = await driver(gadget).execute(action("turn_on", minutes=20), BOOTS)
    assert on.status == "failed"
    assert on.detail.endswith("start: no confirmation within 0.3 s")
    off = await driver(gadget).execute(action("turn_off"), BOOTS)
    assert off.status == "failed"
    assert gadget.writes[1:] == [bytes.fromhex("aa00000055")] * 3


async def test_no_bluetooth_and_no_gadget_are_clear_failures() -> None:
    no_dbus = await driver(
        FakeGadget(), finder_error=FileNotFoundError(2, "No such file or directory")
    ).execute(action("turn_on", minutes=20), BOOTS)
    assert no_dbus.status == "failed"
    assert no_dbus.detail.startswith(
        "BLE Compression boots (example protocol) AA:BB:CC:DD:EE:FF start:"
    )
    gone = await driver(None).execute(action("turn_on", minutes=20), BOOTS)
    assert gone.detail.endswith("start: not found")
    bleak = await driver(FakeGadget(), finder_error=BleakError("adapter off")).execute(
        action("turn_off"), BOOTS
    )
    assert bleak.detail.endswith("stop: adapter off")


def test_check_config_validates_ble_profiles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ble").mkdir()
    (tmp_path / "ble" / "boots.yaml").write_text("name: x\n", encoding="utf-8")
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        "athletes: [{id: a, name: A, sources: [o]}]\n"
        "devices:\n"
        "  boots: {kind: compression, via: ble, profile: ble/boots.yaml, address: 'AA:BB'}\n",
        encoding="utf-8",
    )
    assert main(["check-config", str(config)]) == 2
    assert capsys.readouterr().err.startswith("devices.boots.profile: boots.yaml: service:")

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A gadget's GATT protocol, described in YAML, and the pure code that speaks it.

A profile names the service, the characteristic written to and the one that notifies status,
payload templates for start, stop and program, and how to read a status notification::

    name: Compression boots (example protocol)
    service: 0000fff0-0000-1000-8000-00805f9b34fb
    control: 0000fff1-0000-1000-8000-00805f9b34fb
    status: 0000fff2-0000-1000-8000-00805f9b34fb
    commands:
      start: "aa 01 {minutes:u8} {level:u8} 55"
      stop: "aa 00 00 00 55"
    status_format: "<BBBB"              # Python struct format of a notification
    status_fields: [header, running, minutes_left, level]
    running_field: running

Templates are hex bytes and placeholders ``{name:u8}``, ``{name:u16le}`` or ``{name:u16be}``;
a value that does not fit its field is an error, never silently truncated.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from recoveryd.config.files import FileProblem, YamlProblem, load_yaml, read_text
from recoveryd.integrations.ble.errors import ProfileError

__all__ = ["GattProfile", "ProfileError", "load_profile"]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TOKEN = re.compile(r"\{(\w+):(u8|u16le|u16be)\}|([0-9a-fA-F]{2})")
_FIELDS = {"u8": ("<B", 0xFF), "u16le": ("<H", 0xFFFF), "u16be": (">H", 0xFFFF)}


def _uuid(value: str) -> str:
    if not _UUID.match(value.lower()):
        raise PydanticCustomError(
            "uuid", "must be a 128-bit UUID, got {value}", {"value": repr(value)}
        )
    return value.lower()


def _template(value: str) -> str:
    rest = _TOKEN.sub("", value).strip()
    if rest:
        raise PydanticCustomError(
            "template",
            "must be hex bytes and {{name:u8|u16le|u16be}} fields, not {rest}",
            {"rest": repr(rest)},
        )
    return value


Uuid = Annotated[str, AfterValidator(_uuid)]
Template = Annotated[str, AfterValidator(_template)]


class GattProfile(BaseModel):
    """How to drive one kind of gadget over GATT."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    service: Uuid
    control: Uuid
    status: Uuid
    commands: dict[str, Template]
    status_format: str
    status_fields: list[str] = Field(min_length=1)
    running_field: str

    @model_validator(mode="after")
    def _consistent(self) -> GattProfile:
        if not {"start", "stop"} <= set(self.commands):
            raise PydanticCustomError("commands", "commands need start and stop", {})
        try:
            count = len(
                struct.unpack(self.status_format, bytes(struct.calcsize(self.status_format)))
            )
        except struct.error as exc:
            raise PydanticCustomError("format", "status_format: {err}", {"err": str(exc)}) from None
        if count != len(self.status_fields):
            raise PydanticCustomError(
                "fields", "status_format has {n} fields, status_fields names {m}",
                {"n": count, "m": len(self.status_fields)},
            )  # fmt: skip
        if self.running_field not in self.status_fields:
            raise PydanticCustomError("running", "running_field must be one of status_fields", {})
        return self

    def payload(self, command: str, **values: int) -> bytes:
        """The bytes of ``command`` with its fields filled in."""
        template = self.commands.get(command)
        if template is None:
            msg = f"{self.name}: no {command!r} command (has {', '.join(sorted(self.commands))})"
            raise ProfileError(msg)
        out = bytearray()
        for match in _TOKEN.finditer(template):
            name, kind, hex_byte = match.groups()
            if hex_byte is not None:
                out.append(int(hex_byte, 16))
                continue
            if name not in values:
                msg = f"{self.name}: {command} needs a value for {name}"
                raise ProfileError(msg)
            fmt, top = _FIELDS[kind]
            value = values[name]
            if not 0 <= value <= top:
                msg = f"{self.name}: {name}={value} does not fit {kind} (0-{top})"
                raise ProfileError(msg)
            out += struct.pack(fmt, value)
        return bytes(out)

    def parse_status(self, data: bytes) -> dict[str, int]:
        """A status notification as named fields."""
        size = struct.calcsize(self.status_format)
        if len(data) != size:
            msg = f"{self.name}: status notification of {len(data)} bytes, expected {size}"
            raise ProfileError(msg)
        return dict(zip(self.status_fields, struct.unpack(self.status_format, data), strict=True))

    def running(self, data: bytes) -> bool:
        """Whether a status notification says the gadget is running."""
        return bool(self.parse_status(data)[self.running_field])


def load_profile(path: Path) -> GattProfile:
    """Read and validate a profile file.

    Raises:
        ProfileError: naming the file and what is wrong.
    """
    try:
        raw = load_yaml(read_text(path))
        return GattProfile.model_validate(raw)
    except FileProblem as exc:
        raise ProfileError(str(exc)) from None
    except YamlProblem as exc:
        msg = f"{path.name}: {exc}"
        raise ProfileError(msg) from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "profile"
        msg = f"{path.name}: {where}: {first['msg']}"
        raise ProfileError(msg) from None

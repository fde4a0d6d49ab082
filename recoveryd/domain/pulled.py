# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What a pull of nights from an API or Home Assistant brings back: a value of the domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recoveryd.domain.models import Night

PullSource = Literal["oura", "whoop", "homeassistant"]


@dataclass(frozen=True, slots=True)
class Pulled:
    """One source's nights for a range of mornings, or the one line that says why none came.

    ``problems`` name the values left out as implausible; ``refresh_token`` is WHOOP's rotated
    refresh token, which must be kept (the old one no longer works).
    """

    source: PullSource
    nights: tuple[Night, ...] = ()
    problems: tuple[str, ...] = ()
    error: str | None = None
    refresh_token: str | None = None

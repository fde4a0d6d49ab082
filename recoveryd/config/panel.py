# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The web panel's section: off unless present; on this machine only unless told otherwise."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

from pydantic import Field

from recoveryd.config.sections import Port, Section


class PanelConfig(Section):
    """Where the daemon serves its web panel (README, "Web panel")."""

    host: str = Field(
        default="127.0.0.1", min_length=1,
        title="Address to listen on; 127.0.0.1 keeps the panel on this machine",
    )  # fmt: skip
    port: Port = Field(default=8099, title="TCP port of the panel")
    allow_from: list[IPv4Address | IPv6Address] = Field(
        default_factory=list,
        title="Only these client addresses may use the panel (empty: any that reaches it); "
        "the add-on allows Home Assistant's ingress proxy only",
    )

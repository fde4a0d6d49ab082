# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The dry run: every action is logged as what it would do; no device is touched."""

from __future__ import annotations

import logging

from recoveryd.config.home import DeviceConfig
from recoveryd.daemon.ports import ActionResult
from recoveryd.domain.models import Action
from recoveryd.home.safety import Sensors

log = logging.getLogger(__name__)


class DryRun:
    """An actuator that only describes."""

    async def sensors(self, device: DeviceConfig) -> Sensors:  # noqa: ARG002 - nothing to read
        """No sensor is read in a dry run."""
        return Sensors()

    async def execute(self, action: Action, device: DeviceConfig) -> ActionResult:
        """Describe the action."""
        params = ", ".join(f"{k}={v}" for k, v in action.params)
        where = device.entity or device.topic or device.address or "?"
        detail = f"would {action.command} {action.device} ({device.via} {where}) {params}".strip()
        log.info("dry run: %s", detail)
        return ActionResult("dry_run", detail)

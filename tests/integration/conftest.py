# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Fixtures shared by the integration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from recoveryd.config.model import Config
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, make_config


@pytest.fixture
def household(
    mosquitto: BrokerAddress, tmp_path: Path, sample: tuple[list[Night], list[CheckIn]]
) -> Config:
    """Alex and Sam on active recovery: a shared sauna ready by 18:00, wind-down at 21:30."""
    config = make_config(tmp_path, port=mosquitto.port)
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        for athlete in ("alex", "sam"):  # both want the shared sauna today
            store.set_override(athlete, SAMPLE_END, Protocol.ACTIVE_RECOVERY, datetime.now(UTC))
    return config

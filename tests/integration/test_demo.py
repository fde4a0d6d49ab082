# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""`recoveryd demo` as a new user runs it: embedded broker, sample data, clean exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from recoveryd.domain.models import Protocol

pytestmark = pytest.mark.integration


def test_demo_decides_publishes_and_exits_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "recoveryd", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "120"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Alex · " in out
    assert "Sam · " in out
    assert out.count("[dry-run]") >= 2
    for athlete in ("Alex", "Sam"):
        title = re.search(rf"{athlete}: \d\d \w+ to \d\d \w+ \d{{4}}, 14 days", out)
        assert title is not None, athlete
        section = out[title.end() :].split("different protocols", 1)[0]
        shown = {p for p in Protocol if p.value.replace("_", " ") in section}
        assert len(shown) >= 3, (athlete, shown)
    # 49 entities per athlete (two), 2 of the household, and the last night and staleness of
    # each athlete's one source.
    assert "104 retained discovery configs under homeassistant/" in out
    assert re.search(r"recoveryd/alex/chart: the 30-day chart, a \d+ kB PNG", out)
    assert re.search(r"recoveryd/alex/state: protocol \w+, readiness \d+", out)
    assert "recoveryd/status: online → offline" in out
    assert "Traceback" not in result.stderr

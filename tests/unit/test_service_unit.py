# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The systemd unit: valid for systemd itself, sandboxed, writing only its state directory."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "config" / "systemd" / "recoveryd.service"


def settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_unit_is_sandboxed_and_writes_only_its_state_directory() -> None:
    unit = settings()
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["ReadWritePaths"] == ["/var/lib/recoveryd"]
    assert unit["StateDirectory"] == ["recoveryd"]
    assert unit["DynamicUser"] == ["yes"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["CapabilityBoundingSet"] == [""]
    assert unit["ExecStart"] == [
        "/usr/local/bin/recoveryd run --config /etc/recoveryd/recoveryd.yaml"
    ]
    # The example configuration keeps its store where the service may write.
    example = UNIT.parents[1] / "recoveryd.example.yaml"
    assert "path: /var/lib/recoveryd/recoveryd.db" in example.read_text(encoding="utf-8")


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    """``systemd-analyze verify`` of one unit file."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is not installed (the systemd package)")
    return subprocess.run(
        [analyze, "verify", "--man=no", str(unit)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    recoveryd = shutil.which("recoveryd") or str(UNIT.parents[2] / ".venv" / "bin" / "recoveryd")
    unit = tmp_path / "recoveryd.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace("/usr/local/bin/recoveryd", recoveryd))
    done = verify(unit)
    # A key systemd does not know or a value it cannot parse is only a warning: none at all.
    assert (done.returncode, done.stderr) == (0, "")
    broken = tmp_path / "broken.service"
    broken.write_text(
        unit.read_text(encoding="utf-8").replace("ProtectSystem=strict", "ProtectSystem=sometimes")
    )
    assert "Failed to parse protect system value" in verify(broken).stderr

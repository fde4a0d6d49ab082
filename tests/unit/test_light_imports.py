# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What each entry point does not import: heavy libraries come in only where they are used.

Each check runs in a fresh interpreter (a module imported by another test would hide it).
The daemon without Home Assistant or Bluetooth stays small (its resident memory is a
benchmark goal); the command line's parser imports no model, store or engine, so that
``--help`` answers at once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PRINT = "\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules} | set(sys.modules))))\n"

DAEMON = """
from pathlib import Path
from recoveryd.config.loader import load_config
from recoveryd.daemon.service import Daemon
Daemon(load_config(Path("r.yaml"))).store.close()
"""


def imported(body: str, tmp_path: Path) -> set[str]:
    """The modules (and their top-level packages) a fresh interpreter holds after ``body``."""
    (tmp_path / "r.yaml").write_text(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        encoding="utf-8",
    )
    script = tmp_path / "probe.py"
    script.write_text("import json, sys\n" + body + PRINT, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    return set(json.loads(out.stdout))


def test_the_daemon_without_home_assistant_or_bluetooth_stays_small(tmp_path: Path) -> None:
    modules = imported(DAEMON, tmp_path)
    assert "recoveryd.daemon.service" in modules  # the probe did build a daemon
    heavy = {"homeassistant_api", "niquests", "bleak", "rich", "scipy", "matplotlib", "apprise"}
    assert modules & heavy == set()


@pytest.mark.parametrize("entry", ["recoveryd.cli.main"])
def test_the_parser_imports_no_model_store_or_engine(entry: str, tmp_path: Path) -> None:
    modules = imported(f"import {entry}", tmp_path)
    assert entry in modules
    unwanted = {
        "numpy", "pydantic", "yaml", "rich", "recoveryd.config.model", "recoveryd.store.database",
        "recoveryd.engine", "recoveryd.integrations.ble.profile", "importlib.metadata",
    }  # fmt: skip
    assert modules & unwanted == set()

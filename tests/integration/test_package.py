# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The installed distribution: one top-level name, a working command, the version it carries.

The wheel is built from this checkout as pip (and pipx) builds it, installed with no
dependencies into a folder, and run by a fresh virtual environment's interpreter that sees
only that folder and the project's dependencies (a plain path entry: no ``.pth`` file of the
development install applies), so nothing of the checkout can be imported by accident.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from recoveryd import __version__

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    """A process of the test; ``cwd`` away from the checkout (``-c`` puts the cwd on the path)."""
    return subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=600, env=extra or None,
        cwd=cwd,
    )  # fmt: skip


def test_the_wheel_has_one_top_level_name_and_runs_from_it(tmp_path: Path) -> None:
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                 str(tmp_path / "dist"), str(ROOT)])  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (tmp_path / "dist").glob("recoveryd-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"recoveryd"}
    assert "recoveryd/integrations/mqtt/discovery.py" in names
    assert not any("__pycache__" in n for n in names)

    target = tmp_path / "site"
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                     str(target), str(wheel)])  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    venv.create(tmp_path / "clean", with_pip=False)
    python = str(tmp_path / "clean" / "bin" / "python")
    deps = sysconfig.get_paths()["purelib"]  # the project's dependencies, as a plain path
    env = {"PYTHONPATH": f"{target}:{deps}", "PATH": "/usr/bin:/bin"}

    outside = run([python, "-c", "import integrations"], tmp_path, **env)
    assert outside.returncode == 1
    assert "No module named 'integrations'" in outside.stderr
    version = run([python, "-m", "recoveryd", "--version"], tmp_path, **env)
    assert (version.returncode, version.stdout.strip()) == (0, f"recoveryd {__version__}")
    metadata = run([python, "-c", "import importlib.metadata as m; print(m.version('recoveryd'))"],
                   tmp_path, **env)  # fmt: skip
    assert metadata.stdout.strip() == __version__  # what discovery's origin.sw_version says
    adapters = run([python, "-c", "import recoveryd.integrations.mqtt.discovery as d; "
                    "print(d.ORIGIN['sw_version'], d.__file__)"], tmp_path, **env)  # fmt: skip
    sw_version, where = adapters.stdout.split()
    assert sw_version == __version__
    assert where.startswith(str(target))

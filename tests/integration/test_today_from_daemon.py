# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd today`` answered by the running daemon: the command's own text, at once.

`recoveryd run` on a store holding 90 days to today, with mosquitto; `recoveryd today` run
as users run it (the console script), on a pipe and in a pseudo-terminal. After a change of
the store the daemon answers (its log says so) with exactly the text the command gives when
it answers itself (``RECOVERYD_NO_CACHE=1``); a configuration changed since the daemon read
it, or a daemon that is gone, leaves the command to answer itself, with the same text.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.domain.models import CheckIn
from recoveryd.identity import daemon_socket
from recoveryd.store.database import Store

from tests.conftest import BrokerAddress

pytestmark = pytest.mark.integration

RECOVERYD = Path(sys.executable).with_name("recoveryd")
ZONE = ZoneInfo("Europe/Berlin")
ANSWERED = "answered today for alex from the command line"


@dataclass
class Running:
    config: Path
    store: Path
    log: Path
    env: dict[str, str]

    def answered(self) -> int:
        return self.log.read_text(encoding="utf-8").count(ANSWERED)

    def soreness(self, value: int) -> None:
        """A check-in answer, written as an import would (the daemon does not notice it)."""
        with Store(self.store) as store:
            store.upsert([], [CheckIn("alex", datetime.now(ZONE).date(), soreness=value)])


@pytest.fixture
def running(tmp_path: Path, mosquitto: BrokerAddress) -> Iterator[Running]:
    today = datetime.now(ZONE).date()
    store = tmp_path / "recoveryd.db"
    nights, checkins = generate(today)
    with Store(store) as opened:
        opened.upsert(nights, checkins, generate_sessions(today))
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "00:00"}}
storage: {{path: {store}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, client_id: recoveryd-answers}}
athletes:
  - {{id: alex, name: Alex, sources: [oura]}}
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in {"RECOVERYD_CONFIG", "COLUMNS"}}
    env["RECOVERYD_CACHE_DIR"] = str(tmp_path / "answers")
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [str(RECOVERYD), "run", "--config", str(config)], stdout=out, stderr=out, env=env
        )
        try:
            deadline = time.monotonic() + 30
            while not daemon_socket(store).exists() or not _decided(store):
                assert daemon.poll() is None, log.read_text(encoding="utf-8")[-2000:]
                assert time.monotonic() < deadline, "the daemon did not start"
                time.sleep(0.05)
            yield Running(config, store, log, env)
        finally:
            daemon.terminate()
            daemon.wait(timeout=15)
    assert not daemon_socket(store).exists()  # removed as the daemon stopped


def _decided(store: Path) -> bool:
    with Store(store) as opened:
        return opened.latest_decision("alex", datetime.now(ZONE).date()) is not None


def _today(running: Running, *extra: str, **env: str) -> str:
    done = subprocess.run(
        [str(RECOVERYD), "today", "--athlete", "alex", "--config", str(running.config), *extra],
        env={**running.env, **env}, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert done.stderr == ""
    return done.stdout


def _in_terminal(running: Running, columns: int, **env: str) -> bytes:
    """`recoveryd today` in a pseudo-terminal of ``columns`` columns, its output as drawn."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    command = [str(RECOVERYD), "today", "--athlete", "alex", "--config", str(running.config)]
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=subprocess.DEVNULL,
        env={**running.env, "TERM": "xterm-256color", **env},
    )  # fmt: skip
    os.close(terminal)
    drawn = b""
    while select.select([controller], [], [], 30)[0]:
        try:
            chunk = os.read(controller, 65_536)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert process.wait(timeout=30) == 0
    return drawn


def test_after_a_change_the_daemon_answers_with_the_commands_own_text(running: Running) -> None:
    first = _today(running)  # in full: nothing kept yet
    assert running.answered() == 0
    for value in (2, 4):
        running.soreness(value)
        answer = _today(running)
        assert f"{value}.0 /5" in answer
        assert answer == _today(running, RECOVERYD_NO_CACHE="1")
    assert answer != first
    assert running.answered() == 2
    assert _today(running) == answer  # kept: neither asked nor decided again
    assert running.answered() == 2
    as_json = _today(running, "--json")  # the same command line asked once in full first
    running.soreness(3)
    assert _today(running, "--json") != as_json
    assert _today(running, "--json") == _today(running, "--json", RECOVERYD_NO_CACHE="1")
    assert running.answered() == 3


@pytest.mark.parametrize(("columns", "env"), [(100, {}), (64, {"NO_COLOR": "1"}),
                                              (120, {"COLUMNS": "90"})])  # fmt: skip
def test_in_a_terminal_the_daemon_draws_as_the_command_would(
    running: Running, columns: int, env: dict[str, str]
) -> None:
    _today(running)  # something kept for this command line, answered in full
    running.soreness(2)
    drawn = _in_terminal(running, columns, **env)
    assert running.answered() == 1
    assert drawn == _in_terminal(running, columns, RECOVERYD_NO_CACHE="1", **env)
    coloured = re.search(rb"\x1b\[(?:[0-9;]*;)?3[0-8][;m]", drawn) is not None
    assert coloured is ("NO_COLOR" not in env)  # NO_COLOR keeps bold, drops colour


def test_a_configuration_changed_since_the_daemon_read_it_is_answered_in_full(
    running: Running,
) -> None:
    _today(running)
    running.soreness(2)
    text = running.config.read_text(encoding="utf-8")
    running.config.write_text(text.replace("name: Alex", "name: Alexandra"), encoding="utf-8")
    answer = _today(running)
    assert "Alexandra" in answer
    assert running.answered() == 0
    assert answer == _today(running, RECOVERYD_NO_CACHE="1")

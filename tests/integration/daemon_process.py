# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The real daemon in a process of its own, on a clock the test moves.

``python -m tests.integration.daemon_process CONFIG CLOCK_FILE``: the daemon runs as
``recoveryd run`` does (SIGTERM stops it; SIGKILL is a crash), but its clock is the real one
plus the number of seconds in CLOCK_FILE, read on every look at the clock. Writing a new
number there is a jump of the system clock: the daemon sees the wall clock move against the
monotonic one and plans its day again, as it would after NTP or someone set the clock.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from recoveryd.cli.main import LIBRARY_LOGGERS
from recoveryd.config.loader import load_config
from recoveryd.daemon import schedule as daemon_module
from recoveryd.daemon.service import Daemon
from recoveryd.domain.clock import Reading


class FileClock:
    """Real time plus the offset in a file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def offset(self) -> float:
        """The seconds the clock is ahead of real time (behind when negative)."""
        try:
            return float(self._path.read_text(encoding="utf-8") or 0)
        except (OSError, ValueError):
            return 0.0  # being rewritten: the next look reads it

    def now(self) -> datetime:
        """The daemon's time."""
        return datetime.now().astimezone() + timedelta(seconds=self.offset())

    def system(self) -> Reading:
        """The system clocks as the daemon compares them."""
        return Reading(time.time() + self.offset(), time.monotonic())


async def main(config_path: Path, clock_path: Path) -> None:
    """Run until SIGTERM."""
    # Look often, and call 2 s a jump: the test's jumps are minutes.
    daemon_module.CLOCK_CHECK_S = 0.1
    daemon_module.CLOCK_JUMP_S = 2.0
    clock = FileClock(clock_path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await Daemon(load_config(config_path), clock=clock, system_clock=clock.system).run(stop)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(logging.WARNING)
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The system clock jumps (NTP after boot, someone setting it, a machine waking from sleep).

The daemon's clock here runs in real time from a chosen moment and jumps when the test says;
the daemon's view of the system clock jumps with it. The daily decision must run once per
local day, a session under way must keep its length, and a turn-on the jump passed over must
not start late.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock_time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.daemon import schedule as daemon_module
from recoveryd.daemon.service import Daemon
from recoveryd.domain.clock import Reading
from recoveryd.domain.models import CheckIn, Night, Protocol
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END, BrokerAddress, until
from tests.integration.test_daemon_timeline import Recorder

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class JumpingClock:
    """Real time from ``start``, plus every jump so far; the system clock jumps alike."""

    start: datetime
    offset: timedelta = timedelta(0)
    _mono0: float = field(default_factory=clock_time.monotonic)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=clock_time.monotonic() - self._mono0) + self.offset

    def system(self) -> Reading:
        return Reading(clock_time.time() + self.offset.total_seconds(), clock_time.monotonic())

    def jump(self, by: timedelta) -> None:
        self.offset += by


def at(hh: int, mm: int, ss: int = 0, day: date = SAMPLE_END) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=BERLIN)


@pytest.fixture
def household(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    monkeypatch: pytest.MonkeyPatch,
) -> Config:
    # Look often, and call 2 s a jump: the jumps below are seconds to hours.
    monkeypatch.setattr(daemon_module, "CLOCK_CHECK_S", 0.1)
    monkeypatch.setattr(daemon_module, "CLOCK_JUMP_S", 2.0)
    config = parse_config(
        f"""
household: {{timezone: Europe/Berlin, decide_at: "07:00"}}
storage: {{path: {tmp_path / "r.db"}, poll_interval_s: 3600}}
mqtt: {{host: 127.0.0.1, port: {mosquitto.port}, client_id: recoveryd-jumps, reconnect_max_s: 1}}
athletes: [{{id: alex, name: Alex, sources: [oura]}}]
devices:
  sauna: {{kind: sauna, via: dry_run, heat_rate_c_per_min: 2.0, ambient_c: 20}}
  boots: {{kind: compression, via: dry_run}}
recovery:
  active_recovery:
    sauna: {{device: sauna, ready_by: "18:00", minutes: 20, temp_c: 80}}
    compression: {{device: boots, at: "19:00", minutes: 1}}
""",
        label="t.yaml",
        base_dir=tmp_path,
    )
    with Store(config.storage.path) as store:
        store.upsert(*sample)
        for day in (SAMPLE_END, SAMPLE_END + timedelta(days=1)):
            store.set_override("alex", day, Protocol.ACTIVE_RECOVERY, at(6, 0))
    return config


@asynccontextmanager
async def running(config: Config, clock: JumpingClock, recorder: Recorder) -> AsyncIterator[Daemon]:
    daemon = Daemon(config, clock=clock, actuators={"dry_run": recorder}, system_clock=clock.system)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    try:
        yield daemon
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def lines(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(start)]


async def test_the_daily_decision_runs_once_per_local_day_through_jumps(
    household: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="recoveryd.daemon")
    caplog.set_level(logging.DEBUG, logger="recoveryd.daemon.daily")  # the last sets the handler's
    clock = JumpingClock(at(6, 59, 58))
    today, tomorrow = SAMPLE_END, SAMPLE_END + timedelta(days=1)
    async with running(household, clock, Recorder()) as daemon:
        await until(lambda: bool(lines(caplog, f"daily-decision of {today}")), "07:00's run")
        # Set back over 07:00: 07:00 comes again, and today has had its decision.
        clock.jump(timedelta(seconds=-6))
        await until(lambda: bool(lines(caplog, "the system clock jumped back")), "the jump back")
        await until(lambda: bool(lines(caplog, f"daily-decision of {today}: done already")),
                    "07:00 again")  # fmt: skip
        # Forward over a night to 09:00: tomorrow's 07:00 was passed over, and runs now.
        clock.jump(at(9, 0, day=tomorrow) - clock.now())
        await until(lambda: bool(lines(caplog, f"daily-decision of {tomorrow}")), "the jump")
        await until(lambda: daemon.store.latest_decision("alex", tomorrow) is not None,
                    "tomorrow's decision")  # fmt: skip
    assert lines(caplog, f"daily-decision of {today}") == [
        f"daily-decision of {today}",
        f"daily-decision of {today}: done already",
    ]
    assert lines(caplog, f"daily-decision of {tomorrow}") == [f"daily-decision of {tomorrow}"]
    assert len(lines(caplog, "the system clock jumped forward by 26 h 00 min")) == 1


@pytest.mark.parametrize(
    ("by", "said"),
    [
        (timedelta(hours=-1), "the system clock jumped back by 1 h 00 min"),
        (timedelta(hours=2), "the system clock jumped forward by 2 h 00 min"),
    ],
    ids=["set back", "forward"],
)
async def test_a_session_under_way_keeps_its_real_length(
    household: Config, caplog: pytest.LogCaptureFixture, by: timedelta, said: str
) -> None:
    caplog.set_level(logging.INFO, logger="recoveryd.daemon")
    recorder = Recorder()

    def boots() -> list[str]:
        return [a.command for a in recorder.done if a.device == "boots"]

    start = at(19, 0, 45)  # the 1-minute boots session has 15 s to go
    clock = JumpingClock(start)
    async with running(household, clock, recorder):
        await until(lambda: boots() == ["turn_on"], "the turn-on")
        clock.jump(by)
        await until(lambda: bool(lines(caplog, said)), "the jump")
        await until(lambda: len(lines(caplog, "timeline for")) >= 2, "the day planned again")
        # Neither at once (forward: the wall clock says the session is over) nor an hour late
        # (set back): the turn-off waits for the session's real end.
        # (The sauna's 17:30 heat-on was missed at the start: its session is gone.)
        assert lines(caplog, "timeline for")[-1].startswith(
            f"timeline for {SAMPLE_END}: 3 actions, 0 to run now, 1 scheduled"
        )
        assert boots() == ["turn_on"]
        await until(lambda: boots() == ["turn_on", "turn_off"], "the turn-off", timeout=60)
        assert start + by < clock.now() < at(19, 2) + by


async def test_a_turn_on_the_clock_jumped_over_is_missed_and_nothing_of_its_session_runs(
    household: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="recoveryd.daemon")
    recorder = Recorder()
    clock = JumpingClock(at(17, 20))  # the sauna pre-heats at 17:30
    async with running(household, clock, recorder) as daemon:
        await until(lambda: bool(lines(caplog, "timeline for")), "the timeline")
        clock.jump(timedelta(hours=2))  # 19:20: the sauna's heat-on and session are past

        def logged() -> dict[str, tuple[str, str]]:
            return {c: (s, d) for _, c, s, d in daemon.store.action_history(SAMPLE_END)}

        await until(lambda: "heat_on" in logged(), "the missed heat-on")
        await until(lambda: len(lines(caplog, "timeline for")) >= 3, "the day planned again")
        logged_then, timeline = logged(), set(daemon.actions.timeline.values())
    assert logged_then["heat_on"] == (
        "missed", "too late to start after a restart or a clock jump"
    )  # fmt: skip
    assert "heat_on" not in [a.command for a in recorder.done]
    # The heater was never switched on, so no switch-off is owed: the session's heat-off would
    # only cut into another session on a shared sauna.
    assert "heat_off" not in logged_then
    assert {a.command for a in timeline if a.device == "sauna"} == {"heat_on"}

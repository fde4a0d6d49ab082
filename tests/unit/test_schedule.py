# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The schedule collaborator alone: its jobs only enqueue events, actions come due on time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from recoveryd.config.loader import parse_config
from recoveryd.daemon.schedule import Schedule
from recoveryd.domain.clock import read_system
from recoveryd.domain.events import ActionDue, Event


async def test_jobs_actions_and_a_clock_jump(tmp_path: Path) -> None:
    config = parse_config(
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: Alex, sources: [polar_h10],\n"
        "            hrv_strap: {device: 'Polar H10 1', source: polar_h10, at: '06:30'}}]\n",
        label="t.yaml", base_dir=tmp_path,
    )  # fmt: skip
    due: asyncio.Queue[Event] = asyncio.Queue()
    schedule = Schedule(
        config, now=lambda: datetime.now(UTC), put=due.put_nowait, system_clock=read_system,
        pulls=False,
    )  # fmt: skip
    schedule.action_at("before-start", timedelta(0))  # nothing runs before start
    assert schedule.jobs() == []
    schedule.start()
    try:
        assert {"daily-decision", "store-poll", "reading-alex"} <= set(schedule.jobs())
        assert "morning-pull" not in schedule.jobs()  # nothing to pull from
        schedule.action_at("sauna-on", timedelta(hours=3))
        schedule.action_at("lamp", timedelta(milliseconds=50))
        assert {"sauna-on", "lamp"} <= set(schedule.jobs())
        schedule.forget_action("sauna-on")
        schedule.forget_action("never-planned")
        assert "sauna-on" not in schedule.jobs()
        assert await asyncio.wait_for(due.get(), 10) == ActionDue("lamp")
        before = set(schedule.jobs())
        schedule.clock_jumped(3600.0)  # the interval jobs count from now again; none is lost
        assert set(schedule.jobs()) == before
    finally:
        schedule.shutdown()

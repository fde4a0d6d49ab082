# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon's queue: timers, confirmations and broker events never wait behind a burst."""

from __future__ import annotations

from recoveryd.domain.events import ActionDue, CommandReceived, EventQueue, StorePoll


async def test_urgent_events_pass_a_burst_and_each_lane_keeps_its_order() -> None:
    queue = EventQueue()
    burst = [CommandReceived(f"recoveryd/alex/set/checkin_mood/{i}", b"3") for i in range(1000)]
    for event in burst[:500]:
        queue.put_nowait(event)
    queue.put_nowait(ActionDue("sauna off"))
    for event in burst[500:]:
        queue.put_nowait(event)
    queue.put_nowait(StorePoll())
    assert (queue.qsize(), queue.empty(), queue.full()) == (1002, False, False)
    assert await queue.get() == ActionDue("sauna off")
    assert await queue.get() == StorePoll()
    assert [await queue.get() for _ in range(1000)] == burst
    assert queue.empty()


async def test_the_households_pause_passes_a_burst_too() -> None:
    queue = EventQueue()
    queue.put_nowait(CommandReceived("recoveryd/alex/set/checkin_mood", b"3"))
    pause = CommandReceived("recoveryd/household/set/pause", b"ON", urgent=True)
    queue.put_nowait(pause)
    assert await queue.get() == pause

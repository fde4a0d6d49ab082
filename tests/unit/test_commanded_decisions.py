# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Decisions asked for by commands, alone: a fake clock and a fake queue."""

from __future__ import annotations

from collections.abc import Mapping

from recoveryd.daemon.settle import SETTLE_MAX_S, SETTLE_S, CommandedDecisions
from recoveryd.domain.events import Event


async def test_first_at_once_a_burst_together_at_most_five_seconds_late() -> None:
    decided: list[dict[str, bool]] = []
    events: list[Event] = []
    clock = [100.0]

    def decide(asked: Mapping[str, bool]) -> None:
        decided.append(dict(asked))

    commanded = CommandedDecisions(decide=decide, put=events.append, clock=lambda: clock[0])
    commanded.ask("alex", force=False)
    assert decided == [{"alex": False}]  # the first: at once
    for step in range(8):  # a slider dragged: a command every 0.3 s
        clock[0] += 0.3
        commanded.ask("alex" if step % 2 else "sam", force=step == 3)
    assert decided == [{"alex": False}]
    assert bool(commanded.waiting)
    clock[0] += 0.2  # the window's end: they still arrive, so they wait (0.2 s quiet)
    commanded.settled()
    assert decided == [{"alex": False}]
    clock[0] += SETTLE_S  # they paused: one decision for both, forced where one asked
    commanded.settled()
    assert decided == [{"alex": False}, {"sam": False, "alex": True}]
    assert not bool(commanded.waiting)
    # A burst that never pauses is decided on at most SETTLE_MAX_S after its first command.
    commanded.ask("sam", force=False)
    first = clock[0]
    while len(decided) < 3:
        clock[0] += 0.5
        commanded.ask("sam", force=False)
        commanded.settled()
    assert clock[0] - first <= SETTLE_MAX_S + 0.5
    commanded.settled()  # nothing waits: the next command is decided on at once
    commanded.ask("alex", force=False)
    assert decided[-1] == {"alex": False}
    commanded.cancel()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The chart drawn in a child process: its picture, its errors, and a stop while it draws."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from pathlib import Path

import pytest
from recoveryd.present.chart import ChartError, render_apart


def _children() -> set[int]:
    """This process's children, from every thread's ``children`` file in /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            found.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:
            continue  # the thread ended between the listing and the read: it has none now
    return found


async def _new_child(before: set[int]) -> int:
    for _ in range(1000):  # at most 10 s
        new = _children() - before
        if new:
            return new.pop()
        await asyncio.sleep(0.01)
    pytest.fail("the chart's child process did not start")


async def test_the_child_draws_a_png() -> None:
    png = await render_apart([], "nobody: the last 30 days")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_failing_child_says_why_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(ChartError, match=r"^the chart process exited 1$"):
        await render_apart([], "x")


async def test_a_chart_cancelled_while_drawing_stops_its_child_and_closes_its_pipes() -> None:
    before = _children()
    drawing = asyncio.create_task(render_apart([], "x"))
    child = await _new_child(before)
    drawing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drawing
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left drawing
        os.kill(child, 0)
    # An unclosed pipe transport warns when collected; warnings are errors in this suite.
    gc.collect()

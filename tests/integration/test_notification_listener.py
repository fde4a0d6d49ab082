# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The notification buttons' listener against a real Home Assistant core: it keeps its
connection through idle periods longer than a read may wait, and after Home Assistant
restarts it is listening again by the time the core runs, so a press made then arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from recoveryd.integrations.homeassistant import notify
from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier

from tests.conftest import until
from tests.integration.ha_core import HomeAssistantCore, start_home_assistant

pytestmark = pytest.mark.integration

EVENT = "/api/events/mobile_app_notification_action"


@pytest.fixture
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistantCore]:
    """A Home Assistant of its own: this test restarts it."""
    yield from start_home_assistant(tmp_path_factory)


async def press(core: HomeAssistantCore, action: str) -> None:
    await asyncio.to_thread(core.request, "POST", EVENT, {"action": action})


async def test_presses_arrive_through_idle_time_and_a_restart(
    core: HomeAssistantCore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A read may wait 3 s: idle for longer, the connection lives only by its heartbeat.
    read_timeout = notify.READ_TIMEOUT_S
    monkeypatch.setattr(notify, "HEARTBEAT_S", 1.0)
    monkeypatch.setattr(notify, "READ_TIMEOUT_S", 3.0)
    caplog.set_level(logging.INFO, logger=notify.__name__)
    notifier = HomeAssistantNotifier(core.url, core.token)
    actions: list[str] = []
    stop = asyncio.Event()

    def listening() -> int:
        return sum(r.getMessage().startswith("listening for") for r in caplog.records)

    listener = asyncio.create_task(notifier.listen(actions.append, stop))
    try:
        await until(lambda: listening() == 1, "the listener subscribed")
        await asyncio.sleep(8)  # idle, nearly three read timeouts
        await press(core, "RECOVERYD_EASIER_alex")
        await until(lambda: actions == ["RECOVERYD_EASIER_alex"], "the press after idling")
        assert listening() == 1  # the same connection all along
        # The next connection waits as long as it does at home for a starting core to answer
        # (3 s would give up on it and leave a gap after it runs).
        monkeypatch.setattr(notify, "READ_TIMEOUT_S", read_timeout)
        await asyncio.to_thread(core.stop)
        await asyncio.to_thread(core.start)  # returns once the core runs
        # Listening again by the time the core runs (it answers during its start-up, and the
        # listener tries every 0.5 s at most while it is away).
        await until(lambda: listening() == 2, "listening again", timeout=5)
        for action in ("RECOVERYD_DONE_alex", "RECOVERYD_SKIP_alex"):
            await press(core, action)
        await until(lambda: len(actions) == 3, f"the presses after the restart ({actions})")
    finally:
        stop.set()
        await asyncio.wait_for(listener, 30)
    assert actions == ["RECOVERYD_EASIER_alex", "RECOVERYD_DONE_alex", "RECOVERYD_SKIP_alex"]
    assert listening() == 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1  # one line for the restart; the retries are debug lines
    assert warnings[0].startswith("Home Assistant WebSocket: ")

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon's side of the web panel: its page from the store, its charts, its controls.

A collaborator that owns the panel's state (the charts drawn, per decision). A control from
the page is put on the daemon's one queue as the very command MQTT would carry
(``CommandReceived`` on the athlete's command topic): the consumer checks and applies it as
any other, and says what became of it; when it asked for a new decision the page waits for
that decision (a moment) so that it shows the day as it now is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Final

from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.morning import CHART_SPAN
from recoveryd.daemon.panel_view import PanelPage, panel_page
from recoveryd.domain.events import CommandReceived, CommandReply, Event
from recoveryd.integrations.mqtt.topics import Topics
from recoveryd.integrations.web.panel import ChartUnavailableError, PanelParts, PanelServer
from recoveryd.present.chart import ChartError, render_apart
from recoveryd.store.database import Store

log = logging.getLogger(__name__)

ANSWER_S: Final = 10.0  # the consumer answers within this, or the page says it did not
DECIDED_S: Final = 3.0  # how long the page waits for the decision a command asked for
_POLL_S: Final = 0.05


class WebPanel:
    """Serves the panel while the daemon runs (``panel:`` in the configuration)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        topics: Topics,
        *,
        put: Callable[[Event], None],
        today: Callable[[], tuple[date, datetime]],
    ) -> None:
        assert config.panel is not None  # noqa: S101 - made only when configured
        self._config, self._store, self._topics = config, store, topics
        self._put, self._today = put, today
        self._charts: dict[str, tuple[tuple[date, int | None], bytes]] = {}
        self._drawing: dict[str, asyncio.Lock] = {}
        self.server = PanelServer(
            config.panel,
            PanelParts(
                page=self._page, chart=self._chart, submit=self._submit,
                athletes=frozenset(a.id for a in config.athletes),
            ),
        )  # fmt: skip

    async def start(self) -> bool:
        """Listen on the configured address (``False``, logged, if it cannot)."""
        return await self.server.start()

    async def stop(self) -> None:
        """Stop serving (before the store closes)."""
        await self.server.stop()

    def _page(self) -> PanelPage:
        return panel_page(self._store, self._config, self._today()[0])

    def _revision(self, athlete: str, day: date) -> int | None:
        stored = self._store.latest_decision(athlete, day)
        return None if stored is None else stored.revision

    async def _chart(self, athlete: str) -> bytes:
        """The last 30 days, drawn again only when the day or its decision changed."""
        lock = self._drawing.setdefault(athlete, asyncio.Lock())
        async with lock:
            day = self._today()[0]
            key = (day, self._revision(athlete, day))
            kept = self._charts.get(athlete)
            if kept is not None and kept[0] == key:
                return kept[1]
            plans = decide_range(self._store, self._config, athlete, day - CHART_SPAN, day)
            title = f"{self._config.athlete(athlete).name}: the last 30 days"
            try:
                png = await render_apart(plans, title)
            except (ChartError, OSError) as exc:
                log.error("web panel: %s: the chart was not drawn: %s", athlete, exc)  # noqa: TRY400
                message = f"the chart could not be drawn: {exc}"
                raise ChartUnavailableError(message) from None
            self._charts[athlete] = (key, png)
            return png

    async def _submit(self, athlete: str, control: str, payload: bytes) -> CommandReply:
        """The control as the command MQTT would carry; what became of it."""
        loop = asyncio.get_running_loop()
        answered: asyncio.Future[CommandReply] = loop.create_future()

        def reply(answer: CommandReply) -> None:
            if not answered.done():
                answered.set_result(answer)

        day = self._today()[0]
        before = self._revision(athlete, day)
        topic = self._topics.command(athlete, control)
        self._put(CommandReceived(topic, payload, reply=reply))
        try:
            answer = await asyncio.wait_for(answered, ANSWER_S)
        except TimeoutError:
            text = f"{control}: the daemon did not answer within {ANSWER_S:.0f} s; try again"
            return CommandReply(accepted=False, text=text)
        if answer.accepted and answer.redecide:
            await self._decided(athlete, day, before)
        return answer

    async def _decided(self, athlete: str, day: date, before: int | None) -> None:
        """Wait (briefly) for the decision a command asked for, so the page shows it."""
        deadline = asyncio.get_running_loop().time() + DECIDED_S
        while self._revision(athlete, day) == before:
            if asyncio.get_running_loop().time() >= deadline:
                return  # the inputs did not change: the decision stands as it was
            await asyncio.sleep(_POLL_S)

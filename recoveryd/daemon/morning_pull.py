# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The daemon's morning pull: the athletes' nights from their APIs and Home Assistant sensors.

Before the daily decision (and when the daemon starts), every source an athlete has
credentials or sensor mappings for is asked for the last three mornings, so a ring or a band
that synced late still counts. The network runs beside the consumer; what comes back is
stored by the consumer, one transaction per source. A pull in flight is never started twice;
a failed pull is one line and the next one tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from recoveryd.config.model import Config
from recoveryd.daemon.ports import Spawn
from recoveryd.daemon.pulling import pull, pull_sources, whoop_refresh_key
from recoveryd.domain.events import Event, PullDone
from recoveryd.domain.pulled import Pulled, PullSource
from recoveryd.store.database import Store
from recoveryd.store.journal import Origin

log = logging.getLogger(__name__)

MORNINGS = 3
"""How many mornings each pull asks for, today included."""

Fetch = Callable[[str, PullSource, date, date, str | None], Awaitable[Pulled]]
"""Pulls (athlete, source, first, last, WHOOP refresh token); tests pass their own."""


def default_fetch(config: Config) -> Fetch:
    """The real pull, through ``recoveryd.daemon.pulling``."""

    def fetch(
        athlete: str, source: PullSource, first: date, last: date, refresh: str | None
    ) -> Awaitable[Pulled]:
        return pull(config, athlete, source, first, last, refresh_token=refresh)

    return fetch


class MorningPull:
    """Starts the pulls and stores what they bring; the daemon's consumer calls both halves."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        spawn: Spawn,
        put: Callable[[Event], None],
        fetch: Fetch | None = None,
    ) -> None:
        self._config, self._store = config, store
        self._spawn, self._put = spawn, put
        self._fetch = fetch or default_fetch(config)
        self._in_flight: set[tuple[str, PullSource]] = set()

    @property
    def configured(self) -> bool:
        """Whether any athlete has a source to pull."""
        return any(pull_sources(self._config, a) for a in self._config.athletes)

    def start(self, today: date) -> None:
        """Start a pull of every configured source that is not already running."""
        first = today - timedelta(days=MORNINGS - 1)
        for athlete in self._config.athletes:
            for source in pull_sources(self._config, athlete):
                key = (athlete.id, source)
                if key in self._in_flight:
                    continue
                self._in_flight.add(key)
                refresh = (
                    self._store.setting(whoop_refresh_key(athlete.id))
                    if source == "whoop"
                    else None
                )
                self._spawn(self._run(athlete.id, source, first, today, refresh), f"pull {key}")

    async def _run(
        self, athlete: str, source: PullSource, first: date, last: date, refresh: str | None
    ) -> None:
        try:
            pulled = await self._fetch(athlete, source, first, last, refresh)
        except Exception as exc:  # noqa: BLE001 - a bug in one pull must not stop the others
            pulled = Pulled(source, error=f"{type(exc).__name__}: {exc}")
        self._put(PullDone(athlete, pulled))

    def finish(self, done: PullDone) -> tuple[int, str | None]:
        """Store what a pull brought: how many nights were new or changed, and its error."""
        pulled = done.pulled
        self._in_flight.discard((done.athlete, pulled.source))
        if pulled.refresh_token is not None:  # WHOOP rotates refresh tokens: keep the new one
            self._store.set_setting(whoop_refresh_key(done.athlete), pulled.refresh_token)
        for problem in pulled.problems:
            log.warning("%s: %s: %s; left out", done.athlete, pulled.source, problem)
        if pulled.error is not None:
            log.error("%s: pulling %s failed: %s", done.athlete, pulled.source, pulled.error)
            return 0, pulled.error
        origin = Origin(pulled.source, "pulled by the daemon", done.athlete)
        changed = self._store.upsert(nights=pulled.nights, origin=origin)
        log.info(
            "%s: %s: %d nights, %d new or changed",
            done.athlete, pulled.source, len(pulled.nights), changed,
        )  # fmt: skip
        return changed, None

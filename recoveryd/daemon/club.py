# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A club's history decided at once: every member's days, in worker processes, from the store.

Each worker opens the store once and decides one athlete at a time from the store's column
blocks (:mod:`recoveryd.store.blocks`) with :func:`~recoveryd.engine.decide_outcomes`: the
memory in use is that of one athlete per worker, whatever the size of the club. The answer is
that of the live decision, day by day (the same engine, the same whole history).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from recoveryd.config.athletes import AthleteConfig
from recoveryd.daemon.deciding import heart_rate_zones, stored_history
from recoveryd.engine import DayOutcomes, decide_outcomes
from recoveryd.engine.load import HeartRateZones
from recoveryd.engine.thresholds import Thresholds
from recoveryd.store.database import Store

_CHUNK = 25  # athletes per task: enough to keep a worker busy, few enough to show progress


@dataclass(frozen=True, slots=True)
class Member:
    """What the configuration says of one athlete that deciding needs."""

    athlete: str
    preference: tuple[str, ...]
    zones: HeartRateZones | None = None
    metric_preference: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, athlete: AthleteConfig) -> Member:
        """The member an athlete of the configuration is."""
        return cls(
            athlete.id,
            tuple(athlete.sources),
            heart_rate_zones(athlete),
            {str(metric): tuple(order) for metric, order in athlete.source_priority.items()},
        )


def decide_member(
    store: Store, member: Member, first: date, last: date, t: Thresholds
) -> DayOutcomes:
    """One athlete's days from ``first`` to ``last``, from everything the store holds."""
    history = stored_history(
        store, member.athlete, member.preference, first, last,
        metric_preference=member.metric_preference,
    )  # fmt: skip
    return decide_outcomes(history, first=first, last=last, thresholds=t, zones=member.zones)


_worker_store: Store | None = None


def _open(path: Path) -> None:
    global _worker_store  # noqa: PLW0603 - one store per worker process, opened once
    _worker_store = Store(path, keep_blocks=True)


def _decide_chunk(
    members: Sequence[Member], first: date, last: date, t: Thresholds
) -> list[tuple[str, DayOutcomes]]:
    assert _worker_store is not None  # noqa: S101 - set by the pool's initializer
    return [(m.athlete, decide_member(_worker_store, m, first, last, t)) for m in members]


def decide_club(
    path: Path,
    members: Sequence[Member],
    first: date,
    last: date,
    *,
    workers: int = 2,
    thresholds: Thresholds | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[str, DayOutcomes]]:
    """Every member's days from ``first`` to ``last``, as each chunk of athletes is decided.

    ``workers`` processes decide at once; ``progress`` is told how many athletes are done.
    """
    t = thresholds or Thresholds()
    chunks = [members[k : k + _CHUNK] for k in range(0, len(members), _CHUNK)]
    done = 0
    with ProcessPoolExecutor(workers, initializer=_open, initargs=(path,)) as pool:
        pending = [pool.submit(_decide_chunk, chunk, first, last, t) for chunk in chunks]
        for future in as_completed(pending):
            decided = future.result()
            yield from decided
            done += len(decided)
            if progress is not None:
                progress(done)

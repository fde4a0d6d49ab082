# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Stored nights, check-ins and sessions as columns: what the engine reads, no object a row.

A decade of nights is 3,650 rows; as columns they are a dozen arrays the store fills straight
from SQLite and the engine slices, instead of 3,650 :class:`~recoveryd.domain.models.Night`
objects built and taken apart again before every decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.training import CompletedSession


@dataclass(frozen=True, slots=True, eq=False)
class NightColumns:
    """One athlete's nights, one entry per stored night (any order).

    ``days`` are date ordinals (``date.toordinal()``), ``sources`` the source of each night,
    ``values`` each metric of :data:`NIGHT_METRICS` (NaN where the night has none).
    """

    days: npt.NDArray[np.int64]
    sources: npt.NDArray[np.str_]
    values: Mapping[str, npt.NDArray[np.float64]]

    def __len__(self) -> int:
        return int(self.days.size)

    NAMES: ClassVar[tuple[str, ...]] = ("days", "sources", *NIGHT_METRICS)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Every column by name (:attr:`NAMES`), as a store keeps them."""
        return {"days": self.days, "sources": self.sources, **self.values}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> NightColumns:
        """The columns :meth:`arrays` gave."""
        return cls(arrays["days"], arrays["sources"], {m: arrays[m] for m in NIGHT_METRICS})

    def between(self, first: date, last: date) -> NightColumns:
        """The nights dated ``first`` to ``last`` inclusive."""
        keep = _dated(self.days, first, last)
        if keep is None:
            return self
        return NightColumns(
            self.days[keep], self.sources[keep], {m: v[keep] for m, v in self.values.items()}
        )

    @classmethod
    def of(cls, nights: Iterable[Night]) -> NightColumns:
        """The columns of ``nights`` (objects, as tests and importers hold them)."""
        found = list(nights)
        values = {
            metric: np.array(
                [np.nan if (v := getattr(n, metric)) is None else v for n in found],
                dtype=np.float64,
            )
            for metric in NIGHT_METRICS
        }
        return cls(
            np.array([n.date.toordinal() for n in found], dtype=np.int64),
            np.array([n.source for n in found], dtype=np.str_),
            values,
        )


@dataclass(frozen=True, slots=True, eq=False)
class CheckInColumns:
    """One athlete's check-ins, one row per day answered.

    ``days`` are date ordinals; ``items`` holds one column per item of
    :data:`CHECKIN_ITEMS`, in that order (NaN where the item was not answered).
    """

    days: npt.NDArray[np.int64]
    items: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.days.size)

    NAMES: ClassVar[tuple[str, ...]] = ("days", *CHECKIN_ITEMS)

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Every column by name (:attr:`NAMES`), as a store keeps them."""
        return {"days": self.days, **{i: self.items[:, k] for k, i in enumerate(CHECKIN_ITEMS)}}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> CheckInColumns:
        """The columns :meth:`arrays` gave."""
        items = np.column_stack([arrays[i] for i in CHECKIN_ITEMS]).astype(np.float64)
        return cls(arrays["days"], items.reshape(-1, len(CHECKIN_ITEMS)))

    def between(self, first: date, last: date) -> CheckInColumns:
        """The check-ins dated ``first`` to ``last`` inclusive."""
        keep = _dated(self.days, first, last)
        return self if keep is None else CheckInColumns(self.days[keep], self.items[keep])

    @classmethod
    def of(cls, checkins: Iterable[CheckIn]) -> CheckInColumns:
        """The columns of ``checkins`` (objects, as tests and importers hold them)."""
        found = list(checkins)
        items = np.array(
            [[np.nan if (v := getattr(c, i)) is None else v for i in CHECKIN_ITEMS] for c in found],
            dtype=np.float64,
        ).reshape(-1, len(CHECKIN_ITEMS))
        return cls(np.array([c.date.toordinal() for c in found], dtype=np.int64), items)


@dataclass(frozen=True, slots=True, eq=False)
class SessionColumns:
    """One athlete's completed sessions, one entry per session, in the store's order.

    ``days`` are date ordinals; ``rpe`` and ``avg_hr`` are NaN where the session has none.
    """

    days: npt.NDArray[np.int64]
    starts: npt.NDArray[np.str_]
    sports: npt.NDArray[np.str_]
    duration_min: npt.NDArray[np.float64]
    rpe: npt.NDArray[np.float64]
    avg_hr: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.days.size)

    NAMES: ClassVar[tuple[str, ...]] = ("days", "starts", "sports", "duration_min", "rpe", "avg_hr")

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Every column by name (:attr:`NAMES`), as a store keeps them."""
        return {name: getattr(self, name) for name in self.NAMES}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> SessionColumns:
        """The columns :meth:`arrays` gave."""
        return cls(*(arrays[name] for name in cls.NAMES))

    def by_day(self) -> SessionColumns:
        """The same sessions ordered by day (stable), for ranges found by bisection."""
        order = np.argsort(self.days, kind="stable")
        return SessionColumns(*(getattr(self, name)[order] for name in self.NAMES))

    def span(self, first: date, last: date) -> slice:
        """The sessions dated ``first`` up to the day before ``last``; needs :meth:`by_day`."""
        lo, hi = np.searchsorted(self.days, [first.toordinal(), last.toordinal()], side="left")
        return slice(int(lo), int(hi))

    def between(self, first: date, last: date) -> SessionColumns:
        """The sessions dated ``first`` to ``last`` inclusive."""
        keep = _dated(self.days, first, last)
        if keep is None:
            return self
        return SessionColumns(*(getattr(self, name)[keep] for name in self.NAMES))

    @classmethod
    def of(cls, sessions: Iterable[CompletedSession]) -> SessionColumns:
        """The columns of ``sessions`` (objects, as tests and importers hold them)."""
        found = list(sessions)

        def optional(values: Iterable[float | None]) -> npt.NDArray[np.float64]:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        return cls(
            np.array([s.date.toordinal() for s in found], dtype=np.int64),
            np.array([s.start for s in found], dtype=np.str_),
            np.array([s.sport for s in found], dtype=np.str_),
            np.array([s.duration_min for s in found], dtype=np.float64),
            optional(s.rpe for s in found),
            optional(s.avg_hr for s in found),
        )


def _dated(days: npt.NDArray[np.int64], first: date, last: date) -> npt.NDArray[np.bool_] | None:
    """Which of ``days`` lie from ``first`` to ``last``; ``None`` when all of them do."""
    keep = (days >= first.toordinal()) & (days <= last.toordinal())
    return None if keep.all() else keep

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From stored nights to dense daily arrays, one source per metric and day.

Sources are never mixed inside one baseline: an rMSSD from a ring, from a watch and from a chest
strap are different quantities. For each day, a metric is read from the first source in the
athlete's order of preference that measured it at least once in the baseline window or on the
day itself; that source's series alone feeds that day's baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

import numpy as np

from recoveryd.engine.baseline import FloatArray, IntArray, RollingStats, rolling_stats
from recoveryd.models import PLAUSIBLE, Night


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One metric over consecutive days, with its rolling statistics and chosen source.

    Attributes:
        values: Value per day (NaN where missing), from the chosen source.
        stats: Rolling statistics of those values, from that same source.
        source: The chosen source per day ('' where no source has data).
    """

    values: FloatArray
    stats: RollingStats
    source: tuple[str, ...]


def day_index(start: date, days: int) -> list[date]:
    """The calendar days ``start``, ``start + 1``, ... of a series of length ``days``."""
    return [start + timedelta(days=i) for i in range(days)]


@dataclass(frozen=True, slots=True)
class NightTable:
    """The nights of the preferred sources as dense daily arrays, one per source and metric.

    Columns are extracted on first use and kept for the rest of the evaluation.
    """

    start: date
    days: int
    rows: dict[str, tuple[list[Night], IntArray]]
    columns: dict[tuple[str, str], FloatArray] = field(default_factory=dict)

    @classmethod
    def build(
        cls, nights: Iterable[Night], sources: Sequence[str], start: date, days: int
    ) -> NightTable:
        """Tabulate ``nights`` of ``sources`` from ``start``; other nights are ignored."""
        own: dict[str, list[Night]] = {source: [] for source in sources}
        offsets: dict[str, list[int]] = {source: [] for source in sources}
        first = start.toordinal()  # ordinals: no timedelta per night
        for night in nights:
            offset = night.date.toordinal() - first
            if night.source in own and 0 <= offset < days:
                own[night.source].append(night)
                offsets[night.source].append(offset)
        rows = {
            source: (found, np.array(offsets[source], dtype=np.int64))
            for source, found in own.items()
        }
        return cls(start, days, rows)

    def column(self, source: str, metric: str) -> FloatArray:
        """Daily values of ``metric`` from ``source``; NaN where missing or implausible."""
        key = (source, metric)
        if key not in self.columns:
            found, offsets = self.rows[source]
            raw = np.fromiter(map(attrgetter(metric), found), dtype=np.float64, count=len(found))
            low, high = PLAUSIBLE[metric]
            column = np.full(self.days, np.nan)
            with np.errstate(invalid="ignore"):
                column[offsets] = np.where((raw >= low) & (raw <= high), raw, np.nan)
            self.columns[key] = column
        return self.columns[key]


def metric_series(
    table: NightTable,
    metric: str,
    preference: Sequence[str],
    *,
    window: int,
    recent: int,
    transform: str = "identity",
) -> MetricSeries:
    """Dense daily values and statistics of ``metric`` over the table's days.

    ``transform="log"`` takes the natural log of positive values first (ln rMSSD); a
    non-positive value is treated as not measured.
    """
    (series,) = metric_table(
        table, {metric: preference}, window=window, recent=recent, transform=transform
    ).values()
    return series


def metric_table(
    table: NightTable,
    preferences: Mapping[str, Sequence[str]],
    *,
    window: int,
    recent: int,
    transform: str = "identity",
) -> dict[str, MetricSeries]:
    """:func:`metric_series` of several metrics (each with its order of sources) at once.

    The statistics of every source are computed in one pass over all its metrics.
    """
    per_source: dict[str, dict[str, tuple[FloatArray, RollingStats]]] = {}
    for source in dict.fromkeys(s for order in preferences.values() for s in order):
        metrics = [m for m, order in preferences.items() if source in order]
        values = np.column_stack([table.column(source, m) for m in metrics])
        if transform == "log":
            values = np.log(np.where(values > 0, values, np.nan))
        stats = rolling_stats(values, window, recent)
        per_source[source] = {m: (values[:, k], stats.column(k)) for k, m in enumerate(metrics)}
    return {
        metric: _chosen(table.days, [(s, *per_source[s][metric]) for s in order])
        for metric, order in preferences.items()
    }


def _chosen(days: int, sources: Sequence[tuple[str, FloatArray, RollingStats]]) -> MetricSeries:
    """Per day, the first source (in order) with data in its baseline window or on the day."""
    chosen_values = np.full(days, np.nan)
    chosen_mean = np.full(days, np.nan)
    chosen_sd = np.full(days, np.nan)
    chosen_count = np.zeros(days, dtype=np.int64)
    chosen_recent_mean = np.full(days, np.nan)
    chosen_recent_count = np.zeros(days, dtype=np.int64)
    chosen_source = np.full(days, "", dtype=object)
    undecided = np.ones(days, dtype=bool)
    for source, values, stats in sources:
        has_data = (stats.count > 0) | ~np.isnan(values)
        take = undecided & has_data
        chosen_values[take] = values[take]
        chosen_mean[take] = stats.mean[take]
        chosen_sd[take] = stats.sd[take]
        chosen_count[take] = stats.count[take]
        chosen_recent_mean[take] = stats.recent_mean[take]
        chosen_recent_count[take] = stats.recent_count[take]
        chosen_source[take] = source
        undecided &= ~take
    stats = RollingStats(
        chosen_mean, chosen_sd, chosen_count, chosen_recent_mean, chosen_recent_count
    )
    return MetricSeries(chosen_values, stats, tuple(chosen_source.tolist()))

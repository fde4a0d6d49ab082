# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From stored nights to dense daily arrays, one source per metric and day.

An rMSSD from a ring, from a watch and from a chest strap are different quantities, so a day's
value is always one source's, compared with a baseline in that source's own scale:

* **Which source.** For each day and metric, the first source in the athlete's order of
  preference with a value that day is read, and compared with its own baseline. On a day
  without any value, the first source that is still *reporting* (a value in the last
  ``quiet_days`` days) names the day's trend and baseline: a preferred device that has gone
  quiet (retired, lost, flat) yields to the next listed one that reports, and never holds
  the day back while another reports. When none reports, the first with a baseline is
  kept, so that the day says whose data it is missing.
* **Whose baseline.** The chosen source's own nights make its baseline. Where another listed
  source measured nights in the window that the chosen one did not (the weeks before a new
  device arrived), those nights count too **only** once the two have been worn together for
  at least ``calibration_nights`` shared nights: they are mapped onto the chosen source's
  scale by a per-person line (``recoveryd.engine.calibration``), and the day says so. Without
  such an overlap the new source builds its own baseline from nothing, and the day's
  insufficient-data state names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from recoveryd.domain.columns import NightColumns
from recoveryd.domain.plausible import PLAUSIBLE
from recoveryd.engine.baseline import (
    FloatArray,
    IntArray,
    RollingStats,
    rolling_stats,
    window_sums,
)
from recoveryd.engine.calibration import CarriedOver, carry_over

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One metric over consecutive days, with its rolling statistics and chosen source.

    Attributes:
        values: Value per day (NaN where missing), from the chosen source.
        stats: Rolling statistics of those values, in that source's scale.
        source: The chosen source per day ('' where no source has data).
        notes: By day index, the other sources whose nights were calibrated into the baseline.
    """

    values: FloatArray
    stats: RollingStats
    source: tuple[str, ...]
    notes: Mapping[int, tuple[CarriedOver, ...]] = field(default_factory=dict)


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
    rows: dict[str, tuple[npt.NDArray[np.bool_], IntArray]]  # source: which nights, their day
    nights: NightColumns
    columns: dict[tuple[str, str], FloatArray] = field(default_factory=dict)

    @classmethod
    def build(
        cls, nights: NightColumns, sources: Sequence[str], start: date, days: int
    ) -> NightTable:
        """Tabulate ``nights`` of ``sources`` from ``start``; other nights are ignored."""
        offsets = nights.days - start.toordinal()
        inside = (offsets >= 0) & (offsets < days)
        rows = {}
        for source in sources:
            taken = inside & (nights.sources == source)
            rows[source] = (taken, offsets[taken])
        return cls(start, days, rows, nights)

    def column(self, source: str, metric: str) -> FloatArray:
        """Daily values of ``metric`` from ``source``; NaN where missing or implausible."""
        key = (source, metric)
        if key not in self.columns:
            taken, offsets = self.rows[source]
            raw = self.nights.values[metric][taken]
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
    switching: Switching | None = None,
) -> MetricSeries:
    """Dense daily values and statistics of ``metric`` over the table's days.

    ``transform="log"`` takes the natural log of positive values first (ln rMSSD); a
    non-positive value is treated as not measured.
    """
    (series,) = metric_table(
        table, {metric: preference}, window=window, recent=recent, transform=transform,
        switching=switching,
    ).values()  # fmt: skip
    return series


@dataclass(frozen=True, slots=True)
class Switching:
    """When a preferred source yields, and when another's nights may join its baseline."""

    quiet_days: int = 7
    calibration_nights: int = 14


def metric_table(
    table: NightTable,
    preferences: Mapping[str, Sequence[str]],
    *,
    window: int,
    recent: int,
    transform: str = "identity",
    switching: Switching | None = None,
) -> dict[str, MetricSeries]:
    """:func:`metric_series` of several metrics (each with its order of sources) at once.

    The statistics of every source are computed in one pass over all its metrics.
    """
    rules = switching or Switching()
    per_source: dict[str, dict[str, tuple[FloatArray, RollingStats]]] = {}
    for source in dict.fromkeys(s for order in preferences.values() for s in order):
        metrics = [m for m, order in preferences.items() if source in order]
        values = np.column_stack([table.column(source, m) for m in metrics])
        if transform == "log":
            values = np.log(np.where(values > 0, values, np.nan))
        stats = rolling_stats(values, window, recent)
        per_source[source] = {m: (values[:, k], stats.column(k)) for k, m in enumerate(metrics)}
    return {
        metric: _chosen(
            table.days,
            [(s, *per_source[s][metric]) for s in order],
            rules,
            window,
            recent,
            metric=metric,
            unit=_UNITS.get(metric, "") if transform != "log" else "ln ms",
        )
        for metric, order in preferences.items()
    }


_UNITS = {
    "rhr_bpm": "bpm", "resp_rate": "/min", "skin_temp_dev_c": "°C", "spo2_pct": "%",
    "hrv_sdnn_ms": "ms", "hrv_rmssd_ms": "ms", "sleep_total_min": "min",
}  # fmt: skip


def _trailing(present: BoolArray, window: int) -> IntArray:
    """For each day, how many of the ``window`` days ending on it are True."""
    running = np.zeros(present.size + 1)
    np.cumsum(present, out=running[1:])
    counts: IntArray = np.rint(window_sums(running, window)).astype(np.int64)
    return counts


def _choice(
    sources: Sequence[tuple[str, FloatArray, RollingStats]], days: int, quiet_days: int
) -> IntArray:
    """Per day, the index of the source read (see the module); -1 where none has data."""
    choice = np.full(days, -1, dtype=np.int64)
    for k, (_, values, _) in enumerate(sources):  # today's value, from the first that has one
        choice[(choice < 0) & ~np.isnan(values)] = k
    for k, (_, values, _) in enumerate(sources):  # else the first still reporting
        reporting = _trailing(~np.isnan(values), quiet_days) > 0
        choice[(choice < 0) & reporting] = k
    for k, (_, _, stats) in enumerate(sources):  # else the first with a baseline
        choice[(choice < 0) & (stats.count > 0)] = k
    return choice


def _chosen(
    days: int,
    sources: Sequence[tuple[str, FloatArray, RollingStats]],
    rules: Switching,
    window: int,
    recent: int,
    *,
    metric: str,
    unit: str,
) -> MetricSeries:
    """Per day, the chosen source's values and baseline (see the module)."""
    choice = _choice(sources, days, rules.quiet_days)
    chosen_values = np.full(days, np.nan)
    chosen_mean = np.full(days, np.nan)
    chosen_sd = np.full(days, np.nan)
    chosen_count = np.zeros(days, dtype=np.int64)
    chosen_recent_mean = np.full(days, np.nan)
    chosen_recent_count = np.zeros(days, dtype=np.int64)
    chosen_source = np.full(days, "", dtype=object)
    for k, (source, values, stats) in enumerate(sources):
        take = choice == k
        chosen_values[take] = values[take]
        chosen_mean[take] = stats.mean[take]
        chosen_sd[take] = stats.sd[take]
        chosen_count[take] = stats.count[take]
        chosen_recent_mean[take] = stats.recent_mean[take]
        chosen_recent_count[take] = stats.recent_count[take]
        chosen_source[take] = source
    stats = RollingStats(
        chosen_mean, chosen_sd, chosen_count, chosen_recent_mean, chosen_recent_count
    )
    notes: dict[int, tuple[CarriedOver, ...]] = {}
    if len(sources) > 1:
        carry_over(
            sources, choice, stats, notes, min_shared=rules.calibration_nights, window=window,
            recent=recent, label=(metric, unit),
        )  # fmt: skip
    return MetricSeries(chosen_values, stats, tuple(chosen_source.tolist()), notes)


def last_seen(table: NightTable, sources: Sequence[str]) -> dict[str, IntArray]:
    """Per source, the index of its latest day with a night up to each day (-1: none)."""
    found = {}
    index = np.arange(table.days, dtype=np.int64)
    for source in sources:
        measured = np.zeros(table.days, dtype=bool)
        measured[table.rows[source][1]] = True  # a stored night always holds some value
        found[source] = np.maximum.accumulate(np.where(measured, index, -1))
    return found

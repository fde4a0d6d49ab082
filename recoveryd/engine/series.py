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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from recoveryd.engine.baseline import (
    FloatArray,
    IntArray,
    RollingStats,
    rolling_stats,
    window_sums,
)
from recoveryd.engine.calibration import Calibration, calibrate
from recoveryd.models import PLAUSIBLE, Night

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


@dataclass(frozen=True, slots=True)
class CarriedOver:
    """Nights of ``other`` that joined ``chosen``'s baseline through a fitted line."""

    metric: str
    chosen: str
    other: str
    shared: int
    error: float
    unit: str


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
        _carry_over(
            sources, choice, stats, notes, rules=rules, window=window, recent=recent,
            label=(metric, unit),
        )  # fmt: skip
    return MetricSeries(chosen_values, stats, tuple(chosen_source.tolist()), notes)


@dataclass(frozen=True, slots=True)
class _Regime:
    """Consecutive or scattered days with one chosen source and one set of usable lines."""

    chosen: int
    calibrated: tuple[int, ...]


def _carry_over(
    sources: Sequence[tuple[str, FloatArray, RollingStats]],
    choice: IntArray,
    stats: RollingStats,
    notes: dict[int, tuple[CarriedOver, ...]],
    *,
    rules: Switching,
    window: int,
    recent: int,
    label: tuple[str, str],
) -> None:
    """Let calibrated nights of other sources fill the chosen source's baselines, in place."""
    lines: dict[tuple[int, int], Calibration] = {}
    for c in np.unique(choice[choice >= 0]).tolist():
        for k in range(len(sources)):
            if k != c:
                lines[(c, k)] = calibrate(sources[c][1], sources[k][1], rules.calibration_nights)
    regimes: dict[_Regime, list[int]] = {}
    for i, c in enumerate(choice.tolist()):
        if c < 0:
            continue
        usable = tuple(k for k in range(len(sources)) if k != c and lines[(c, k)].valid[i])
        if usable:
            regimes.setdefault(_Regime(c, usable), []).append(i)
    for regime, day_list in regimes.items():
        _fill(
            sources, regime, np.array(day_list), lines, stats=stats, notes=notes,
            window=window, recent=recent, label=label,
        )  # fmt: skip


def _fill(
    sources: Sequence[tuple[str, FloatArray, RollingStats]],
    regime: _Regime,
    days: IntArray,
    lines: dict[tuple[int, int], Calibration],
    *,
    stats: RollingStats,
    notes: dict[int, tuple[CarriedOver, ...]],
    window: int,
    recent: int,
    label: tuple[str, str],
) -> None:
    """Baselines of one regime's days from the chosen source and its calibrated others."""
    lo, hi = max(int(days.min()) - window - 1, 0), int(days.max()) + 1
    own = sources[regime.chosen][1][lo:hi]
    taken = ~np.isnan(own)
    centre = float(own[taken].mean()) if taken.any() else 0.0
    # Columns: count, sum, sum of squares of the chosen source (centred), then per other
    # source the same of its own values (centred on its own mean) on the nights it fills.
    columns = [taken.astype(np.float64), np.where(taken, own - centre, 0.0)]
    columns.append(columns[1] ** 2)
    others = []
    for k in regime.calibrated:
        values = sources[k][1][lo:hi]
        fills = ~taken & ~np.isnan(values)
        taken = taken | fills
        own_centre = float(values[fills].mean()) if fills.any() else 0.0
        centred = np.where(fills, values - own_centre, 0.0)
        columns += [fills.astype(np.float64), centred, centred**2]
        others.append((k, own_centre))
    table = np.column_stack(columns)
    running = np.zeros((table.shape[0] + 1, table.shape[1]))
    np.cumsum(table, axis=0, out=running[1:])
    baseline = window_sums(running, window)  # slot j: the window ending on day lo + j
    latest = window_sums(running, recent)
    for sums, before in ((baseline, True), (latest, False)):
        at = days - lo - (1 if before else 0)
        ok = at >= 0
        rows = sums[at[ok]]
        count, total, squares = rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()
        filled = np.zeros(rows.shape[0])
        for n, (k, own_centre) in enumerate(others):
            line = lines[(regime.chosen, k)]
            slope = line.slope[days[ok]]
            # The filled values in the chosen scale, centred on ``centre``: A + slope * y.
            shift = line.intercept[days[ok]] + slope * own_centre - centre
            m, y, yy = rows[:, 3 + 3 * n], rows[:, 4 + 3 * n], rows[:, 5 + 3 * n]
            count += m
            total += m * shift + slope * y
            squares += m * shift**2 + 2 * shift * slope * y + slope**2 * yy
            filled += m
        use = filled > 0
        where = days[ok][use]
        count, total, squares = count[use], total[use], squares[use]
        mean = total / count
        if before:
            spread = np.maximum(squares - total * mean, 0.0)
            sd = np.sqrt(np.divide(spread, count - 1, out=np.full(count.shape, np.nan),
                                   where=count > 1))  # fmt: skip
            stats.mean[where] = mean + centre
            stats.sd[where] = sd
            stats.count[where] = np.rint(count).astype(np.int64)
            for i in where.tolist():
                notes[i] = _notes(sources, regime, lines, i, label)
        else:
            stats.recent_mean[where] = mean + centre
            stats.recent_count[where] = np.rint(count).astype(np.int64)


def _notes(
    sources: Sequence[tuple[str, FloatArray, RollingStats]],
    regime: _Regime,
    lines: dict[tuple[int, int], Calibration],
    i: int,
    label: tuple[str, str],
) -> tuple[CarriedOver, ...]:
    chosen = sources[regime.chosen][0]
    return tuple(
        CarriedOver(
            label[0],
            chosen,
            sources[k][0],
            int(lines[(regime.chosen, k)].shared[i]),
            float(lines[(regime.chosen, k)].error[i]),
            label[1],
        )
        for k in regime.calibrated
    )

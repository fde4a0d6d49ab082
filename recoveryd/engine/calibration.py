# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Carrying a baseline across a change of device: one source calibrated to another.

When a person wears a new device beside the old one for a while, the nights both measured
say how the two relate. The relation is fitted per person and metric, on the values the
engine compares (ln rMSSD for HRV), as a **standardised major axis** line: the slope is
the ratio of the two SDs and the line passes through both means (Warton et al. 2006,
"Bivariate line-fitting methods for allometry", Biol Rev 81:259-291). Unlike an ordinary
regression, it does not shrink the slope when both devices carry measurement error, and it
maps one device's mean and spread onto the other's, which is what a z-score against a
baseline needs. Where the two agree poorly night to night (r < 0.5), only the offset is
fitted (slope 1), as in Bland & Altman's (1986) bias between methods; the slope is kept
within 0.5-2 so that a short overlap cannot invent a wild scale.

The line of day *i* is fitted on the shared nights up to and including day *i*: nothing
later than the day decides it. Its uncertainty is the residual SD of the shared nights
divided by the square root of their number (the standard error of a mapped level).

:func:`carry_over` lets such mapped nights fill a chosen source's baselines (window sums of
the chosen source and of each calibrated other, combined with each day's own line), for
every day at once within a regime of one chosen source and one set of usable lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recoveryd.engine.baseline import FloatArray, IntArray, RollingStats, first_valid, window_sums

BoolArray = npt.NDArray[np.bool_]

_MIN_CORRELATION = 0.5
_SLOPE_RANGE = (0.5, 2.0)


@dataclass(frozen=True, slots=True)
class Calibration:
    """Per day, the line that maps ``other``'s values onto ``target``'s scale.

    Attributes:
        shared: Nights both sources measured, up to and including the day.
        slope: The line's slope (NaN where not valid).
        intercept: The line's intercept (NaN where not valid).
        error: Standard error of a mapped level: residual SD / sqrt(shared).
        valid: Enough shared nights (and spread in both) to use the line.
    """

    shared: IntArray
    slope: FloatArray
    intercept: FloatArray
    error: FloatArray
    valid: BoolArray


def calibrate(target: FloatArray, other: FloatArray, min_shared: int) -> Calibration:
    """Fit ``other`` → ``target`` on their shared days, cumulatively, for every day at once."""
    both = ~np.isnan(target) & ~np.isnan(other)
    shared = np.cumsum(both).astype(np.int64)
    # Centred on the first shared night: the sums keep their precision, and a day's line does
    # not depend on the nights after it.
    first = int(both.argmax())
    centre_y = float(target[first]) if both.any() else 0.0
    centre_x = float(other[first]) if both.any() else 0.0
    y = np.where(both, target - centre_y, 0.0)
    x = np.where(both, other - centre_x, 0.0)
    n = shared.astype(np.float64)
    sx, sy = np.cumsum(x), np.cumsum(y)
    sxx, syy, sxy = np.cumsum(x * x), np.cumsum(y * y), np.cumsum(x * y)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_x, mean_y = sx / n, sy / n
        var_x = (sxx - sx * mean_x) / (n - 1)
        var_y = (syy - sy * mean_y) / (n - 1)
        cov = (sxy - sx * mean_y) / (n - 1)
        r = cov / np.sqrt(var_x * var_y)
        slope = np.where(r >= _MIN_CORRELATION, np.sqrt(var_y / var_x), 1.0)
        slope = np.clip(slope, *_SLOPE_RANGE)
        intercept = (mean_y + centre_y) - slope * (mean_x + centre_x)
        # Residuals of y - (a + b x) on the shared nights, from the same sums.
        residual = (syy - 2 * slope * sxy + slope**2 * sxx) - n * (mean_y - slope * mean_x) ** 2
        error = np.sqrt(np.maximum(residual, 0.0) / np.maximum(n - 2, 1.0)) / np.sqrt(n)
    valid = (shared >= min_shared) & (var_x > 0) & (var_y > 0)
    return Calibration(
        shared,
        np.where(valid, slope, np.nan),
        np.where(valid, intercept, np.nan),
        np.where(valid, error, np.nan),
        valid,
    )


@dataclass(frozen=True, slots=True)
class CarriedOver:
    """Nights of ``other`` that joined ``chosen``'s baseline through a fitted line."""

    metric: str
    chosen: str
    other: str
    shared: int
    error: float
    unit: str


@dataclass(frozen=True, slots=True)
class _Regime:
    """Consecutive or scattered days with one chosen source and one set of usable lines."""

    chosen: int
    calibrated: tuple[int, ...]


def carry_over(
    sources: Sequence[tuple[str, FloatArray, RollingStats]],
    choice: IntArray,
    stats: RollingStats,
    notes: dict[int, tuple[CarriedOver, ...]],
    *,
    min_shared: int,
    window: int,
    recent: int,
    label: tuple[str, str],
) -> None:
    """Let calibrated nights of other sources fill the chosen source's baselines, in place."""
    measured = [k for k, (_, values, _) in enumerate(sources) if np.isfinite(values).any()]
    if len(measured) < 2:  # noqa: PLR2004 - a line needs two sources
        return
    lines: dict[tuple[int, int], Calibration] = {}
    # Per day, the chosen source and the set of usable lines as one number: the regimes are
    # its distinct values (few: they change only when a device changes).
    key = np.where(choice >= 0, choice << len(sources), -1)
    for c in np.unique(choice[choice >= 0]).tolist():
        for k in measured:
            if k != c:
                lines[(c, k)] = calibrate(sources[c][1], sources[k][1], min_shared)
                key[(choice == c) & lines[(c, k)].valid] |= 1 << k
    regimes: dict[_Regime, IntArray] = {}
    for value in np.unique(key[key >= 0]).tolist():
        c, usable = value >> len(sources), value & ((1 << len(sources)) - 1)
        if usable:
            calibrated = tuple(k for k in measured if usable >> k & 1)
            regimes[_Regime(c, calibrated)] = np.flatnonzero(key == value)
    for regime, days in regimes.items():
        _fill(
            sources, regime, days, lines, stats=stats, notes=notes,
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
    # From the first day on, centred on first values: each day's sums are the same in any
    # range of days.
    lo, hi = 0, int(days.max()) + 1
    own = sources[regime.chosen][1][lo:hi]
    taken = ~np.isnan(own)
    centre = float(first_valid(own))
    # Columns: count, sum, sum of squares of the chosen source (centred), then per other
    # source the same of its own values (centred on its own mean) on the nights it fills.
    columns = [taken.astype(np.float64), np.where(taken, own - centre, 0.0)]
    columns.append(columns[1] ** 2)
    others = []
    for k in regime.calibrated:
        values = sources[k][1][lo:hi]
        fills = ~taken & ~np.isnan(values)
        taken = taken | fills
        own_centre = float(first_valid(values))
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


_LABELS = {
    "hrv_rmssd_ms": "rMSSD", "rhr_bpm": "resting HR", "sleep_total_min": "sleep",
    "resp_rate": "breathing", "skin_temp_dev_c": "skin temperature", "spo2_pct": "SpO2",
    "hrv_sdnn_ms": "SDNN",
}  # fmt: skip


def describe_carried(
    notes: Iterable[Mapping[int, tuple[CarriedOver, ...]]],
) -> dict[int, tuple[str, ...]]:
    """By day, one line per pair of sources whose line carried a baseline over (all metrics).

    E.g. "whoop calibrated to oura over 21 shared nights (rMSSD ±0.04 ln ms, resting HR
    ±0.7 bpm)".
    """
    grouped: dict[int, dict[tuple[str, str, int], list[str]]] = {}
    for one in notes:
        for i, carried in one.items():
            for c in carried:
                unit = f" {c.unit}" if c.unit else ""
                detail = f"{_LABELS.get(c.metric, c.metric)} ±{c.error:.2g}{unit}"
                grouped.setdefault(i, {}).setdefault((c.chosen, c.other, c.shared), []).append(
                    detail
                )
    return {
        i: tuple(
            f"{chosen} calibrated to {other} over {shared} shared nights ({', '.join(details)})"
            for (chosen, other, shared), details in pairs.items()
        )
        for i, pairs in grouped.items()
    }

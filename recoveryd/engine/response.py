# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The person's own load response: Banister's impulse-response model fitted to ln rMSSD.

Resting HR is fitted the same way, to its negation (fatigue raises it), and reported
beside: ``expected_rhr_bpm`` and a sentence, never used by the decision.

Model (Banister et al. 1975; applied to ln rMSSD from session-RPE by Williams et al. 2018,
J Sports Sci Med 17:402, and to HRV by Chalencon et al. 2012, PLoS One 7:e52636)::

    ln_rmssd(t) = p0 + k1 * F(t) - k2 * A(t)
    F(t) = sum over days s < t of load(s) * exp(-(t - s) / tau1)     (fitness)
    A(t) = sum over days s < t of load(s) * exp(-(t - s) / tau2)     (fatigue)

The loads are those of the evening before and earlier: a morning never sees its own day's
training. Fitted for every day from that day's past only (no look-ahead): the ``window``
days before it, by least squares with a ridge penalty that pulls k1 and k2 toward zero, "no
response" (the penalty equals ``_PRIOR_DAYS`` days of evidence of no response), over a small
grid of time constants (fitness 21, 42 days; fatigue 2, 4, 7 days: the ranges fitted in the
literature are wide, 4-51 and 4-74 days, Hellard et al. 2006, and a grid keeps every fit a
linear one). The time constants with the smallest penalised error win.

A response is reported only where it is there: at least ``_MIN_LOAD_DAYS`` days with load
and ``_MIN_HRV_DAYS`` mornings in the window, and the fatigue gain k2 at least two of its
standard errors above zero. Elsewhere there is no model, and ``expected`` is NaN: an athlete
whose HRV ignores training gets no invented response.

Each day's normal equations are summed over its own window, for all days at once, as
differences of running sums from the series' first day (so a day's fit is the same alone or
in a replay, and costs the same for a decade as for a month).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from recoveryd.domain.columns import SessionColumns
from recoveryd.engine.baseline import FloatArray, IntArray
from recoveryd.engine.load import HeartRateZones, LoadDays, ewma, session_loads
from recoveryd.engine.signals import Signals

FITNESS_TAUS = (21.0, 42.0)
FATIGUE_TAUS = (2.0, 4.0, 7.0)
WINDOW = 180  # days of past a day's fit reads
_MIN_LOAD_DAYS = 28
_MIN_HRV_DAYS = 60
_PRIOR_DAYS = 30.0  # the ridge penalty, in days of evidence of no response
_SIGNIFICANT = 2.0  # k2 / its standard error
_PARAMETERS = 3  # p0, k1, k2


@dataclass(frozen=True, slots=True)
class Response:
    """Every day's fitted response (index i is day i of the input); NaN where there is none."""

    expected: FloatArray  # ln rMSSD this morning, from the days before
    p0: FloatArray
    k1: FloatArray
    k2: FloatArray
    k2_se: FloatArray
    tau1: FloatArray
    tau2: FloatArray
    residual_sd: FloatArray
    fatigue: FloatArray  # k2 * A(t): how far the recent sessions pull this morning down
    recovery_days: FloatArray  # days for the fatigue term to fall to a tenth without load
    fitness_impulse: FloatArray  # F(t) of the chosen tau1, in the day's unit of load
    fatigue_impulse: FloatArray  # A(t) of the chosen tau2


def _impulse(loads: FloatArray, tau: float) -> FloatArray:
    """Sum of the loads of the days before each day, each decayed by exp(-age / tau).

    That is the exponentially weighted average of the loads up to the day before, scaled:
    with d = exp(-1 / tau), EWMA(t) = (1 - d) * sum over s <= t of d^(t - s) * load(s), so
    the impulse of day t is d / (1 - d) * EWMA(t - 1).
    """
    decay = math.exp(-1.0 / tau)
    out = np.zeros(loads.size)
    if loads.size > 1:
        out[1:] = ewma(loads[:-1], 1.0 - decay) * decay / (1.0 - decay)
    return out


def fit_response(
    ln_rmssd: FloatArray,
    loads: FloatArray,
    *,
    first: int = 0,
    window: int = WINDOW,
    rows: IntArray | None = None,
) -> Response:
    """Fit the model for every day from ``first`` on (or the days ``rows``), each from its past.

    ``ln_rmssd`` and ``loads`` are daily (index i is day i; a day's load is its own
    sessions'); the result's index k is day ``first + k`` (or ``rows[k]``). Each day's sums
    are taken over its own window from running sums that start at day 0: a day's response is
    the same decided alone, among other days or in a replay of years, to the last bit.
    """
    if rows is None:
        rows = np.arange(first, ln_rmssd.size)
    valid = np.isfinite(ln_rmssd)
    y = np.where(valid, ln_rmssd, 0.0)

    def trailing(values: FloatArray) -> FloatArray:
        """Sums over the ``window`` days before each of ``rows`` (zeros before day 0).

        Differences of one running sum from day 0 (along the last axis: one row per
        combination of time constants): each sum costs the same however long the history,
        and since the series always begin at the athlete's first night or session (zeros
        before it add nothing), a day's sums are the same whatever range is asked.
        """
        running = np.cumsum(values, axis=-1)
        running = np.concatenate([np.zeros((*running.shape[:-1], 1)), running], axis=-1)
        sums: FloatArray = running[..., rows] - running[..., np.maximum(rows - window, 0)]
        return sums

    enough = (trailing((loads > 0).astype(np.float64)) >= _MIN_LOAD_DAYS) & (
        trailing(valid.astype(np.float64)) >= _MIN_HRV_DAYS
    )
    if not enough.any():
        # No day has the mornings and sessions to fit (a series never measured, such as a
        # resting HR no source gives): the answer is "no response" without the grid's work.
        nothing = np.full(rows.size, np.nan)
        return Response(*(nothing for _ in Response.__slots__))
    # Every combination of time constants at once, one row each: (tau1, tau2) in grid order.
    grid = [(t1, t2) for t1 in FITNESS_TAUS for t2 in FATIGUE_TAUS]
    impulses = {tau: _impulse(loads, tau) for tau in (*FITNESS_TAUS, *FATIGUE_TAUS)}
    f = np.stack([impulses[t1] for t1, _ in grid])
    a = np.stack([impulses[t2] for _, t2 in grid])
    w = valid.astype(np.float64)
    wy = w * y
    # The normal equations of y on (1, F, -A), w marking the mornings measured.
    sums = _Sums(
        g00=np.broadcast_to(trailing(w), (len(grid), rows.size)),
        g01=trailing(w * f), g02=-trailing(w * a),
        g11=trailing(w * f * f), g12=-trailing(w * f * a), g22=trailing(w * a * a),
        r0=np.broadcast_to(trailing(wy), (len(grid), rows.size)),
        r1=trailing(wy * f), r2=-trailing(wy * a),
        yy=np.broadcast_to(trailing(wy * y), (len(grid), rows.size)),
    )  # fmt: skip
    fits = _fit(sums.flat())
    shaped = {key: values.reshape(len(grid), rows.size) for key, values in fits.items()}
    # The combination with the smallest penalised error (the first of equals) wins.
    chosen = np.argmin(shaped["error"], axis=0)
    pick = np.arange(rows.size)
    best = {key: np.where(enough, values[chosen, pick], np.nan) for key, values in shaped.items()}
    best["tau1"] = np.where(enough, np.array([t1 for t1, _ in grid])[chosen], np.nan)
    best["tau2"] = np.where(enough, np.array([t2 for _, t2 in grid])[chosen], np.nan)
    best["fitness"] = f[chosen, rows]
    best["fatigue_term"] = a[chosen, rows]
    responding = np.isfinite(best["k2"]) & (best["k2"] > _SIGNIFICANT * best["k2_se"])
    keep = {k: np.where(responding, v, np.nan) for k, v in best.items()}
    expected = keep["p0"] + keep["k1"] * keep["fitness"] - keep["k2"] * keep["fatigue_term"]
    return Response(
        expected=expected, p0=keep["p0"], k1=keep["k1"], k2=keep["k2"], k2_se=keep["k2_se"],
        tau1=keep["tau1"], tau2=keep["tau2"], residual_sd=keep["residual_sd"],
        fatigue=keep["k2"] * keep["fatigue_term"], recovery_days=keep["tau2"] * math.log(10.0),
        fitness_impulse=keep["fitness"], fatigue_impulse=keep["fatigue_term"],
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Sums:
    """Each day's trailing sums: the Gram matrix of (1, F, -A) and the right-hand side."""

    g00: FloatArray
    g01: FloatArray
    g02: FloatArray
    g11: FloatArray
    g12: FloatArray
    g22: FloatArray
    r0: FloatArray
    r1: FloatArray
    r2: FloatArray
    yy: FloatArray

    def flat(self) -> _Sums:
        """The same sums with the combinations' rows laid end to end."""
        return _Sums(*(np.ascontiguousarray(getattr(self, f)).ravel() for f in self.__slots__))


def _fit(sums: _Sums) -> dict[str, FloatArray]:
    """Ridge least squares of y on (1, F, -A) over each day's trailing window, all at once."""
    m = sums.g00.size
    gram = np.zeros((m, 3, 3))
    for (i, j), values in {
        (0, 0): sums.g00, (0, 1): sums.g01, (0, 2): sums.g02,
        (1, 1): sums.g11, (1, 2): sums.g12, (2, 2): sums.g22,
    }.items():  # fmt: skip
        gram[:, i, j] = gram[:, j, i] = values
    rhs = np.stack([sums.r0, sums.r1, sums.r2], axis=1)
    sum_yy = sums.yy
    count = gram[:, 0, 0]
    usable = count >= _PARAMETERS
    safe = np.maximum(count, 1.0)
    # Ridge toward no response: _PRIOR_DAYS days' worth of each feature's (centred) spread.
    for k in (1, 2):
        variance = gram[:, k, k] / safe - (gram[:, 0, k] / safe) ** 2
        gram[:, k, k] += _PRIOR_DAYS * np.maximum(variance, 1e-12)
    gram[~usable] = np.eye(3)
    rhs[~usable] = 0.0
    inverse = _symmetric_inverse(gram)
    beta = np.einsum("ijk,ik->ij", inverse, rhs)
    sse = (
        sum_yy - 2 * np.einsum("ij,ij->i", beta, rhs) + np.einsum("ij,ijk,ik->i", beta, gram, beta)
    )
    variance = np.maximum(sse, 0.0) / np.maximum(count - _PARAMETERS, 1)
    nan = np.full(m, np.nan)
    return {
        "p0": np.where(usable, beta[:, 0], nan),
        "k1": np.where(usable, beta[:, 1], nan),
        "k2": np.where(usable, beta[:, 2], nan),
        # An ill-conditioned window (a constant load, say) can leave no positive variance
        # for k2: no standard error, so no response is reported from it.
        "k2_se": np.where(
            usable & (inverse[:, 2, 2] > 0),
            np.sqrt(np.maximum(variance * inverse[:, 2, 2], 0.0)),
            nan,
        ),
        "residual_sd": np.where(usable, np.sqrt(variance), nan),
        "error": np.where(usable, sse / safe, np.inf),
    }


def _symmetric_inverse(gram: FloatArray) -> FloatArray:
    """The inverses of a stack of symmetric 3 x 3 matrices, by their cofactors.

    numpy's batched ``inv`` calls LAPACK once per matrix: for thousands of 3 x 3 matrices the
    closed form, a few array operations over the whole stack, is an order of magnitude faster.
    """
    a, b, c = gram[:, 0, 0], gram[:, 0, 1], gram[:, 0, 2]
    d, e, f = gram[:, 1, 1], gram[:, 1, 2], gram[:, 2, 2]
    cofactors = (d * f - e * e, c * e - b * f, b * e - c * d, a * f - c * c, b * c - a * e,
                 a * d - b * b)  # fmt: skip
    det = a * cofactors[0] + b * cofactors[1] + c * cofactors[2]
    c00, c01, c02, c11, c12, c22 = (v / det for v in cofactors)
    inverse: FloatArray = np.stack(
        [np.stack([c00, c01, c02], axis=1), np.stack([c01, c11, c12], axis=1),
         np.stack([c02, c12, c22], axis=1)], axis=1,
    )  # fmt: skip
    return inverse


def daily_response(
    sessions: SessionColumns,
    signals: Signals,
    load: LoadDays,
    first: int,
    zones: HeartRateZones | None,
    *,
    series: FloatArray | None = None,
    rows: IntArray | None = None,
) -> Response:
    """The load response fitted for every day of ``signals`` from index ``first``.

    The loads run from the athlete's first session, wherever the arrays begin, so that a
    day's response does not depend on the range asked. Each day is fitted in its own unit
    of load (TRIMP where that day reads TRIMP in ``load``, else session-RPE). ``series`` is
    another daily signal to fit instead of ln rMSSD (resting HR, negated so that fatigue
    lowers it as it lowers HRV).
    """
    start = signals.start
    anchor = min(start, date.fromordinal(int(sessions.days.min()))) if len(sessions) else start
    lead = (start - anchor).days
    srpe, trimps, _, _ = session_loads(sessions, anchor, lead + signals.days, zones)
    values = signals.hrv.values if series is None else series
    ln = np.concatenate([np.full(lead, np.nan), values])
    days = np.arange(first, signals.days) if rows is None else rows
    by_srpe = fit_response(ln, srpe, rows=lead + days)
    use_trimp = load.use_trimp[1 + days]  # load index i + 1 is day i
    if zones is None or not use_trimp.any():
        return by_srpe  # no day reads TRIMP: no second fit
    by_trimp = fit_response(ln, trimps, rows=lead + days)
    return Response(
        *(
            np.where(use_trimp, getattr(by_trimp, f), getattr(by_srpe, f))
            for f in Response.__slots__
        )
    )

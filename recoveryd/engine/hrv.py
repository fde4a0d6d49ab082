# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Time-domain HRV of a recording, with a calibrated quality verdict.

The recording is cleaned first (``recoveryd.engine.artefacts``: the physiological range,
then Lipponen & Tarvainen 2019). Metrics follow the Task Force of the ESC and NASPE (1996),
Circulation 93:1043-1065: SDNN is the sample SD (n - 1), rMSSD the root mean square of
successive differences, pNN50 the share of successive differences above 50 ms among all NN
intervals, in per cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recoveryd.engine.artefacts import (
    MIN_BEATS,
    RR_MAX_MS,
    RR_MIN_MS,
    Artefacts,
    CleanedRR,
    FloatArray,
    HrvError,
    clean_rr,
)
from recoveryd.engine.beat_classes import MEDIAN_WINDOW
from recoveryd.engine.quantiles import rolling_quantiles

_NN50_MS = 50.0  # pNN50: successive differences over 50 ms (Task Force 1996)

__all__ = [
    "MAX_CORRECTED_PCT",
    "RR_MAX_MS",
    "RR_MIN_MS",
    "Artefacts",
    "CleanedRR",
    "HrvError",
    "HrvMetrics",
    "HrvReading",
    "analyse",
    "clean_rr",
    "implausible_pct",
    "time_domain",
]

MAX_CORRECTED_PCT = 2.5
MAX_MOVES_CHANGE_PCT = 3.0
MAX_IMPLAUSIBLE_PCT = 1.0
_IMPLAUSIBLE_OFF = 0.30


@dataclass(frozen=True, slots=True)
class HrvMetrics:
    """Time-domain HRV of one NN series (Task Force 1996).

    ``artefacts`` counts what the detector flagged, pass by pass; ``corrected_pct`` is the
    share of beats the correction changed, each once (with ``correction="none"``: 0, and
    ``artefacts`` what it would have corrected).
    """

    beats: int
    duration_s: float
    mean_nn_ms: float
    mean_hr_bpm: float
    sdnn_ms: float
    rmssd_ms: float
    ln_rmssd: float
    pnn50_pct: float


@dataclass(frozen=True, slots=True)
class HrvReading:
    """A cleaned recording: its metrics, what was corrected, and whether to trust it."""

    metrics: HrvMetrics
    recorded_beats: int
    artefacts: Artefacts
    corrected_pct: float
    good: bool
    quality_reasons: tuple[str, ...]
    correction: str = "auto"


def time_domain(nn_ms: npt.ArrayLike) -> HrvMetrics:
    """Task Force (1996) time-domain metrics of an NN series in milliseconds.

    Raises:
        HrvError: with fewer than three intervals.
    """
    nn = np.asarray(nn_ms, dtype=np.float64)
    if nn.ndim != 1 or nn.size < MIN_BEATS or not np.all(np.isfinite(nn)):
        raise HrvError(f"need at least {MIN_BEATS} finite NN intervals, got {nn.size}")
    diffs = np.diff(nn)
    rmssd = float(np.sqrt(np.mean(diffs**2)))
    return HrvMetrics(
        beats=int(nn.size),
        duration_s=float(nn.sum() / 1000.0),
        mean_nn_ms=float(nn.mean()),
        mean_hr_bpm=float(np.mean(60_000.0 / nn)),
        sdnn_ms=float(nn.std(ddof=1)),
        rmssd_ms=rmssd,
        ln_rmssd=math.log(rmssd) if rmssd > 0 else float("-inf"),
        pnn50_pct=float(np.count_nonzero(np.abs(diffs) > _NN50_MS) / nn.size * 100.0),
    )


def implausible_pct(nn: FloatArray, recorded_beats: int) -> float:
    """Share of NN intervals more than 30 % off their centred 11-beat median, in %.

    Unlike the detector's adaptive threshold, this bound cannot be inflated by the
    artefacts themselves.
    """
    [median] = rolling_quantiles(nn, MEDIAN_WINDOW, (0.5,))
    off = np.abs(nn / median - 1.0) > _IMPLAUSIBLE_OFF
    return 100.0 * float(np.count_nonzero(off)) / max(recorded_beats, 1)


def analyse(
    rr_ms: npt.ArrayLike,
    *,
    min_duration_s: float = 60.0,
    max_corrected_pct: float = MAX_CORRECTED_PCT,
    correction: str = "auto",
) -> HrvReading:
    """Clean ``rr_ms`` and measure it; the verdict says whether the reading can be trusted.

    A reading is good when it is at least ``min_duration_s`` long (60 s is the shortest window
    for which ln rMSSD agrees with the standard 5-minute value; Esco & Flatt 2014) and its
    rMSSD can be trusted to about 5 %. The three bounds were calibrated on real NN series
    (MIT-BIH NSR) with ectopic, missed, extra and mixed beats injected at 1, 3 and 5 % into
    1-, 2-, 5- and 60-minute readings (``benchmarks/bench_hrv_quality.py``; README has the
    error per verdict):

    * at most ``max_corrected_pct`` (2.5) % of the beats changed by the correction, each
      counted once (moved, deleted, inserted, or out of range);
    * the moves alone changed rMSSD by at most 3 %: a moved beat may have been a real,
      irregular one, and a moved beat that was real is an error of that size;
    * at most 1 % of the final intervals more than 30 % off their 11-beat median (what the
      detector's own, adaptive threshold can miss).

    With ``correction="none"`` nothing is corrected; the beats the detector would have
    corrected count against the same bound, as does every interval outside 300-2000 ms.

    Raises:
        HrvError: when the recording has fewer than three usable intervals.
    """
    cleaned = clean_rr(rr_ms, correction=correction)
    if cleaned.nn_ms.size < MIN_BEATS:  # the correction deleted beats of a very short one
        raise HrvError(
            f"only {cleaned.nn_ms.size} of {cleaned.recorded_beats} intervals are left after "
            f"artefact correction; need at least {MIN_BEATS}"
        )
    metrics = time_domain(cleaned.nn_ms)
    beats = cleaned.recorded_beats
    reasons = []
    if correction == "none":
        corrected_pct = 0.0
        suspected = 100.0 * cleaned.artefacts.total / beats
        if suspected > max_corrected_pct:
            reasons.append(
                f"{suspected:.1f} % of beats look like artefacts and were kept (correction "
                f"none; more than {max_corrected_pct:g} %)"
            )
    else:
        corrected_pct = 100.0 * cleaned.changed / beats
        if corrected_pct > max_corrected_pct:
            reasons.append(
                f"{corrected_pct:.1f} % of beats needed correction "
                f"(more than {max_corrected_pct:g} %)"
            )
        if cleaned.moves_change_pct > MAX_MOVES_CHANGE_PCT:
            reasons.append(
                f"moving beats changed rMSSD by {cleaned.moves_change_pct:.1f} % "
                f"(more than {MAX_MOVES_CHANGE_PCT:g} %)"
            )
    implausible = implausible_pct(cleaned.nn_ms, beats)
    if implausible > MAX_IMPLAUSIBLE_PCT:
        reasons.append(
            f"{implausible:.1f} % of intervals are more than {_IMPLAUSIBLE_OFF:.0%} off their "
            f"neighbours (more than {MAX_IMPLAUSIBLE_PCT:g} %)"
        )
    if metrics.duration_s < min_duration_s:
        reasons.append(
            f"only {metrics.duration_s:.0f} s of usable data "
            f"(at least {min_duration_s:.0f} s needed)"
        )
    return HrvReading(
        metrics=metrics,
        recorded_beats=beats,
        artefacts=cleaned.artefacts,
        corrected_pct=corrected_pct,
        good=not reasons,
        quality_reasons=tuple(reasons),
        correction=correction,
    )

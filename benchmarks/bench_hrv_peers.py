# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""recoveryd's HRV cleaning against NeuroKit2, Systole and hrv-analysis, side by side.

Speed: one 8-hour night (about 30,000 beats of the MIT-BIH NSR series with 2 % artefacts, as
``bench_hrv``), the best of several runs, RR in to rMSSD out. Accuracy: the artefact
benchmark of ``bench_hrv_quality`` on 5-minute readings and the two whole series, every kind
(ectopic, missed, extra, mixed) at 1, 3 and 5 %, two seeds: each method's rMSSD against the
clean series' rMSSD, over every reading (not only those recoveryd calls good).

The peers run in their own environment (``.cache/bench-peers``, built by ``make bench``), one
process each, through ``benchmarks/hrv_peer.py``; recoveryd runs here. All in one run, on the
same machine, on the same series. ``python -m benchmarks.bench_hrv_peers``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from recoveryd.engine.hrv import analyse, time_domain

from benchmarks.bench_hrv import night
from benchmarks.bench_hrv_quality import KINDS, RATES, inject, mit_bih

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / ".cache" / "bench-peers" / "bin" / "python"
REPEATS = 5
SEEDS = 2
WINDOW_MIN = 5


def cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(clean, with artefacts): 5-minute windows and both whole series, every kind and rate."""
    clean_series = []
    for name in ("Short", "Long"):
        nn = mit_bih(name)
        ends = np.cumsum(nn) / 1000.0
        edges = np.searchsorted(ends, np.arange(0, ends[-1], 60 * WINDOW_MIN))
        clean_series += [nn[a:b] for a, b in itertools.pairwise(edges) if b > a]
        clean_series.append(nn)
    out = []
    for k, nn in enumerate(clean_series):
        for kind in KINDS:
            for rate in RATES:
                for seed in range(SEEDS):
                    rng = np.random.default_rng([k, KINDS.index(kind), int(rate * 100), seed])
                    out.append((nn, inject(nn, kind, rate, rng)))
    return out


def errors(values: list[float | None], truths: list[float]) -> tuple[np.ndarray, int]:
    """Absolute errors (%) where a value came back, and how many did not."""
    got = [(v, t) for v, t in zip(values, truths, strict=True) if v is not None]
    err = np.array([100 * abs(v / t - 1) for v, t in got])
    return err, len(values) - len(got)


def main() -> None:
    if not PEERS.exists():
        sys.exit(
            "the peers' environment is missing: run `make bench` (it builds .cache/bench-peers)"
        )
    clean, corrupted = night()
    truth = time_domain(clean).rmssd_ms
    pairs = cases()
    truths = [time_domain(c).rmssd_ms for c, _ in pairs]
    results: dict[str, tuple[float, list[float | None]]] = {}  # time (ms), rMSSD per case

    def ours(rr: np.ndarray) -> float | None:
        try:
            return analyse(rr, min_duration_s=0).metrics.rmssd_ms
        except ValueError:
            return None

    ours(corrupted)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        ours(corrupted)
        times.append(time.perf_counter() - start)
    readings = [rr for _, rr in pairs]
    results["recoveryd"] = (1000 * min(times), [ours(rr) for rr in [*readings, corrupted]])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cases.npz"
        # The night is timed, and also the last case (its rMSSD).
        series = {f"case{i}": rr for i, rr in enumerate([*readings, corrupted])}
        np.savez(path, **({"night": corrupted} | series))  # type: ignore[arg-type]
        for method in ("neurokit2", "systole", "hrv-analysis"):
            sys.stderr.write(f"{method} ...\n")
            run = subprocess.run(  # noqa: S603 - the peers' interpreter, our script
                [str(PEERS), str(ROOT / "benchmarks" / "hrv_peer.py"), method, str(path),
                 str(REPEATS)],
                capture_output=True, text=True, check=True, timeout=3600,
            )  # fmt: skip
            answer = json.loads(run.stdout.strip().splitlines()[-1])  # the libraries print too
            results[method] = (float(answer["night_ms"]), list(answer["rmssd"]))
    reference = results["recoveryd"][0]
    print(f"one night of {corrupted.size} beats (2 % artefacts); {len(pairs)} readings with "
          "1-5 % ectopic, missed, extra and mixed artefacts (MIT-BIH NSR)\n")  # fmt: skip
    print("| method | night: time | vs recoveryd | night: rMSSD error | readings: median "
          "abs error | p90 | max | no value |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for method, (ms, rmssd) in results.items():
        *values, value = rmssd
        night_error = "-" if value is None else f"{100 * (value / truth - 1):+.1f} %"
        err, missing = errors(values, truths)
        print(
            f"| {method} | {ms:,.1f} ms | {ms / reference:.2f}x | {night_error} | "
            f"{np.median(err):.2f} % | {np.percentile(err, 90):.2f} % | {err.max():.1f} % | "
            f"{missing} |"
        )


if __name__ == "__main__":
    main()

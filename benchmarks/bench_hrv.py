# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One night of RR intervals: recoveryd's cleaning + metrics against NeuroKit2's.

Input: an 8-hour night (~30,000 beats) made of the MIT-BIH Normal Sinus Rhythm NN series that
the pyhrv wheel ships, with 2 % ectopic, missed and extra beats injected. Reference: NeuroKit2
``signal_fixpeaks(method="Kubios")`` + ``hrv_time`` on the same beats. Both are timed in this
run (best of N) and compared with the clean truth.

    make bench            # or: .venv/bin/python benchmarks/bench_hrv.py
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from pathlib import Path

import neurokit2 as nk
import numpy as np
from recoveryd.engine.hrv import analyse, time_domain

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5


def night() -> tuple[np.ndarray, np.ndarray]:
    wheel = next((ROOT / ".cache" / "test-data").glob("pyhrv-*.whl"), None)
    if wheel is None:
        sys.exit("the pyhrv wheel is missing: run `make .cache/test-data/.done` first")
    with zipfile.ZipFile(wheel) as archive:
        nn = np.load(io.BytesIO(archive.read("pyhrv/files/SampleNNISeriesLong.npy"))).astype(float)
    clean = np.tile(nn, 7)[:30_000]
    rng = np.random.default_rng(2024)
    out: list[float] = []
    i = 0
    while i < clean.size:
        roll = rng.random()
        if roll < 0.02 / 3 and i + 1 < clean.size:  # ectopic
            early = clean[i] * 0.65
            out += [early, clean[i + 1] + clean[i] - early]
            i += 2
        elif roll < 0.04 / 3 and i + 1 < clean.size:  # missed
            out.append(clean[i] + clean[i + 1])
            i += 2
        elif roll < 0.02:  # extra
            out += [clean[i] * 0.4, clean[i] * 0.6]
            i += 1
        else:
            out.append(clean[i])
            i += 1
    return clean, np.asarray(out)


def best(run: object) -> float:
    assert callable(run)
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    clean, corrupted = night()
    truth = time_domain(clean).rmssd_ms
    peaks = np.concatenate([[0], np.cumsum(np.round(corrupted))]).astype(np.int64)

    def ours() -> float:
        return analyse(corrupted).metrics.rmssd_ms

    def neurokit() -> float:
        _, fixed = nk.signal_fixpeaks(peaks, sampling_rate=1000, method="Kubios")
        return float(nk.hrv_time(fixed, sampling_rate=1000)["HRV_RMSSD"].iloc[0])

    ours(), neurokit()  # warm-up: imports and caches
    t_ours, t_nk = best(ours), best(neurokit)
    r_ours, r_nk = ours(), neurokit()
    print(f"beats: {corrupted.size}, artefacts injected: 2 %")
    print(
        f"recoveryd  clean+metrics: {t_ours * 1000:8.1f} ms   rMSSD {r_ours:6.2f} ms "
        f"({100 * (r_ours / truth - 1):+.1f} % vs truth {truth:.2f})"
    )
    print(
        f"NeuroKit2  fixpeaks+time: {t_nk * 1000:8.1f} ms   rMSSD {r_nk:6.2f} ms "
        f"({100 * (r_nk / truth - 1):+.1f} % vs truth)"
    )
    print(f"ratio: recoveryd is {t_nk / t_ours:.1f}x faster (goal: 20x)")


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""How far a reading's rMSSD is from the truth, by quality verdict: the calibration of "good".

Real NN series (MIT-BIH Normal Sinus Rhythm, the two shipped in the pyhrv wheel) are cut into
morning readings of 1, 2 and 5 minutes (consecutive windows) and kept whole (5 and 60 min).
Into each, artefacts of one kind are injected at 1, 3 and 5 % of the beats (at least one, at
least 3 intervals apart), for several seeds; the clean reading is kept too:

* ectopic: a premature beat, ``RR[i] -= f RR[i]; RR[i+1] += f RR[i]``, f ~ U(0.15, 0.40);
* missed: two intervals read as one;
* extra: one interval split in two at s ~ U(0.25, 0.75);
* mixed: each artefact one of the three.

Each reading goes through ``recoveryd.engine.hrv.analyse``; its error is its rMSSD against
the clean reading's rMSSD without any correction. Printed: the error distribution per verdict,
and per kind and rate. ``python -m benchmarks.bench_hrv_quality [--seeds N]``.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import numpy.typing as npt
from recoveryd.engine.hrv import HrvError, analyse, time_domain

FloatArray = npt.NDArray[np.float64]
ROOT = Path(__file__).resolve().parents[1]
KINDS = ("ectopic", "missed", "extra", "mixed")
RATES = (0.01, 0.03, 0.05)


def mit_bih(name: str) -> FloatArray:
    """A real NN series (ms) from the pyhrv wheel that ``make`` downloads for the tests."""
    [wheel] = sorted((ROOT / ".cache" / "test-data").glob("pyhrv-*.whl"))[-1:]
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(f"pyhrv/files/SampleNNISeries{name}.npy")
    series: FloatArray = np.load(io.BytesIO(data)).astype(np.float64)
    return series


def readings() -> list[tuple[str, FloatArray]]:
    """(length label, clean NN series): consecutive windows, and each series whole."""
    out = []
    for name in ("Short", "Long"):
        nn = mit_bih(name)
        ends = np.cumsum(nn) / 1000.0
        for minutes in (1, 2, 5):
            start = 0
            while True:
                base = ends[start - 1] if start else 0.0
                end = int(np.searchsorted(ends, base + 60 * minutes))
                if end >= nn.size:
                    break
                out.append((f"{minutes} min", nn[start : end + 1]))
                start = end + 1
        out.append(("5 min" if name == "Short" else "60 min", nn))
    return out


def inject(nn: FloatArray, kind: str, rate: float, rng: np.random.Generator) -> FloatArray:
    """``nn`` with artefacts of ``kind`` at ``rate`` of its beats."""
    count = max(1, round(rate * nn.size))
    chosen: list[int] = []
    for i in rng.permutation(np.arange(2, nn.size - 3)).tolist():
        if all(abs(i - j) >= 3 for j in chosen):
            chosen.append(i)
            if len(chosen) == count:
                break
    kinds = {i: kind if kind != "mixed" else KINDS[int(rng.integers(3))] for i in chosen}
    out: list[float] = []
    i = 0
    while i < nn.size:
        what = kinds.get(i)
        if what == "ectopic":
            shift = float(rng.uniform(0.15, 0.40)) * nn[i]
            out += [nn[i] - shift, nn[i + 1] + shift]
            i += 2
        elif what == "missed":
            out.append(nn[i] + nn[i + 1])
            i += 2
        elif what == "extra":
            split = float(rng.uniform(0.25, 0.75))
            out += [split * nn[i], (1 - split) * nn[i]]
            i += 1
        else:
            out.append(float(nn[i]))
            i += 1
    return np.asarray(out)


def _row(label: str, errors: list[float]) -> str:
    if not errors:
        return f"| {label} | 0 | - | - | - | - |"
    values = np.abs(np.asarray(errors))
    over = int(np.count_nonzero(values > 5.0))
    return (
        f"| {label} | {values.size} | {np.median(values):.1f} | {np.percentile(values, 90):.1f} "
        f"| {values.max():.1f} | {over} ({100 * over / values.size:.1f} %) |"
    )


def main() -> None:
    """Run the benchmark and print its tables (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per kind and rate")
    seeds = parser.parse_args().seeds
    by_verdict: dict[str, list[float]] = defaultdict(list)
    by_case: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for length, clean in readings():
        truth = time_domain(clean).rmssd_ms
        cases = [("clean", "0 %", clean)]
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            cases += [
                (kind, f"{rate:.0%}", inject(clean, kind, rate, rng))
                for kind in KINDS for rate in RATES
            ]  # fmt: skip
        for kind, rate, series in cases:
            try:
                reading = analyse(series)
            except HrvError:
                continue
            error = 100.0 * (reading.metrics.rmssd_ms / truth - 1.0)
            verdict = "good" if reading.good else "low quality"
            by_verdict[verdict].append(error)
            by_case[(kind, rate)][verdict].append(error)
        del length
    header = (
        "| readings | n | median abs error % | p90 | max | over 5 % |\n"
        "| --- | --- | --- | --- | --- | --- |"
    )
    print("rMSSD error by verdict\n\n" + header)
    for verdict in ("good", "low quality"):
        print(_row(verdict, by_verdict[verdict]))
    print("\nGood readings by artefact\n\n" + header)
    for (kind, rate), verdicts in by_case.items():
        total = len(verdicts["good"]) + len(verdicts["low quality"])
        share = 100 * len(verdicts["good"]) / total if total else 0.0
        print(_row(f"{kind} {rate} ({share:.0f} % good)", verdicts["good"]))


if __name__ == "__main__":
    main()

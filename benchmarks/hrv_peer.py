# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One HRV library's artefact correction and rMSSD, run in the peers' own environment.

``python hrv_peer.py METHOD CASES.npz REPEATS`` reads the RR series (ms) of ``CASES.npz``
(``night``, then ``case0`` ...), corrects each with METHOD and prints one JSON object: the
best time of ``REPEATS`` runs on the night (ms) and every series' rMSSD (ms; ``null`` where
the library gave none). It imports only NumPy and the library it measures, so that the
project's own dependencies never include the peers (``make bench`` builds their venv).

Each method is its library's documented way from RR intervals with artefacts to rMSSD:

* ``neurokit2``: ``signal_fixpeaks(method="Kubios")`` on the beat times, then ``hrv_time``
  (Makowski et al. 2021, NeuroKit2 0.2);
* ``systole``: ``correction.correct_rr`` (Lipponen & Tarvainen 2019, as Systole implements
  it; Legrand & Allen 2022), then ``hrv.rmssd``;
* ``hrv-analysis``: ``remove_outliers`` (300-2000 ms), ``interpolate_nan_values``,
  ``remove_ectopic_beats(method="malik")``, ``interpolate_nan_values``, then
  ``get_time_domain_features`` (the package's README pipeline).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable

import numpy as np


def _neurokit2() -> Callable[[np.ndarray], float]:
    import neurokit2 as nk  # noqa: PLC0415 - only in the peers' environment

    def rmssd(rr: np.ndarray) -> float:
        peaks = np.concatenate([[0], np.cumsum(np.round(rr))]).astype(np.int64)
        _, fixed = nk.signal_fixpeaks(peaks, sampling_rate=1000, method="Kubios")
        return float(nk.hrv_time(fixed, sampling_rate=1000)["HRV_RMSSD"].iloc[0])

    return rmssd


def _systole() -> Callable[[np.ndarray], float]:
    from systole.correction import correct_rr  # noqa: PLC0415
    from systole.hrv import rmssd as systole_rmssd  # noqa: PLC0415

    def rmssd(rr: np.ndarray) -> float:
        corrected = correct_rr(rr.copy(), input_type="rr_ms")
        series = corrected[0] if isinstance(corrected, tuple) else corrected
        return float(systole_rmssd(np.asarray(series, dtype=float), input_type="rr_ms"))

    return rmssd


def _hrv_analysis() -> Callable[[np.ndarray], float]:
    from hrvanalysis import (  # noqa: PLC0415
        get_time_domain_features,
        interpolate_nan_values,
        remove_ectopic_beats,
        remove_outliers,
    )

    def rmssd(rr: np.ndarray) -> float:
        kept = remove_outliers(rr_intervals=rr.tolist(), low_rri=300, high_rri=2000, verbose=False)
        filled = interpolate_nan_values(rr_intervals=kept, interpolation_method="linear")
        nn = remove_ectopic_beats(rr_intervals=filled, method="malik", verbose=False)
        nn = interpolate_nan_values(rr_intervals=nn, interpolation_method="linear")
        clean = [v for v in nn if not np.isnan(v)]  # NaN left at the ends stays NaN
        return float(get_time_domain_features(clean)["rmssd"])

    return rmssd


METHODS = {"neurokit2": _neurokit2, "systole": _systole, "hrv-analysis": _hrv_analysis}


def main() -> None:
    method, path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warnings.simplefilter("ignore")  # the libraries' own warnings are not the measurement
    rmssd = METHODS[method]()
    with np.load(path) as cases:
        night = cases["night"]
        series = [cases[f"case{i}"] for i in range(len(cases.files) - 1)]
    rmssd(night)  # warm-up: lazy imports and caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        rmssd(night)
        times.append(time.perf_counter() - start)
    values: list[float | None] = []
    for rr in series:
        try:
            value = rmssd(rr)
        except Exception:  # noqa: BLE001 - a series the library cannot correct gives no value
            value = None
        values.append(value if value is not None and np.isfinite(value) else None)
    sys.stdout.write("\n" + json.dumps({"night_ms": 1000 * min(times), "rmssd": values}) + "\n")


if __name__ == "__main__":
    main()

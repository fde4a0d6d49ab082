# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The personal load response against the 60-day baseline, on athletes with known responses.

Each athlete has 420 days of session-RPE loads (a session on 70 % of days, 200-600 units)
and ln rMSSD from Banister's model with known parameters plus measurement noise (SD 0.08):
"sensitive" (fatigue gain 4e-4, fitness 5e-5), "robust" (1e-4, 2e-5) and "none" (HRV ignores
training). For every day from day 240, each from its own past: the one-step error of
``expected_ln_rmssd``, of the 60-day mean (the baseline every HRV app compares with), and of
the true model itself (the noise floor), and on how many days a response was reported.

    make bench            # or: .venv/bin/python -m benchmarks.bench_response
"""

from __future__ import annotations

import numpy as np
from recoveryd.engine.response import _impulse, fit_response

DAYS = 420
FROM = 240
SEEDS = 10
KINDS = {"sensitive": (5e-5, 4e-4), "robust": (2e-5, 1e-4), "none": (0.0, 0.0)}


def main() -> None:
    print(f"{SEEDS} athletes of each kind, days {FROM}-{DAYS}, one-step RMSE of ln rMSSD")
    print("| athletes | days with a response | model | 60-day mean | true model (noise floor) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, (k1, k2) in KINDS.items():
        model, baseline, floor, reported, total = [], [], [], 0, 0
        for seed in range(SEEDS):
            rng = np.random.default_rng([seed, list(KINDS).index(kind)])
            loads = np.where(rng.random(DAYS) < 0.7, rng.uniform(200, 600, DAYS), 0.0)
            truth = 4.0 + k1 * _impulse(loads, 42.0) - k2 * _impulse(loads, 4.0)
            ln = truth + rng.normal(0, 0.08, DAYS)
            fitted = fit_response(ln, loads, first=FROM)
            days = np.arange(FROM, DAYS)
            base = np.array([ln[i - 60 : i].mean() for i in days])
            has = np.isfinite(fitted.expected)
            reported += int(has.sum())
            total += days.size
            # Where no response is reported, the baseline is what the athlete is compared with.
            used = np.where(has, fitted.expected, base)
            model.append(np.mean((used - ln[days]) ** 2))
            baseline.append(np.mean((base - ln[days]) ** 2))
            floor.append(np.mean((truth[days] - ln[days]) ** 2))
        print(
            f"| {kind} | {100 * reported / total:.0f} % | {np.sqrt(np.mean(model)):.4f} | "
            f"{np.sqrt(np.mean(baseline)):.4f} | {np.sqrt(np.mean(floor)):.4f} |"
        )


if __name__ == "__main__":
    main()

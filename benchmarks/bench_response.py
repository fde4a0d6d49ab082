# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The personal load response against the 60-day baseline, on athletes with known responses.

Each athlete has 420 days of session-RPE loads (a session on 70 % of days, 200-600 units)
and ln rMSSD from Banister's model with known parameters plus measurement noise (SD 0.08):
"sensitive" (fatigue gain 4e-4, fitness 5e-5), "robust" (1e-4, 2e-5) and "none" (HRV ignores
training). For every day from day 240, each from its own past: the one-step error of
``expected_ln_rmssd``, of the 60-day mean (the baseline every HRV app compares with), and of
the true model itself (the noise floor), and on how many days a response was reported.
Then the week ahead: from every 7th day, the mean of the next seven mornings as
``forecast_ln_rmssd`` forecasts it from that day's fit and the loads to come (the plan done),
against the 60-day mean and the true model's mean of those mornings.

    make bench            # or: .venv/bin/python -m benchmarks.bench_response
"""

from __future__ import annotations

import numpy as np
from recoveryd.engine.forecast import forecast
from recoveryd.engine.response import _impulse, fit_response

DAYS = 420
FROM = 240
SEEDS = 10
KINDS = {"sensitive": (5e-5, 4e-4), "robust": (2e-5, 1e-4), "none": (0.0, 0.0)}


def athlete(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loads, the true ln rMSSD and the measured one of one generated athlete."""
    k1, k2 = KINDS[kind]
    rng = np.random.default_rng([seed, list(KINDS).index(kind)])
    loads = np.where(rng.random(DAYS) < 0.7, rng.uniform(200, 600, DAYS), 0.0)
    truth = 4.0 + k1 * _impulse(loads, 42.0) - k2 * _impulse(loads, 4.0)
    return loads, truth, truth + rng.normal(0, 0.08, DAYS)


def week_ahead() -> None:
    """RMSE of the next seven mornings' mean: the forecast, the 60-day mean, the true model."""
    print(f"\nthe week ahead, from every 7th day of {FROM}-{DAYS - 7}: RMSE of the 7-morning mean")
    print("| athletes | weeks with a forecast | forecast | 60-day mean | true model |")
    print("| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        model, baseline, floor, forecast_weeks, weeks = [], [], [], 0, 0
        for seed in range(SEEDS):
            loads, truth, ln = athlete(kind, seed)
            fitted = fit_response(ln, loads, first=FROM)
            for day in range(FROM, DAYS - 7, 7):
                actual = ln[day + 1 : day + 8].mean()
                base = ln[day - 60 : day].mean()
                weeks += 1
                k = day - FROM
                if np.isfinite(fitted.k2[k]):
                    forecast_weeks += 1
                    mean = float(np.mean(forecast(fitted, k, list(loads[day : day + 7]))))
                else:
                    mean = base  # no response: the baseline is the forecast
                model.append((mean - actual) ** 2)
                baseline.append((base - actual) ** 2)
                floor.append((truth[day + 1 : day + 8].mean() - actual) ** 2)
        print(
            f"| {kind} | {100 * forecast_weeks / weeks:.0f} % | {np.sqrt(np.mean(model)):.4f} | "
            f"{np.sqrt(np.mean(baseline)):.4f} | {np.sqrt(np.mean(floor)):.4f} |"
        )


def main() -> None:
    print(f"{SEEDS} athletes of each kind, days {FROM}-{DAYS}, one-step RMSE of ln rMSSD")
    print("| athletes | days with a response | model | 60-day mean | true model (noise floor) |")
    print("| --- | --- | --- | --- | --- |")
    for kind in KINDS:
        model, baseline, floor, reported, total = [], [], [], 0, 0
        for seed in range(SEEDS):
            loads, truth, ln = athlete(kind, seed)
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
    week_ahead()


if __name__ == "__main__":
    main()

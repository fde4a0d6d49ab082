# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Thresholds of the decision rules, with the defaults the literature supports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every tunable number the engine uses; the configuration's ``engine`` section maps here.

    Attributes:
        swc_k: Half-width of the normal range in baseline SDs. 0.5 SD is the smallest
            worthwhile change used for ln rMSSD by Plews et al. (2012), Vesterinen et al. (2016)
            and Javaloyes et al. (2019).
        baseline_days: Length of the baseline window (60 days in the studies above).
        rolling_days: Length of the rolling HRV mean (7 days, Plews et al. 2012).
        min_rolling_days: Valid days needed inside the rolling window (3, HRV4Training).
        min_hrv_days: Valid HRV days before any HRV-guided decision (14).
        full_hrv_days: Valid HRV days for full confidence (28).
        min_secondary_days: Valid days before a secondary signal gets a z-score.
        acute_drop_sd: Today's ln rMSSD below mean minus this many SDs is an acute drop
            (1 SD, Kiviniemi et al. 2007).
        flag_z: A secondary signal at or below this z raises a flag (-1.5, about 7 % of
            ordinary days under a normal distribution).
        short_sleep_min: A night shorter than this raises a flag regardless of baseline.
        sleep_debt_days: Window of the sleep-debt check.
        sleep_debt_min: Mean shortfall against the baseline that counts as sleep debt.
        illness_temp_c: Skin-temperature deviation that, with a raised RHR or respiratory
            rate, forms the illness pattern.
        illness_z: The z (signed, so negative) of RHR or respiratory rate for that pattern.
        overload_stable_days: Days the 7-day HRV must have stayed within range before a
            progressive-overload day.
        overload_lookback_days: Days before today in which at most ``overload_max_flags``
            flagged days may occur.
        overload_max_flags: See ``overload_lookback_days``.
        overload_min_form_pct: Form (TSB as a share of CTL, in per cent) below which overload
            is not offered; -30 % is the lower edge of intervals.icu's optimal zone.
        min_load_days: Days of logged training before the load gate applies at all.
        source_quiet_days: A preferred source with no value in this many days (the day
            included) yields to the next listed source that reports.
        calibration_nights: Shared nights two sources need before one's nights may fill the
            other's baseline through a fitted line (recoveryd.engine.calibration).
    """

    swc_k: float = 0.5
    baseline_days: int = 60
    rolling_days: int = 7
    min_rolling_days: int = 3
    min_hrv_days: int = 14
    full_hrv_days: int = 28
    min_secondary_days: int = 14
    acute_drop_sd: float = 1.0
    flag_z: float = -1.5
    short_sleep_min: float = 360.0
    sleep_debt_days: int = 14
    sleep_debt_min: float = 45.0
    illness_temp_c: float = 0.5
    illness_z: float = -2.0
    overload_stable_days: int = 14
    overload_lookback_days: int = 6
    overload_max_flags: int = 1
    overload_min_form_pct: float = -30.0
    min_load_days: int = 28
    source_quiet_days: int = 7
    calibration_nights: int = 14

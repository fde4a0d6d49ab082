# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Nights from Home Assistant sensor histories: which change belongs to which night."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from recoveryd.domain.models import Night
from recoveryd.domain.sensor_nights import night_value, sensor_nights

ZONE = ZoneInfo("Europe/Berlin")
TEN = time(10, 0)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=ZONE)


def test_the_last_change_of_the_day_up_to_at() -> None:
    readings = [(at(3, 7, 5), "61"), (at(4, 7, 2), "unavailable"), (at(4, 7, 3), "55.5"),
                (at(4, 9, 59), "56"), (at(4, 10, 1), "70")]  # fmt: skip
    assert night_value(readings, date(2026, 3, 4), TEN, ZONE) == 56.0
    assert night_value(readings, date(2026, 3, 3), TEN, ZONE) == 61.0
    assert night_value(readings, date(2026, 3, 5), TEN, ZONE) == 70.0
    # No change in the day before: no night, the old value is not repeated.
    assert night_value(readings, date(2026, 3, 6), TEN, ZONE) is None
    assert night_value([(at(4, 7), "nan"), (at(4, 8), "unknown")], date(2026, 3, 4), TEN,
                       ZONE) is None  # fmt: skip


def test_scales_sources_and_implausible_values() -> None:
    histories = {
        "sensor.oura_hrv": [(at(4, 7), "55")],
        "sensor.oura_sleep_h": [(at(4, 7), "7.5")],
        "sensor.oura_rhr": [(at(4, 7), "300")],
    }
    nights, problems = sensor_nights(
        "alex", "oura", histories,
        metrics={"hrv_rmssd_ms": "sensor.oura_hrv", "sleep_total_min": "sensor.oura_sleep_h",
                 "rhr_bpm": "sensor.oura_rhr"},
        scales={"sleep_total_min": 60}, days=[date(2026, 3, 4), date(2026, 3, 5)],
        at=TEN, zone=ZONE,
    )  # fmt: skip
    assert nights == [
        Night("alex", date(2026, 3, 4), "oura", hrv_rmssd_ms=55.0, sleep_total_min=450.0)
    ]
    assert problems == ["sensor.oura_rhr 2026-03-04: rhr_bpm 300 is outside 25-130"]


def test_bedtime_sensors_become_sleep_onset_and_offset_and_a_scale_a_weight() -> None:
    histories = {
        # Timestamp sensors as Oura's bedtime start and end report them (in UTC).
        "sensor.oura_bedtime_start": [(at(4, 7), "2026-03-03T22:47:00+00:00")],
        "sensor.oura_bedtime_end": [(at(4, 7), "2026-03-04T05:55:00+00:00")],
        "sensor.withings_weight": [(at(4, 7, 30), "71.4")],
    }
    nights, problems = sensor_nights(
        "alex", "oura", histories,
        metrics={"sleep_onset_min": "sensor.oura_bedtime_start",
                 "sleep_offset_min": "sensor.oura_bedtime_end",
                 "body_weight_kg": "sensor.withings_weight"},
        scales={}, days=[date(2026, 3, 4)], at=TEN, zone=ZONE,
    )  # fmt: skip
    # 22:47 UTC is 23:47 in Berlin: 13 min before midnight; 05:55 UTC is 06:55, 415 min after.
    assert nights == [
        Night("alex", date(2026, 3, 4), "oura", sleep_onset_min=-13.0, sleep_offset_min=415.0,
              body_weight_kg=71.4)
    ]  # fmt: skip
    assert problems == []
    garbage = {"sensor.oura_bedtime_start": [(at(4, 7), "last night")]}
    assert sensor_nights("alex", "oura", garbage, metrics={"sleep_onset_min":
                         "sensor.oura_bedtime_start"}, scales={}, days=[date(2026, 3, 4)],
                         at=TEN, zone=ZONE) == ([], [])  # fmt: skip


def test_the_example_mappings_are_valid_configuration() -> None:
    from pathlib import Path  # noqa: PLC0415

    import yaml  # noqa: PLC0415
    from recoveryd.config.athletes import HaSensorsConfig  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    examples = yaml.safe_load((root / "config" / "ha_sensors.example.yaml").read_text("utf-8"))
    checked = {name: HaSensorsConfig.model_validate(block) for name, block in examples.items()}
    assert set(checked) == {"oura", "whoop", "garmin_connect", "withings", "fitbit"}
    assert checked["oura"].metrics["hrv_rmssd_ms"] == "sensor.oura_ring_average_hrv"

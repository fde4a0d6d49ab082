# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Apple Health export.xml on files the tests write in the export's own layout."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from recoveryd.domain.models import Night
from recoveryd.domain.training import CompletedSession
from recoveryd.integrations.wearables.apple_health import SOURCE, import_export, parse_export
from recoveryd.store.database import Store

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_DE">
 <ExportDate value="2026-03-04 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
HK = "HKQuantityTypeIdentifier"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"


def stamp(day: date, hh: int, mm: int) -> str:
    return f"{day:%Y-%m-%d} {hh:02d}:{mm:02d}:00 +0100"


def record(  # noqa: PLR0917 - the attributes of an XML record, in their order
    kind: str,
    start: str,
    value: str,
    end: str | None = None,
    unit: str = "",
    source: str = "Alex's Apple Watch",
) -> str:
    attrs = {"type": kind, "sourceName": source, "unit": unit,
             "startDate": start, "endDate": end or start, "value": value}  # fmt: skip
    return " <Record " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>\n"


def workout(start: str, minutes: float, avg_hr: float | None) -> str:
    stats = (
        f'  <WorkoutStatistics type="{HK}HeartRate" startDate="{start}" endDate="{start}" '
        f'average="{avg_hr}" unit="count/min"/>\n' if avg_hr is not None else ""
    )  # fmt: skip
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="{minutes}" '
        f'durationUnit="min" startDate="{start}" endDate="{start}">\n{stats} </Workout>\n'
    )


def night(day: date) -> list[str]:
    """One night ending on ``day``: HRV, resting HR, breathing, SpO2, sleep stages."""
    eve = day - timedelta(days=1)
    return [
        record(f"{HK}HeartRateVariabilitySDNN", stamp(day, 2, 0), "45", unit="ms"),
        record(f"{HK}HeartRateVariabilitySDNN", stamp(day, 4, 0), "55", unit="ms"),
        record(f"{HK}HeartRateVariabilitySDNN", stamp(day, 15, 0), "20", unit="ms"),  # daytime
        record(f"{HK}RestingHeartRate", stamp(day, 0, 0), "52", unit="count/min"),
        record(f"{HK}RespiratoryRate", stamp(day, 3, 0), "14.5", unit="count/min"),
        record(f"{HK}OxygenSaturation", stamp(day, 3, 0), "0.96", unit="%"),
        record(SLEEP, stamp(eve, 22, 0), "HKCategoryValueSleepAnalysisInBed", stamp(day, 6, 15)),
        record(SLEEP, stamp(eve, 22, 30), "HKCategoryValueSleepAnalysisAsleepCore",
               stamp(day, 1, 0)),
        record(SLEEP, stamp(day, 1, 0), "HKCategoryValueSleepAnalysisAsleepDeep", stamp(day, 2, 0)),
        record(SLEEP, stamp(day, 2, 0), "HKCategoryValueSleepAnalysisAsleepREM", stamp(day, 3, 30)),
        record(SLEEP, stamp(day, 3, 30), "HKCategoryValueSleepAnalysisAwake", stamp(day, 3, 40)),
        record(SLEEP, stamp(day, 3, 40), "HKCategoryValueSleepAnalysisAsleepCore",
               stamp(day, 6, 10)),
    ]  # fmt: skip


def write(path: Path, parts: Iterable[str], *, close: bool = True) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for part in parts:
            out.write(part)
        if close:
            out.write("</HealthData>\n")
    return path


DAY = date(2026, 3, 4)


def test_a_night_and_a_workout(tmp_path: Path) -> None:
    path = write(tmp_path / "export.xml",
                 [*night(DAY), workout(stamp(DAY, 18, 5), 45.5, 151.2)])  # fmt: skip
    parsed = parse_export(path, "alex")
    assert parsed.errors == ()
    assert parsed.nights == (
        Night("alex", DAY, SOURCE, rhr_bpm=52.0, sleep_total_min=450.0, sleep_deep_min=60.0,
              sleep_rem_min=90.0, sleep_light_min=300.0, sleep_awake_min=10.0,
              resp_rate=14.5, spo2_pct=96.0, hrv_sdnn_ms=50.0),
    )  # fmt: skip
    assert parsed.nights[0].hrv_rmssd_ms is None  # SDNN is never stored as rMSSD
    assert parsed.sessions == (
        CompletedSession("alex", DAY, SOURCE, "18:05", "running", 45.5, None, 151.2),
    )


def test_bad_records_are_one_line_each_and_the_rest_is_stored(tmp_path: Path) -> None:
    parts = night(DAY)
    parts.insert(3, record(f"{HK}RestingHeartRate", stamp(DAY, 0, 0), "abc"))
    parts.insert(4, record(f"{HK}RespiratoryRate", "yesterday", "14"))
    parts.append(record(f"{HK}RestingHeartRate", stamp(DAY + timedelta(days=1), 0, 0), "400"))
    path = write(tmp_path / "export.xml", parts)
    with Store(tmp_path / "r.db") as store:
        parsed, changed = import_export(store, path, "alex")
        assert parsed.errors == (
            f"export.xml: record 4 ({HK}RestingHeartRate): value 'abc' is not a number",
            f"export.xml: record 5 ({HK}RespiratoryRate): startDate 'yesterday' is not a time "
            "such as 2026-03-04 06:30:00 +0100",
            "export.xml: night 2026-03-05: rhr_bpm 400 is outside 25-130; left out",
        )
        assert changed.touched == 1
        [stored] = store.nights("alex", DAY, DAY + timedelta(days=1))
        assert (stored.rhr_bpm, stored.hrv_sdnn_ms) == (52.0, 50.0)
        # Importing the same file again changes nothing.
        assert import_export(store, path, "alex")[1].touched == 0


PHONE = "Alex's iPhone"
ASLEEP = "HKCategoryValueSleepAnalysisAsleepUnspecified"


def phone_sleep(day: date) -> list[str]:
    """The iPhone's estimate from phone use: asleep 22:20-06:40 (500 min), no stages."""
    eve = day - timedelta(days=1)
    return [record(SLEEP, stamp(eve, 22, 20), ASLEEP, stamp(day, 6, 40), source=PHONE)]


def test_a_watch_and_an_iphone_are_never_summed(tmp_path: Path) -> None:
    path = write(tmp_path / "export.xml", [*phone_sleep(DAY), *night(DAY)])
    [watch_night] = parse_export(path, "alex").nights
    # The Watch's staged night (450 min asleep, 10 awake), not 950.
    assert (watch_night.sleep_total_min, watch_night.sleep_deep_min) == (450.0, 60.0)
    assert watch_night.sleep_awake_min == 10.0
    [phone_night] = parse_export(path, "alex", priority=["iphone"]).nights
    assert (phone_night.sleep_total_min, phone_night.sleep_deep_min) == (500.0, None)
    # The iPhone says nothing about wakings: awake is unknown, not 0.
    assert phone_night.sleep_awake_min is None
    assert phone_night.rhr_bpm == 52.0  # only the Watch measured it: read from the Watch


def test_overlapping_segments_of_one_source_are_merged(tmp_path: Path) -> None:
    eve = DAY - timedelta(days=1)
    core = "HKCategoryValueSleepAnalysisAsleepCore"
    deep = "HKCategoryValueSleepAnalysisAsleepDeep"
    parts = [
        record(SLEEP, stamp(eve, 23, 0), core, stamp(DAY, 3, 0)),
        record(SLEEP, stamp(eve, 23, 0), core, stamp(DAY, 3, 0)),  # synced twice
        record(SLEEP, stamp(DAY, 1, 0), deep, stamp(DAY, 2, 0)),  # inside the core segment
        record(SLEEP, stamp(DAY, 2, 30), core, stamp(DAY, 6, 0)),  # overlaps the first
    ]
    [merged] = parse_export(write(tmp_path / "export.xml", parts), "alex").nights
    # 23:00-06:00 is 420 min asleep: 60 deep, 360 core; no awake segment from a staged
    # source is 0 awake.
    assert (merged.sleep_total_min, merged.sleep_deep_min, merged.sleep_light_min) == (
        420.0, 60.0, 360.0,
    )  # fmt: skip
    assert (merged.sleep_rem_min, merged.sleep_awake_min) == (0.0, 0.0)


def test_resting_hr_from_two_sources_is_read_from_one(tmp_path: Path) -> None:
    parts = [
        record(f"{HK}RestingHeartRate", stamp(DAY, 0, 0), "52", unit="count/min"),
        record(f"{HK}RestingHeartRate", stamp(DAY, 0, 0), "58", unit="count/min",
               source="Oura"),
        record(f"{HK}HeartRateVariabilitySDNN", stamp(DAY, 2, 0), "40", unit="ms", source="Oura"),
        record(f"{HK}HeartRateVariabilitySDNN", stamp(DAY, 3, 0), "44", unit="ms", source="Oura"),
        record(f"{HK}HeartRateVariabilitySDNN", stamp(DAY, 2, 0), "60", unit="ms"),
    ]  # fmt: skip
    path = write(tmp_path / "export.xml", parts)
    [default] = parse_export(path, "alex").nights
    assert (default.rhr_bpm, default.hrv_sdnn_ms) == (52.0, 60.0)  # the watch first
    [ring] = parse_export(path, "alex", priority=["oura"]).nights
    assert (ring.rhr_bpm, ring.hrv_sdnn_ms) == (58.0, 42.0)


def test_a_partly_bad_file_over_good_data_loses_nothing(tmp_path: Path) -> None:
    good = write(tmp_path / "good.xml", night(DAY))
    broken = night(DAY)
    broken[3] = record(f"{HK}RestingHeartRate", stamp(DAY, 0, 0), "fifty-two")
    broken[8] = record(SLEEP, stamp(DAY, 1, 0), "HKCategoryValueSleepAnalysisAsleepDeep", "02:00")
    broken.append(record(SLEEP, stamp(DAY, 6, 10), "HKCategoryValueSleepAnalysisAsleepCorre",
                         stamp(DAY, 6, 12)))  # fmt: skip
    bad = write(tmp_path / "bad.xml", broken)
    with Store(tmp_path / "r.db") as store:
        import_export(store, good, "alex")
        [before] = store.nights("alex", DAY, DAY)
        parsed, record_ = import_export(store, bad, "alex")
        [after] = store.nights("alex", DAY, DAY)
    assert after == before
    assert record_.touched == 0
    assert parsed.errors == (
        f"bad.xml: record 4 ({HK}RestingHeartRate): value 'fifty-two' is not a number",
        f"bad.xml: record 9 ({SLEEP}): endDate '02:00' is not a time such as "
        "2026-03-04 06:30:00 +0100",
        f"bad.xml: record 13 ({SLEEP}): value 'HKCategoryValueSleepAnalysisAsleepCorre' is not "
        "a sleep stage recoveryd knows",
        "bad.xml: night 2026-03-04: a sleep record of this night could not be read; its sleep "
        "left out (what was stored stays)",
    )


def test_a_truncated_export_stores_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "export.xml", night(DAY), close=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) - 40], encoding="utf-8")
    with (
        Store(tmp_path / "r.db") as store,
        pytest.raises(ValueError, match="not well-formed XML") as caught,
    ):
        import_export(store, path, "alex")
    message = str(caught.value)
    assert message.startswith("export.xml: line ")
    assert message.endswith("not well-formed XML (a truncated or damaged export?); nothing stored")
    with Store(tmp_path / "r.db") as store:
        assert store.nights("alex", DAY, DAY) == []


def test_a_large_export_in_bounded_memory(tmp_path: Path) -> None:
    # A month of nights with a watch that measured HRV every few seconds: ~12 MB of XML.
    nights = 30
    first = DAY - timedelta(days=nights - 1)

    def parts() -> Iterable[str]:
        for i in range(nights):
            day = first + timedelta(days=i)
            yield from night(day)
            for k in range(2000):
                yield record(f"{HK}HeartRateVariabilitySDNN",
                             stamp(day, 1 + k // 1000, k % 60), "50", unit="ms")  # fmt: skip

    path = write(tmp_path / "export.xml", parts())
    size = path.stat().st_size
    # Peak resident memory of a fresh process that imports, then parses; the same process
    # without the parse is the reference, measured in the same run.
    probe = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from recoveryd.integrations.wearables.apple_health import parse_export\n"
        "seen = []\n"
        "if sys.argv[1] == 'parse':\n"
        "    parsed = parse_export(\n"
        "        Path(sys.argv[2]), 'alex', progress=lambda d, _: seen.append(d))\n"
        "    print(parsed.records, len(parsed.nights), seen[-1])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )

    def run(mode: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", probe, mode, str(path)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout.split()

    records, parsed_nights, progress_end, parsing_kb = run("parse")
    (reference_kb,) = run("import")
    assert size > 10_000_000
    assert (int(records), int(parsed_nights)) == (nights * (12 + 2000), nights)
    assert int(progress_end) == size  # progress reached the end of the file
    grown_mb = (int(parsing_kb) - int(reference_kb)) / 1024
    # A whole tree of this file would take ~100 MB; streamed, memory stays flat.
    assert grown_mb < 10, f"{grown_mb:.1f} MB more than importing alone, for {size / 1e6:.0f} MB"


def test_apple_health_command(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [apple_health]}]\n")
    path = write(tmp_path / "export.xml", night(DAY))
    assert main(["import", "apple-health", str(path), "--athlete", "alex"]) == 0
    assert capsys.readouterr().out == (
        "export.xml: 12 records, 1 nights and 0 workouts as source apple_health, "
        "1 new or changed, 0 rejected (import 1)\n"
    )

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
from integrations.wearables.apple_health import SOURCE, import_export, parse_export
from recoveryd.engine.load import CompletedSession
from recoveryd.models import Night
from recoveryd.store import Store

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


def record(kind: str, start: str, value: str, end: str | None = None, unit: str = "") -> str:
    attrs = {"type": kind, "sourceName": "Alex's Apple Watch", "unit": unit,
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
        assert changed == 1
        [stored] = store.nights("alex", DAY, DAY + timedelta(days=1))
        assert (stored.rhr_bpm, stored.hrv_sdnn_ms) == (52.0, 50.0)
        # Importing the same file again changes nothing.
        assert import_export(store, path, "alex")[1] == 0


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
        "from integrations.wearables.apple_health import parse_export\n"
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
    from recoveryd.cli import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [apple_health]}]\n")
    path = write(tmp_path / "export.xml", night(DAY))
    assert main(["import", "apple-health", str(path), "--athlete", "alex"]) == 0
    assert capsys.readouterr().out == (
        "export.xml: 12 records, 1 nights and 0 workouts as source apple_health, "
        "1 new or changed, 0 rejected\n"
    )

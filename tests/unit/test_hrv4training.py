# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""HRV4Training CSV exports in the layouts the app writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recoveryd.integrations.wearables.generic_csv import import_file
from recoveryd.integrations.wearables.hrv4training import SOURCE, parse_text
from recoveryd.store.database import Store

# The export's own header (abridged to the columns around the ones read), ", " separated.
HEADER = (
    "date, HR, AVNN, SDNN, rMSSD, pNN50, LF, HF, HRV4T_Recovery_Points, sleep_quality, "
    "sleep_time, mental_energy, muscle_soreness, fatigue, training, trainingRPE"
)


def row(day: str, hr: str, sdnn: str, rmssd: str) -> str:
    return f"{day}, {hr}, 1034, {sdnn}, {rmssd}, 31, 812, 1240, 7.8, 4, 7.5, 3, 2, 2, Running, 6"


def export(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_a_typical_export() -> None:
    text = export(
        row("2026-03-02 00:01:00 +0000", "52", "71.2", "64.5"),
        row("2026-03-03 00:01:00 +0000", "55", "-", "58"),
        row("2026-03-04", "-", "-", "61.25"),
    )
    parsed = parse_text(text, "alex", "MyMeasurements.csv")
    assert parsed.errors == ()
    assert parsed.rows == 3
    first, second, third = parsed.nights
    assert (first.date, first.source) == (date(2026, 3, 2), SOURCE)
    assert (first.hrv_rmssd_ms, first.hrv_sdnn_ms, first.rhr_bpm) == (64.5, 71.2, 52)
    assert (second.hrv_sdnn_ms, second.hrv_rmssd_ms) == (None, 58)  # "-" is not measured
    assert (third.date, third.rhr_bpm, third.hrv_rmssd_ms) == (date(2026, 3, 4), None, 61.25)
    assert third.sleep_total_min is None  # the questionnaire's sleep_time is not a measurement


def test_semicolons_and_the_timestamp_column() -> None:
    text = "timestamp_measurement;HR;AVNN;SDNN;rMSSD;pNN50;LF;HF;HRV4T_Recovery_Points\n"
    text += "2026-03-04 06:41:10;49.5;1212.1;80.02;72.3;40.1;900.1;1500.2;8.1\n"
    (night,) = parse_text(text, "alex", "h.csv").nights
    assert (night.date, night.hrv_rmssd_ms, night.hrv_sdnn_ms, night.rhr_bpm) == (
        date(2026, 3, 4), 72.3, 80.02, 49.5,
    )  # fmt: skip


def test_bad_rows_are_one_line_each_and_the_rest_is_kept() -> None:
    text = export(
        row("04/03/2026", "52", "70", "60"),
        row("2026-03-05", "52", "70", "500"),
        row("2026-03-06", "fast", "70", "60"),
        "2026-03-07, 50, 60",
        row("2026-03-08", "-", "-", "-"),
        row("2026-03-09", "51", "70", "60"),
        row("2026-03-09", "58", "50", "40"),
    )
    parsed = parse_text(text, "alex", "h.csv")
    assert parsed.errors == (
        "h.csv: row 2: date: must start with YYYY-MM-DD, got '04/03/2026'",
        "h.csv: row 3: hrv_rmssd_ms: must be between 3 and 300, got 500",
        "h.csv: row 4: rhr_bpm: must be a number, got 'fast'",
        "h.csv: row 5: has 3 cells, the header has 16",
        "h.csv: row 6: holds no reading (rMSSD, SDNN and HR are all empty)",
        "h.csv: row 8: a second reading on 2026-03-09; the first (row 7) is kept",
    )
    (night,) = parsed.nights
    assert (night.date, night.rhr_bpm) == (date(2026, 3, 9), 51)


def test_a_file_of_another_kind_is_refused_whole() -> None:
    parsed = parse_text("date,source,hrv_rmssd_ms\n2026-03-04,oura,50\n", "alex", "n.csv")
    assert parsed.nights == ()
    assert parsed.errors == (
        "n.csv: row 1: not an HRV4Training export: expected a date column and rMSSD, SDNN or "
        "HR; found date, source, hrv_rmssd_ms",
    )


@given(st.text(alphabet=st.sampled_from("0123456789-,;: .\nabHRrMSSDdate"), max_size=300))
def test_any_text_gives_lines_never_an_exception(text: str) -> None:
    parsed = parse_text(HEADER + "\n" + text, "alex", "f.csv")
    assert all("\n" not in line for line in parsed.errors)
    assert all(night.has_any_metric() for night in parsed.nights)


def test_import_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(export(row("2026-03-04", "52", "70", "60")), encoding="utf-8")
    with Store(tmp_path / "r.db") as store:
        first = import_file(store, path, "alex", parse=parse_text)
        again = import_file(store, path, "alex", parse=parse_text)
        (stored,) = store.nights("alex", date(2026, 3, 4), date(2026, 3, 4))
    assert (first.changed, again.changed) == (1, 0)
    assert (stored.source, stored.hrv_rmssd_ms, stored.hrv_sdnn_ms) == (SOURCE, 60, 70)


def test_hrv4training_command(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [hrv4training]}]\n")
    path = tmp_path / "MyMeasurements.csv"
    path.write_text(export(row("2026-03-04", "52", "70", "60"), row("x", "1", "2", "3")), "utf-8")
    assert main(["import", "hrv4training", str(path), "--athlete", "alex"]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "MyMeasurements.csv: 2 rows, 1 nights and 0 check-ins valid, 1 new or changed, "
        "1 rejected (import 1)\n"
    )
    assert err == "MyMeasurements.csv: row 3: date: must start with YYYY-MM-DD, got 'x'\n"
    assert main(["import", "hrv4training", str(path), "--athlete", "alex", "--strict"]) == 1
    assert capsys.readouterr().out == "MyMeasurements.csv: nothing stored\n"

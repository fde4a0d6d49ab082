# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The generic CSV importer: one line per bad row, --strict, idempotence, SQLite on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from recoveryd.cli.main import main
from recoveryd.domain.models import CheckIn, Night
from recoveryd.integrations.wearables.generic_csv import COLUMNS, import_file, parse_csv, write_csv
from recoveryd.store.database import Store

HEADER = "date,source,hrv_rmssd_ms,rhr_bpm,sleep_total_min,checkin_soreness\n"
GOOD = (
    HEADER
    + "2026-03-01,oura,62.5,48,455,4\n"
    + "2026-03-02,oura,58.1,49.5,,\n"
    + "2026-03-02,polar_h10,71.0,,,3\n"
)
BAD = (
    HEADER
    + "2026-03-01,oura,62.5,48,455,4\n"  # row 2: good
    + "2026-03-32,oura,60,48,455,\n"  # row 3: no such date
    + "2026-03-03,oura,600,48,455,\n"  # row 4: implausible rMSSD
    + "2026-03-04,oura,abc,48,455,\n"  # row 5: not a number
    + "2026-03-05,oura,60,48,455,7\n"  # row 6: check-in out of scale
    + "2026-03-01,oura,61,47,450,\n"  # row 7: repeats row 2
    + "2026-03-08,Oura Ring,60,48,455,\n"  # row 8: source not a slug
    + "2026-03-09,oura,,,,\n"  # row 9: nothing in it
    + "2026-03-10,oura,60\n"  # row 10: short row
    + "2026-03-11,oura,59.5,nan,440,\n"  # row 11: NaN
    + "2026-03-12,oura,61,47,450,\n"  # row 12: good
)


def write(tmp_path: Path, text: str, name: str = "nights.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_rows_become_nights_and_checkins() -> None:
    parsed = parse_csv(GOOD, "alex", "nights.csv")
    assert parsed.errors == ()
    assert parsed.nights == (
        Night(
            "alex", date(2026, 3, 1), "oura", hrv_rmssd_ms=62.5, rhr_bpm=48.0, sleep_total_min=455.0
        ),
        Night("alex", date(2026, 3, 2), "oura", hrv_rmssd_ms=58.1, rhr_bpm=49.5),
        Night("alex", date(2026, 3, 2), "polar_h10", hrv_rmssd_ms=71.0),
    )
    assert parsed.checkins == (
        CheckIn("alex", date(2026, 3, 1), soreness=4),
        CheckIn("alex", date(2026, 3, 2), soreness=3),
    )


def test_each_bad_row_is_one_line_with_row_column_and_problem() -> None:
    parsed = parse_csv(BAD, "alex", "nights.csv")
    assert list(parsed.errors) == [
        "nights.csv: row 3: date: must be a date YYYY-MM-DD, got '2026-03-32'",
        "nights.csv: row 4: hrv_rmssd_ms: must be between 3 and 300, got 600",
        "nights.csv: row 5: hrv_rmssd_ms: must be a number, got 'abc'",
        "nights.csv: row 6: checkin_soreness: must be between 1 and 5, got 7",
        "nights.csv: row 7: date 2026-03-01 and source oura repeat row 2",
        "nights.csv: row 8: source: must be 1-32 characters of a-z, 0-9, '_' or '-' starting "
        "with a letter or digit (it becomes part of MQTT topics and entity ids), got 'Oura Ring'",
        "nights.csv: row 9: holds no measurement and no check-in",
        "nights.csv: row 10: has 3 cells, the header has 6",
        "nights.csv: row 11: rhr_bpm: must be a finite number, got nan",
    ]
    assert [n.date.day for n in parsed.nights] == [1, 12]


def test_unknown_and_missing_columns_are_named() -> None:
    parsed = parse_csv("day,source,hrv\n2026-03-01,oura,60\n", "alex", "x.csv")
    assert parsed.errors == (
        "x.csv: row 1: unknown column(s) day, hrv; missing column(s) date; allowed: "
        + ", ".join(COLUMNS),
    )
    assert parse_csv("", "alex", "x.csv").errors == (
        "x.csv: the file is empty; expected a header row",
    )


def test_a_second_checkin_for_the_same_morning_is_refused() -> None:
    text = HEADER + "2026-03-01,oura,60,,,4\n2026-03-01,polar_h10,70,,,2\n"
    parsed = parse_csv(text, "alex", "x.csv")
    assert parsed.errors == ("x.csv: row 3: a check-in for 2026-03-01 was already given in row 2",)


def test_import_stores_valid_rows_and_reports_the_rest(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        report = import_file(store, write(tmp_path, BAD), "alex")
        assert report.stored
        assert (report.rows, report.nights, report.changed) == (11, 2, 3)
        assert len(report.errors) == 9
        stored = store.nights("alex", date(2026, 3, 1), date(2026, 3, 31))
        assert [n.date.day for n in stored] == [1, 12]


def test_strict_import_stores_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        report = import_file(store, write(tmp_path, BAD), "alex", strict=True)
        assert not report.stored
        assert store.count_nights() == 0
        assert store.checkins("alex", date(2026, 1, 1), date(2026, 12, 31)) == []


def test_reimport_is_idempotent_and_changed_values_replace_old_ones(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with Store(tmp_path / "r.db") as store:
        first = import_file(store, path, "alex")
        assert first.changed == 5  # 3 nights + 2 check-ins
        again = import_file(store, path, "alex")
        assert again.changed == 0
        assert store.count_nights() == 3
        path.write_text(GOOD.replace("62.5", "64.0"), encoding="utf-8")
        assert import_file(store, path, "alex").changed == 1
        [night] = store.nights("alex", date(2026, 3, 1), date(2026, 3, 1))
        assert night.hrv_rmssd_ms == 64.0


def test_written_csv_reads_back_identically() -> None:
    nights = [
        Night(
            "sam",
            date(2026, 3, 1),
            "garmin",
            45.2,
            55.0,
            430.0,
            80.0,
            95.0,
            230.0,
            25.0,
            15.1,
            0.12,
            96.5,
        ),
        Night("sam", date(2026, 3, 2), "garmin", rhr_bpm=56.0),
    ]
    checkins = [
        CheckIn("sam", date(2026, 3, 2), 3, 4, 5, 2, 1),
        CheckIn("sam", date(2026, 3, 3), mood=4),
    ]
    parsed = parse_csv(write_csv(nights, checkins), "sam", "sam.csv")
    assert parsed.errors == ()
    assert list(parsed.nights) == nights
    assert list(parsed.checkins) == checkins


def test_cli_import_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        f"storage: {{path: {tmp_path / 'r.db'}}}\n"
        "athletes: [{id: alex, name: A, sources: [oura]}]\n",
        "recoveryd.yaml",
    )
    monkeypatch.setenv("RECOVERYD_CONFIG", str(config))
    good, bad = write(tmp_path, GOOD, "good.csv"), write(tmp_path, BAD, "bad.csv")
    assert main(["import", "csv", str(good), "--athlete", "alex"]) == 0
    assert "3 nights and 2 check-ins valid, 5 new or changed, 0 rejected" in capsys.readouterr().out
    assert main(["import", "csv", str(good), "--athlete", "alex"]) == 0
    assert "0 new or changed" in capsys.readouterr().out
    assert main(["import", "csv", str(bad), "--athlete", "alex"]) == 1
    captured = capsys.readouterr()
    assert len(captured.err.splitlines()) == 9
    assert "9 rejected" in captured.out
    assert main(["import", "csv", str(bad), "--athlete", "alex", "--strict"]) == 1
    assert "bad.csv: nothing stored" in capsys.readouterr().out
    assert main(["import", "csv", str(good), "--athlete", "nobody"]) == 2
    assert "unknown athlete 'nobody' (configured: alex)" in capsys.readouterr().err


def test_a_night_from_the_future_is_one_line_and_left_out() -> None:
    text = "date,source,hrv_rmssd_ms\n2026-03-04,oura,55\n2030-01-01,oura,60\n"
    parsed = parse_csv(text, "alex", "n.csv")
    assert [n.date for n in parsed.nights] == [date(2026, 3, 4)]
    [error] = parsed.errors
    assert error.startswith("n.csv: row 3: date: must be a day from 1980-01-01 to ")
    assert error.endswith(", got 2030-01-01")

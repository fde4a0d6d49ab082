# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd import sessions``: a season of training from a CSV file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from recoveryd.domain.training import CompletedSession
from recoveryd.integrations.wearables.sessions_csv import SOURCE, import_sessions, parse_sessions
from recoveryd.store.database import Store

GOOD = """Title,date,SPORT,duration_min,rpe,avg_hr,start
Intervals 6x3',2026-03-02,running,62,8,,07:15
,2026-03-03,,45,,138,
Long ride,2026-03-04,cycling,180.5,5,131,09:00
Strength,2026-03-04,strength,40,6,,18:30
"""


def test_every_column_in_any_order_blank_is_missing() -> None:
    parsed = parse_sessions(GOOD, "alex", "season.csv")
    assert parsed.errors == ()
    assert parsed.rows == 4
    assert parsed.sessions == (
        CompletedSession("alex", date(2026, 3, 2), SOURCE, "07:15", "running", 62.0, 8.0, None,
                         "Intervals 6x3'"),
        CompletedSession("alex", date(2026, 3, 3), SOURCE, "00:00", "general", 45.0, None, 138.0),
        CompletedSession("alex", date(2026, 3, 4), SOURCE, "09:00", "cycling", 180.5, 5.0, 131.0,
                         "Long ride"),
        CompletedSession("alex", date(2026, 3, 4), SOURCE, "18:30", "strength", 40.0, 6.0, None,
                         "Strength"),
    )  # fmt: skip


def test_bad_rows_are_one_line_each_naming_every_column() -> None:
    text = (
        "date,start,duration_min,rpe,avg_hr\n"
        "2026-03-02,07:00,0,11,\n"
        "yesterday,25:00,30,5,\n"
        "2026-03-03,,30,,\n"
        "2026-03-04,08:00,30,5\n"
        "2026-03-05,,30,5,\n"
        "2026-03-05,,40,6,\n"
        "2026-03-06,07:00,30,5,140\n"
    )
    parsed = parse_sessions(text, "alex", "log.csv")
    assert parsed.errors == (
        "log.csv: row 2: duration_min: must be between 1 and 1440, got 0; rpe: must be between "
        "0 and 10, got 11",
        "log.csv: row 3: date: must be a date YYYY-MM-DD, got 'yesterday'; start: must be a "
        "local time HH:MM such as '07:00', got '25:00'",
        "log.csv: row 4: give rpe or avg_hr, or the session carries no load",
        "log.csv: row 5: has 4 cells, the header has 5",
        "log.csv: row 7: date 2026-03-05 and start 00:00 repeat row 6; give each session of a "
        "day its start time",
    )
    assert [s.date for s in parsed.sessions] == [date(2026, 3, 5), date(2026, 3, 6)]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("date,minutes,rpe", "unknown column(s) minutes; missing column(s) duration_min"),
        ("date,duration_min,rpe,rpe", "repeated column(s) rpe"),
    ],
)
def test_a_bad_header_rejects_the_file(header: str, problem: str) -> None:
    parsed = parse_sessions(f"{header}\n2026-03-02,30,5\n", "alex", "x.csv")
    assert parsed.sessions == ()
    assert parsed.errors == (
        f"x.csv: row 1: {problem}; allowed: date, start, sport, duration_min, rpe, avg_hr, title",
    )


def test_import_is_idempotent_and_strict_rejects_all(tmp_path: Path) -> None:
    path = tmp_path / "season.csv"
    path.write_text(GOOD, encoding="utf-8")
    with Store(tmp_path / "r.db") as store:
        _, first = import_sessions(store, path, "alex")
        _, again = import_sessions(store, path, "alex")
        stored = store.sessions("alex", date(2026, 3, 1), date(2026, 3, 31))
        bad = tmp_path / "bad.csv"
        bad.write_text(GOOD + "2026-03-09,,0,5,,\n", encoding="utf-8")
        parsed, nothing = import_sessions(store, bad, "alex", strict=True)
    assert first is not None
    assert again is not None
    assert (first.new, again.new, again.changed) == (4, 0, 0)
    assert stored == sorted(parse_sessions(GOOD, "alex", "s").sessions,
                            key=lambda s: (s.date, s.start))  # fmt: skip
    assert nothing is None
    assert len(parsed.errors) == 1


def test_the_command(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [oura]}]\n")
    path = tmp_path / "season.csv"
    path.write_text(GOOD + "2026-03-09,,0,5,,\n", encoding="utf-8")
    assert main(["import", "sessions", str(path), "--athlete", "alex"]) == 1
    out, err = capsys.readouterr()
    assert out == "season.csv: 5 rows, 4 sessions valid, 4 new, 0 changed, 1 rejected (import 1)\n"
    assert err.startswith("season.csv: row 6: ")
    assert main(["import", "sessions", str(path), "--athlete", "alex", "--strict"]) == 1
    assert capsys.readouterr().out == "season.csv: nothing stored\n"

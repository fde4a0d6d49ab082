# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Answers given again (`recoveryd.cli.answers`): the same output, and never a stale one."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from recoveryd import identity
from recoveryd.cli import answers, asking, kept
from recoveryd.cli.main import main
from recoveryd.cli.sampledata import generate, generate_sessions
from recoveryd.daemon import deciding, today_view
from recoveryd.domain.models import CheckIn
from recoveryd.store.database import Store
from recoveryd.store.migrations import CONTENT_TABLES
from recoveryd.store.revision import read_revision

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 4)


@pytest.fixture
def household(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration with an included plan, a placeholder, and a store of samples."""
    (tmp_path / "plan.yaml").write_bytes(
        (ROOT / "config" / "plans" / "endurance.yaml").read_bytes()
    )
    config = tmp_path / "recoveryd.yaml"
    config.write_text(
        f"household: {{timezone: Europe/Berlin}}\nstorage: {{path: {tmp_path / 'r.db'}}}\n"
        "mqtt: {password: '${BROKER_PASSWORD}'}\n"
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [oura], plan_file: plan.yaml}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("BROKER_PASSWORD", "first")
    monkeypatch.setenv(answers.CACHE_DIR_ENV, str(tmp_path / "answers"))
    monkeypatch.delenv(answers.NO_CACHE_ENV, raising=False)
    nights, checkins = generate(DAY)
    with Store(tmp_path / "r.db") as store:
        store.upsert(nights, checkins, generate_sessions(DAY))
    return config


class Decided:
    """Counts the days decided: a command answered in full decides, one given again not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real = deciding.decide_range

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(today_view, "decide_range", counted)


def _today(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["today", "--athlete", "alex", "--config", str(config), *extra]) == 0
    return capsys.readouterr().out


def test_the_same_answer_again_without_deciding_until_something_it_read_changes(
    household: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    decided = Decided(monkeypatch)
    first = _today(household, capsys, "--date", DAY.isoformat())
    assert decided.calls == 1
    assert _today(household, capsys, "--date", DAY.isoformat()) == first
    assert decided.calls == 1, "given again"
    # The same command line, asked in full, gives the same text.
    monkeypatch.setenv(answers.NO_CACHE_ENV, "1")
    assert _today(household, capsys, "--date", DAY.isoformat()) == first
    assert decided.calls == 2
    monkeypatch.delenv(answers.NO_CACHE_ENV)

    def changes(change: str) -> None:
        before = decided.calls
        _today(household, capsys, "--date", DAY.isoformat())
        assert decided.calls == before + 1, f"{change}: answered again from a stale answer"
        _today(household, capsys, "--date", DAY.isoformat())
        assert decided.calls == before + 1, f"{change}: the new answer is not kept"

    store = household.parent / "r.db"
    with Store(store) as opened:  # a check-in, as the daemon or an import would write it
        opened.upsert([], [CheckIn(athlete="alex", date=DAY, soreness=5)])
    changes("a check-in")
    # Another program writing to the store directly (the triggers are the store's own).
    with sqlite3.connect(store) as db:
        db.execute("UPDATE nights SET rhr_bpm = rhr_bpm + 1 WHERE date = ?", (DAY.isoformat(),))
    changes("a night changed outside recoveryd")
    plan = household.parent / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "# one more line\n", encoding="utf-8")
    changes("the included plan")
    monkeypatch.setenv("BROKER_PASSWORD", "second")
    changes("a variable the configuration names")
    # Today's answer is today's only; an answer for a date given is the same on any day.
    before = decided.calls
    now = _today(household, capsys)
    assert _today(household, capsys) == now
    assert decided.calls == before + 1
    monkeypatch.setattr(kept, "_household_day", lambda _zone: "2099-01-02")
    _today(household, capsys)
    assert decided.calls == before + 2, "the household's date: answered again from yesterday"
    _today(household, capsys, "--date", DAY.isoformat())
    assert decided.calls == before + 2
    monkeypatch.setattr(kept, "_terminal_size", lambda _fd: [200, 50])
    changes("the terminal's width")
    household.write_text(household.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changes("the configuration file")
    monkeypatch.setattr(identity, "_code_fingerprint", lambda: [["upgraded"]])
    changes("recoveryd's code")


def test_the_new_answer_follows_the_change(
    household: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = DAY.isoformat()
    before = json.loads(_today(household, capsys, "--date", day, "--json"))
    assert before["protocol"] != "rest"
    override = ["override", "--athlete", "alex", "--protocol", "rest", "--date", day]
    assert main([*override, "--config", str(household)]) == 0
    capsys.readouterr()
    after = json.loads(_today(household, capsys, "--date", day, "--json"))
    assert after["protocol"] == "rest"


def _check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recoveryd", "check-config", str(config)],
        capture_output=True, text=True, check=False, env={**os.environ},
    )  # fmt: skip


def test_a_failure_or_a_warning_is_never_given_again(household: Path) -> None:
    text = household.read_text(encoding="utf-8")
    household.write_text(text.replace("Europe/Berlin", "Mars/Olympus"), encoding="utf-8")
    for _ in range(2):
        failed = _check(household)
        assert failed.returncode == 2
        assert "Mars/Olympus" in failed.stderr
    assert not list((household.parent / "answers").glob("*.json"))
    household.write_text(text, encoding="utf-8")
    assert _check(household).stdout == "ok\n"
    assert len(list((household.parent / "answers").glob("*.json"))) == 1
    # A secret file others may read is warned of on stderr: that answer is not kept.
    secret = household.parent / "password"
    secret.write_text("s3cret", encoding="utf-8")
    secret.chmod(0o644)
    household.write_text(
        text.replace("password: '${BROKER_PASSWORD}'", "password_file: password"),
        encoding="utf-8",
    )
    for _ in range(2):
        warned = _check(household)
        assert warned.returncode == 0
        assert "can be read by every user" in warned.stderr
    secret.chmod(0o600)  # the mode is part of what the answer rests on
    for _ in range(2):
        quiet = _check(household)
        assert (quiet.stdout, quiet.stderr) == ("ok\n", "")


def test_a_broken_or_unwritable_cache_only_costs_the_full_answer(
    household: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    decided = Decided(monkeypatch)
    first = _today(household, capsys, "--date", DAY.isoformat())
    [kept] = (household.parent / "answers").glob("*.json")
    kept.write_text('{"format": 1, "digest": [', encoding="utf-8")
    assert _today(household, capsys, "--date", DAY.isoformat()) == first
    assert decided.calls == 2
    blocked = household.parent / "blocked"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    monkeypatch.setenv(answers.CACHE_DIR_ENV, str(blocked / "answers"))
    for _ in range(2):
        assert _today(household, capsys, "--date", DAY.isoformat()) == first
    assert decided.calls == 4


def test_every_content_table_counts_the_revision(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db"):
        pass
    db = sqlite3.connect(tmp_path / "r.db")
    tables = {
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith("sqlite_")
    }
    # A new table is either content (and counted) or named here as derived.
    assert tables - set(CONTENT_TABLES) == {"store_revision", "row_versions", "column_blocks"}
    triggers = {
        (table, sql.split(" AFTER ")[1].split(" ")[0])
        for table, sql in db.execute(
            "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        )
        if "store_revision" in sql
    }
    assert triggers == {
        (table, event) for table in CONTENT_TABLES for event in ("INSERT", "UPDATE", "DELETE")
    }
    first = read_revision(tmp_path / "r.db")
    assert first is not None
    with db:
        db.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    with db:
        db.execute("UPDATE settings SET value = '2'")
    with db:
        db.execute("DELETE FROM settings")
    assert read_revision(tmp_path / "r.db") == (first.store_id, first.counter + 3)
    with db:  # nor is the daemon's bookkeeping: its sign of life at every store poll
        db.execute("INSERT INTO settings (key, value) VALUES ('daemon_alive_at', 'now')")
        db.execute("UPDATE settings SET value = 'later' WHERE key = 'daemon_alive_at'")
    assert read_revision(tmp_path / "r.db") == (first.store_id, first.counter + 3)
    with db:  # what is derived from the content is not content
        db.execute("INSERT INTO column_blocks VALUES ('alex', 'nights', 1, '{}', x'00')")
    assert read_revision(tmp_path / "r.db") == (first.store_id, first.counter + 3)
    db.close()
    with Store(tmp_path / "other.db"):
        pass
    other = read_revision(tmp_path / "other.db")
    assert other is not None
    assert other.store_id != first.store_id


def test_an_answer_given_again_imports_no_model_engine_or_renderer(household: Path) -> None:
    script = (
        "import sys\nfrom recoveryd.cli.main import main\n"
        f"status = main(['today', '--athlete', 'alex', '--config', {str(household)!r}])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'numpy', 'rich', "
        "'yaml'})\nprint(status, heavy, file=sys.stderr)\n"
    )
    env = {**os.environ}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        for _ in range(2)
    ]
    assert runs[0].stderr.strip() == "0 ['numpy', 'pydantic', 'rich', 'yaml']"
    assert runs[1].stderr.strip() == "0 []"
    assert runs[1].stdout == runs[0].stdout
    assert "Alex" in runs[1].stdout


def test_help_imports_no_model_engine_or_renderer() -> None:
    script = (
        "import sys, contextlib, io\nfrom recoveryd.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pydantic', 'numpy', 'rich', 'yaml', 'scipy'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "request_"),
    [
        (["today", "--athlete", "alex"], {"athlete": "alex", "date": None, "json": False}),
        (
            ["today", "--athlete=alex", "--json", "--date", "2026-03-04", "--config", "r.yaml"],
            {"athlete": "alex", "date": "2026-03-04", "json": True},
        ),
        (["today", "--json"], None),  # no athlete: the command says so itself
        (["today", "--athlete"], None),
        (["today", "--athlete", "alex", "--verbose-ish"], None),
        (["check-config", "r.yaml"], None),
    ],
)
def test_only_a_today_the_daemon_can_answer_is_asked_of_it(
    argv: list[str], request_: dict[str, object] | None
) -> None:
    assert asking.today_request(argv) == request_

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Field-by-field merging, provenance, the import journal and undo."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recoveryd.config.loader import load_config
from recoveryd.domain.models import NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.training import CompletedSession
from recoveryd.store.database import Store
from recoveryd.store.journal import JournalError, Origin

DAY = date(2026, 3, 4)
AT = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
GOOD = Night(
    "alex", DAY, "apple_health", hrv_sdnn_ms=48.0, rhr_bpm=53.0, sleep_total_min=431.0,
    sleep_deep_min=75.0, sleep_rem_min=90.0, sleep_light_min=266.0, sleep_awake_min=20.0,
)  # fmt: skip


def test_a_missing_value_never_replaces_a_stored_one(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        first = store.merge([GOOD], origin=Origin("apple-health", "good.xml", "alex"), at=AT)
        partial = Night("alex", DAY, "apple_health", hrv_sdnn_ms=50.0)
        second = store.merge([partial], origin=Origin("apple-health", "bad.xml", "alex"), at=AT)
        [stored] = store.nights("alex", DAY, DAY)
        provenance = store.provenance("alex", DAY)
    assert (first.new, first.changed, second.new, second.changed) == (1, 0, 0, 1)
    assert stored == replace(GOOD, hrv_sdnn_ms=50.0)
    assert provenance[("apple_health", "hrv_sdnn_ms")].label == "bad.xml"
    assert provenance[("apple_health", "rhr_bpm")].label == "good.xml"
    assert provenance[("apple_health", "rhr_bpm")].at == AT


def test_undo_restores_exactly_what_the_import_replaced(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        store.merge([GOOD], [CheckIn("alex", DAY, soreness=3)], origin=Origin("csv", "a.csv"))
        worse = Night("alex", DAY, "apple_health", rhr_bpm=60.0, sleep_deep_min=15.0)
        new_night = Night("alex", date(2026, 3, 5), "apple_health", rhr_bpm=55.0)
        session = CompletedSession("alex", DAY, "apple_health", "18:00", "running", 45.0)
        record = store.merge(
            [worse, new_night], [CheckIn("alex", DAY, soreness=1, mood=4)], [session],
            origin=Origin("apple-health", "b.xml", "alex", rows=9, rejected=2), at=AT,
        )  # fmt: skip
        assert (record.rows, record.new, record.changed, record.rejected) == (9, 2, 2, 2)
        changes = {(c.table, c.field): (c.before, c.after) for c in store.import_changes(record.id)}
        assert changes[("nights", "rhr_bpm")] in {(53.0, 60.0), (None, 55.0)}
        assert changes[("checkins", "soreness")] == (3, 1)
        result = store.undo_import(record.id)
        assert not result.kept
        assert store.nights("alex", DAY, date(2026, 3, 5)) == [GOOD]
        assert store.checkins("alex", DAY, DAY) == [CheckIn("alex", DAY, soreness=3)]
        assert store.sessions("alex", DAY, DAY) == []
        assert store.import_record(record.id).undone_at is not None
        with pytest.raises(JournalError, match="was undone"):
            store.undo_import(record.id)
        with pytest.raises(JournalError, match="no import 999"):
            store.undo_import(999)


def test_undo_keeps_what_changed_since(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        store.merge([GOOD], origin=Origin("csv", "a.csv"))
        middle = store.merge(
            [Night("alex", DAY, "apple_health", rhr_bpm=60.0, hrv_sdnn_ms=40.0)],
            [CheckIn("alex", DAY, mood=2)],
            origin=Origin("csv", "b.csv"),
        )
        later = Night("alex", DAY, "apple_health", rhr_bpm=58.0)
        store.merge([later], origin=Origin("csv", "c.csv"))
        assert store.set_checkin_item("alex", DAY, "mood", 5)  # the athlete answers now
        result = store.undo_import(middle.id)
        [stored] = store.nights("alex", DAY, DAY)
    assert stored.rhr_bpm == 58.0  # the later import's value stays
    assert stored.hrv_sdnn_ms == 48.0  # b.csv's own value goes back
    assert {(k.field, k.before, k.after) for k in result.kept} == {
        ("rhr_bpm", 60.0, 58.0), ("mood", 2, 5),
    }  # fmt: skip
    assert result.restored == 1


def test_an_import_that_changes_nothing_is_kept_only_when_asked(tmp_path: Path) -> None:
    with Store(tmp_path / "r.db") as store:
        store.merge([GOOD], origin=Origin("mqtt", "night over MQTT"))
        quiet = store.merge([GOOD], origin=Origin("mqtt", "night over MQTT"))
        kept = store.merge([GOOD], origin=Origin("csv", "again.csv", keep_empty=True))
        assert quiet.id == 0
        assert [r.label for r in store.imports()] == ["again.csv", "night over MQTT"]
        assert (kept.new, kept.changed, kept.rows) == (0, 0, 1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # day
                st.sampled_from(NIGHT_METRICS[:4]),
                st.none() | st.floats(30, 90).map(lambda v: round(v, 1)),
            ),
            max_size=6,
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_undoing_imports_newest_first_restores_every_earlier_state(
    tmp_path_factory: pytest.TempPathFactory,
    imports: list[list[tuple[int, str, float | None]]],
) -> None:
    path = tmp_path_factory.mktemp("journal") / "r.db"
    with Store(path) as store:
        states = [_state(store)]
        ids = []
        for batch in imports:
            nights = [
                Night("alex", date(2026, 3, 1 + d), "oura", **{metric: value})
                for d, metric, value in batch
            ]
            ids.append(store.merge(nights, origin=Origin("csv", "x", keep_empty=True)).id)
            states.append(_state(store))
        for n in range(len(ids), 0, -1):
            store.undo_import(ids[n - 1])
            assert _state(store) == states[n - 1]


def _state(store: Store) -> list[Night]:
    return store.nights("alex", date(2026, 3, 1), date(2026, 3, 3))


def test_imports_and_undo_on_the_command_line(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    # Far from UTC, so that a time shown in UTC would not pass for the household's.
    cli_config(
        "household: {timezone: Pacific/Kiritimati}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n"
    )
    good = tmp_path / "good.csv"
    good.write_text(
        "date,source,rhr_bpm,hrv_rmssd_ms,checkin_mood\n2026-03-04,oura,53,60,4\n",
        encoding="utf-8",
    )
    partial = tmp_path / "partial.csv"
    partial.write_text(
        "date,source,rhr_bpm,hrv_rmssd_ms\n2026-03-04,oura,,64\n2026-03-05,whoop,50,70\n"
        "2026-03-06,oura,abc,61\n",
        encoding="utf-8",
    )
    assert main(["import", "csv", str(good), "--athlete", "alex"]) == 0
    assert main(["import", "csv", str(partial), "--athlete", "alex"]) == 1
    out = capsys.readouterr()
    assert "(import 2)" in out.out
    assert (
        "note: whoop: 1 nights stored (last 2026-03-05), not in alex's sources (oura); add it "
        "there to use them" in out.out
    )
    assert main(["today", "--athlete", "alex", "--date", "2026-03-06"]) == 0
    assert "Note: whoop: 1 nights stored (last 2026-03-05), not in alex's sources" in (
        capsys.readouterr().out.replace("\n", " ")
    )
    assert main(["imports", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["kind"], i["new"], i["changed"], i["rejected"]) for i in listed] == [
        (2, "csv", 1, 1, 1), (1, "csv", 2, 0, 0),  # import 1: a night and a check-in
    ]  # fmt: skip
    assert main(["imports", "2"]) == 0
    shown = capsys.readouterr().out
    assert "nights alex 2026-03-04 oura: hrv_rmssd_ms 60 -> 64" in shown
    assert "2026-03-04 oura: rhr_bpm" not in shown  # the blank resting HR wrote nothing
    assert main(["imports", "--night", "2026-03-04", "--athlete", "alex", "--json"]) == 0
    provenance = {(v["metric"], v["value"]): v["import"]["id"] for v in json.loads(
        capsys.readouterr().out)}  # fmt: skip
    assert provenance == {("hrv_rmssd_ms", 64.0): 2, ("rhr_bpm", 53.0): 1, ("mood", 4): 1}
    assert main(["imports", "--night", "2026-03-04", "--athlete", "alex"]) == 0
    shown_night = capsys.readouterr().out
    assert "rhr_bpm" in shown_night
    assert "check-in         mood" in shown_night
    assert main(["imports", "--night", "2026-03-04"]) == 2
    assert capsys.readouterr().err == "imports --night needs --athlete\n"
    assert main(["undo-import", "2"]) == 0
    assert "3 values restored" in capsys.readouterr().out
    with Store(tmp_path / "r.db") as store:
        assert store.nights("alex", date(2026, 3, 4), date(2026, 3, 6)) == [
            Night("alex", date(2026, 3, 4), "oura", hrv_rmssd_ms=60.0, rhr_bpm=53.0)
        ]
    assert main(["undo-import", "2"]) == 1
    refused = capsys.readouterr().err
    assert "import 2 was undone at" in refused
    # In the household's time, as `recoveryd imports` lists it.
    assert main(["imports", "--json"]) == 0
    undone = datetime.fromisoformat(json.loads(capsys.readouterr().out)[0]["undone_at"])
    zone = load_config(None).zone
    assert refused == f"import 2 was undone at {undone.astimezone(zone):%Y-%m-%d %H:%M}\n"


def test_a_session_rated_after_its_import_outlives_the_undo(tmp_path: Path) -> None:
    session = CompletedSession("alex", DAY, "apple_health", "18:00", "running", 45.0)
    with Store(tmp_path / "r.db") as store:
        record = store.merge(sessions=[session], origin=Origin("apple-health", "a.xml"))
        rated = store.rate_last_session("alex", 7.0)
        result = store.undo_import(record.id)
        assert store.sessions("alex", DAY, DAY) == [rated]
    assert {k.field for k in result.kept} == {"sport", "duration_min"}


def test_a_stored_session_changes_field_by_field_and_undo_restores_it(tmp_path: Path) -> None:
    day = date(2026, 3, 4)
    first = CompletedSession("alex", day, "manual", "18:00", "run", 45.0, rpe=6.0)
    with Store(tmp_path / "r.db") as store:
        store.upsert(sessions=[first], origin=Origin("manual", "log-session", "alex"))
        # The same session again with a longer duration and no sport change: one field moves.
        longer = replace(first, duration_min=50.0, rpe=None)
        record = store.merge(sessions=[longer], origin=Origin("csv", "sessions.csv", "alex"))
        assert store.sessions("alex", day, day) == [replace(first, duration_min=50.0)]
        assert (record.new, record.changed) == (0, 1)
        store.undo_import(record.id)
        assert store.sessions("alex", day, day) == [first]

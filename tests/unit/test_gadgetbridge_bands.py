# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Huami, Zepp OS and Xiaomi bands in a Gadgetbridge export, read as Gadgetbridge reads them."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from recoveryd.integrations.wearables.gadgetbridge import (
    GadgetbridgeError,
    import_database,
    parse_database,
)
from recoveryd.integrations.wearables.gadgetbridge_bands import family
from recoveryd.store.database import Store

from tests import gadgetbridge_bands_db as gb

WAKE = (date(2026, 3, 4), date(2026, 3, 5))


def night_values(parsed_night: object) -> dict[str, float | None]:
    return {k: getattr(parsed_night, k) for k in gb.expected()}


def test_a_mi_band_6_night_has_no_rem_and_its_sleeping_heart_rate(tmp_path: Path) -> None:
    path = tmp_path / "Gadgetbridge"
    planned = gb.minutes(WAKE, nap=True)
    with gb.create(path, [("Mi Smart Band 6", "MIBAND6", 37)]) as db:
        gb.huami_legacy(db, 1, planned)
    parsed = parse_database(path, "alex", gb.BERLIN)
    assert (parsed.errors, parsed.source, parsed.device) == ((), "gadgetbridge_huami",
                                                             "Mi Smart Band 6")  # fmt: skip
    assert [n.date for n in parsed.nights] == list(WAKE)  # the naps are no nights
    asleep = [
        gb.heart_rate(k, m.stage) for k, m in enumerate(planned)
        if m.stage in {"light", "deep", "rem"} and gb.heart_rate(k, m.stage) != 255
        and m.at < gb.minutes([WAKE[0]])[-1].at
    ]  # fmt: skip
    first = parsed.nights[0]
    assert night_values(first) == gb.expected(rem=False)
    assert first.rhr_bpm == round(statistics.fmean(asleep), 1)
    assert (first.hrv_rmssd_ms, first.spo2_pct) == (None, None)


def test_a_zepp_os_night_with_its_measures(tmp_path: Path) -> None:
    path = tmp_path / "Gadgetbridge"
    with gb.create(path, [("Amazfit GTR 4", "AMAZFITGTR4", 0)]) as db:
        gb.zepp(db, 1, gb.minutes(WAKE))
        measures = gb.zepp_measures(db, 1, WAKE[0])
    parsed = parse_database(path, "alex", gb.BERLIN)
    assert parsed.errors == ()
    first = parsed.nights[0]
    assert (first.date, first.source) == (WAKE[0], "gadgetbridge_zepp")
    assert night_values(first) == gb.expected()
    assert {k: getattr(first, k) for k in measures} == measures


def test_the_bands_own_sleep_session_replaces_the_minute_guess(tmp_path: Path) -> None:
    path = tmp_path / "Gadgetbridge"
    session = (("deep", 40), *gb.PLAN[1:])  # the band staged the first 40 minutes as deep
    with gb.create(path, [("Amazfit Band 7", "", 10045)]) as db:  # an old device: TYPE only
        gb.zepp(db, 1, gb.minutes(WAKE[:1]))
        gb.zepp_session(db, 1, WAKE[0], session)
    [night] = parse_database(path, "alex", gb.BERLIN).nights
    assert night.sleep_deep_min == gb.expected()["sleep_deep_min"] + 40  # type: ignore[operator]
    assert night.sleep_light_min == gb.expected()["sleep_light_min"] - 40  # type: ignore[operator]


def test_a_xiaomi_band_8_night_with_resting_hr_spo2_and_hrv_from_its_beats(
    tmp_path: Path,
) -> None:
    path = tmp_path / "Gadgetbridge"
    planned = gb.minutes(WAKE[:1])
    with gb.create(path, [("Xiaomi Smart Band 8 1A2B", "MIBAND8", 0)]) as db:
        measures = gb.xiaomi(db, 1, planned, WAKE[0])
    parsed = parse_database(path, "alex", gb.BERLIN)
    assert parsed.errors == ()
    [night] = parsed.nights
    assert (night.date, night.source) == (WAKE[0], "gadgetbridge_xiaomi")
    assert night_values(night) == gb.expected()
    assert {k: getattr(night, k) for k in measures} == measures


def test_several_bands_need_device_and_an_unknown_family_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "Gadgetbridge"
    with gb.create(path, [("Mi Smart Band 6", "MIBAND6", 37), ("Bangle.js 2", "BANGLEJS", 0),
                          ("Amazfit GTR 4", "AMAZFITGTR4", 0)]) as db:  # fmt: skip
        gb.huami_legacy(db, 1, gb.minutes(WAKE[:1]))
        gb.zepp(db, 3, gb.minutes(WAKE[:1]))
        db.execute('INSERT INTO "BANGLE_JSACTIVITY_SAMPLE" VALUES (1, 2, 1, 0, 0, 1, 60)')
    with pytest.raises(GadgetbridgeError) as caught:
        parse_database(path, "alex", gb.BERLIN)
    assert str(caught.value) == (
        "Gadgetbridge: nights of several devices (Amazfit GTR 4, Mi Smart Band 6); choose one "
        "with --device"
    )
    assert parse_database(path, "alex", gb.BERLIN, device="Amazfit GTR 4").source == (
        "gadgetbridge_zepp"
    )
    with pytest.raises(GadgetbridgeError) as caught:
        parse_database(path, "alex", gb.BERLIN, device="Bangle.js 2")
    assert str(caught.value) == (
        "Gadgetbridge: Bangle.js 2 (BANGLEJS) is a kind of device recoveryd does not read yet; "
        "it reads Garmin watches, Huami/Amazfit/Mi Band and Xiaomi bands; nothing stored"
    )


def test_bad_rows_are_one_line_each_and_the_rest_is_read(tmp_path: Path) -> None:
    path = tmp_path / "Gadgetbridge"
    planned = gb.minutes(WAKE[:1])
    with gb.create(path, [("Mi Smart Band 6", "MIBAND6", 37)]) as db:
        gb.huami_legacy(db, 1, planned)
        db.execute(
            'UPDATE "MI_BAND_ACTIVITY_SAMPLE" SET "RAW_KIND" = \'deep\' WHERE "TIMESTAMP" = ?',
            (planned[0].at,),
        )
    parsed = parse_database(path, "alex", gb.BERLIN)
    assert parsed.errors == (
        f"Gadgetbridge: MI_BAND_ACTIVITY_SAMPLE at TIMESTAMP {planned[0].at}: RAW_KIND 'deep' "
        "is not a whole number",
    )
    assert night_values(parsed.nights[0]) == gb.expected(rem=False)


@pytest.mark.parametrize(
    ("type_name", "number", "expected"),
    [("MIBAND7", 0, "zepp"), ("MIBAND7PRO", 0, "xiaomi"), ("", 37, "huami"),
     ("UNKNOWN", 10054, "zepp"), ("AMAZFITBIP3", 0, "huami"), ("PEBBLE", 0, None)],
)  # fmt: skip
def test_families_by_type_name_or_old_number(
    type_name: str, number: int, expected: str | None
) -> None:
    assert family(type_name, number) == expected


def test_the_import_command_names_the_band_source(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config("athletes: [{id: alex, name: Alex, sources: [gadgetbridge_xiaomi]}]\n")
    path = tmp_path / "Gadgetbridge"
    with gb.create(path, [("Xiaomi Smart Band 8 1A2B", "MIBAND8", 0)]) as db:
        gb.xiaomi(db, 1, gb.minutes(WAKE[:1]), WAKE[0])
    assert main(["import", "gadgetbridge", str(path), "--athlete", "alex"]) == 0
    assert "1 nights as source gadgetbridge_xiaomi, 1 new or changed" in capsys.readouterr().out
    with Store(tmp_path / "r.db") as store:
        assert [n.source for n in store.nights("alex", WAKE[0], WAKE[0])] == ["gadgetbridge_xiaomi"]


def test_a_later_export_without_some_tables_loses_nothing(tmp_path: Path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    with gb.create(first, [("Amazfit GTR 4", "AMAZFITGTR4", 0)]) as db:
        gb.zepp(db, 1, gb.minutes(WAKE[:1]))
        gb.zepp_measures(db, 1, WAKE[0])
    with gb.create(later, [("Amazfit GTR 4", "AMAZFITGTR4", 0)]) as db:
        gb.zepp(db, 1, gb.minutes(WAKE[:1]))  # the minutes again; no resting HR, SpO2, HRV
        db.execute(
            'UPDATE "HUAMI_EXTENDED_ACTIVITY_SAMPLE" SET "HEART_RATE" = \'x\' WHERE "TIMESTAMP" = '
            '(SELECT min("TIMESTAMP") FROM "HUAMI_EXTENDED_ACTIVITY_SAMPLE")'
        )
    with Store(tmp_path / "r.db") as store:
        import_database(store, first, "alex", gb.BERLIN)
        [before] = store.nights("alex", WAKE[0], WAKE[0])
        parsed, again = import_database(store, later, "alex", gb.BERLIN)
        [after] = store.nights("alex", WAKE[0], WAKE[0])
    assert before.rhr_bpm == 52.0
    assert after == before
    assert again.touched == 0
    [line] = parsed.errors
    assert "HUAMI_EXTENDED_ACTIVITY_SAMPLE at TIMESTAMP" in line
    assert line.endswith("HEART_RATE 'x' is not a whole number")
    assert [n.sleep_total_min for n in parsed.nights] == [before.sleep_total_min]

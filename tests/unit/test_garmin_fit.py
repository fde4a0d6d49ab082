# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Garmin FIT files written by fit-tool (a real FIT encoder) and read back by the importer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.hrv_message import HrvMessage
from fit_tool.profile.messages.hrv_status_summary_message import HrvStatusSummaryMessage
from fit_tool.profile.messages.hrv_value_message import HrvValueMessage
from fit_tool.profile.messages.monitoring_hr_data_message import MonitoringHrDataMessage
from fit_tool.profile.messages.respiration_rate_message import RespirationRateMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.messages.skin_temp_overnight_message import SkinTempOvernightMessage
from fit_tool.profile.messages.sleep_level_message import SleepLevelMessage
from fit_tool.profile.profile_type import EventType, FileType, Manufacturer, SleepLevel, Sport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recoveryd.domain.models import Night
from recoveryd.engine.hrv import analyse
from recoveryd.integrations.wearables.garmin_fit import (
    READING_SOURCE,
    SLEEP_EVENT,
    SOURCE,
    fit_files,
    import_files,
    parse_files,
)
from recoveryd.store.database import Store

from tests.conftest import fuzz_examples

BERLIN = ZoneInfo("Europe/Berlin")
MORNING = date(2026, 3, 4)
# 23:00 Berlin on the 3rd is 22:00 UTC.
BEDTIME = datetime(2026, 3, 3, 22, 0, tzinfo=UTC)
FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in Unix seconds


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def fit(path: Path, messages: list[object]) -> Path:
    builder = FitFileBuilder(auto_define=True)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.time_created = ms(BEDTIME)
    builder.add(file_id)
    for message in messages:
        builder.add(message)
    path.write_bytes(builder.build().to_bytes())
    return path


def sleep_event(moment: datetime, kind: EventType) -> EventMessage:
    event = EventMessage()
    event.timestamp = ms(moment)
    event.event = SLEEP_EVENT
    event.event_type = kind
    return event


def stage(moment: datetime, level: SleepLevel) -> SleepLevelMessage:
    message = SleepLevelMessage()
    message.timestamp = ms(moment)
    message.sleep_level = level
    return message


def sleep_night(start: datetime = BEDTIME, *, with_start: bool = True) -> list[object]:
    """90 min light, 60 deep, 30 REM, 10 awake, 120 light, 40 REM; 06:30 Berlin at the end."""
    messages: list[object] = [sleep_event(start, EventType.START)] if with_start else []
    at = start
    for minutes, level in [(90, SleepLevel.LIGHT), (60, SleepLevel.DEEP), (30, SleepLevel.REM),
                           (10, SleepLevel.AWAKE), (120, SleepLevel.LIGHT), (40, SleepLevel.REM),
                           (80, SleepLevel.LIGHT)]:  # fmt: skip
        at += timedelta(minutes=minutes)
        messages.append(stage(at, level))  # the timestamp ends the stage it names
    messages.append(sleep_event(at, EventType.STOP))
    return messages


def hrv_summary(moment: datetime, last_night: float) -> HrvStatusSummaryMessage:
    message = HrvStatusSummaryMessage()
    message.timestamp = ms(moment)
    message.last_night_average = last_night
    message.weekly_average = 70.0  # a 7-day mean: must not become the night's value
    return message


def resting(day_utc_midnight: datetime, today: int, rolling: int) -> MonitoringHrDataMessage:
    message = MonitoringHrDataMessage()
    message.timestamp = ms(day_utc_midnight)
    message.current_day_resting_heart_rate = today
    message.resting_heart_rate = rolling
    return message


def skin(local_wall_clock: datetime, deviation: float) -> SkinTempOvernightMessage:
    message = SkinTempOvernightMessage()
    message.timestamp = ms(local_wall_clock - timedelta(hours=1))
    message.local_timestamp = int(local_wall_clock.replace(tzinfo=UTC).timestamp()) - FIT_EPOCH
    message.average_deviation = deviation
    return message


def breathing(moment: datetime, rate: float) -> RespirationRateMessage:
    message = RespirationRateMessage()
    message.timestamp = ms(moment)
    message.respiration_rate = rate
    return message


def run(start: datetime, minutes: float, avg_hr: int) -> SessionMessage:
    message = SessionMessage()
    message.timestamp = ms(start + timedelta(minutes=minutes + 5))
    message.start_time = ms(start)
    message.total_timer_time = minutes * 60
    message.total_elapsed_time = (minutes + 5) * 60  # a pause: not training
    message.avg_heart_rate = avg_hr
    message.sport = Sport.RUNNING
    return message


def full_night(tmp_path: Path) -> list[Path]:
    """A sleep file, a monitoring file and an activity file, as a watch writes them."""
    wake = BEDTIME + timedelta(minutes=430)
    wall_clock = datetime(2026, 3, 4, 6, 40, tzinfo=UTC).replace(tzinfo=None)
    sleep = [
        *sleep_night(),
        hrv_summary(wake + timedelta(minutes=5), 62.5),
        skin(wall_clock, -0.31),
    ]
    monitor = [
        resting(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), 47, 50),  # midnight Berlin
        breathing(BEDTIME + timedelta(hours=2), 14.0),
        breathing(BEDTIME + timedelta(hours=4), 15.0),
        breathing(BEDTIME - timedelta(hours=3), 22.0),  # evening, awake: not the night's
    ]
    return [
        fit(tmp_path / "sleep.fit", sleep),
        fit(tmp_path / "monitor.fit", monitor),
        fit(tmp_path / "run.fit", [run(datetime(2026, 3, 4, 16, 30, tzinfo=UTC), 45, 151)]),
    ]


def test_a_night_from_a_watch_s_files(tmp_path: Path) -> None:
    parsed = parse_files(full_night(tmp_path), "alex", BERLIN)
    assert parsed.errors == ()
    assert parsed.files == 3
    (night,) = parsed.nights
    assert (night.date, night.source) == (MORNING, SOURCE)
    assert night.sleep_light_min == 90 + 120 + 80
    assert (night.sleep_deep_min, night.sleep_rem_min, night.sleep_awake_min) == (60, 70, 10)
    assert night.sleep_total_min == 90 + 60 + 30 + 120 + 40 + 80
    assert night.hrv_rmssd_ms == 62.5
    assert night.hrv_sdnn_ms is None
    assert night.rhr_bpm == 47  # today's, not the 7-day average
    assert night.skin_temp_dev_c == -0.31
    assert night.resp_rate == 14.5  # the evening's 22 is outside the sleep window
    (session,) = parsed.sessions
    assert (session.date, session.start, session.sport) == (MORNING, "17:30", "running")
    assert (session.duration_min, session.avg_hr, session.source) == (45.0, 151.0, SOURCE)


def test_without_a_start_event_the_first_stage_has_no_start(tmp_path: Path) -> None:
    path = fit(tmp_path / "sleep.fit", sleep_night(with_start=False))
    (night,) = parse_files([path], "alex", BERLIN).nights
    assert night.sleep_light_min == 120 + 80  # the first 90 min of light sleep are not known
    assert night.sleep_total_min == 60 + 30 + 120 + 40 + 80


def test_the_night_s_five_minute_values_without_a_summary(tmp_path: Path) -> None:
    values = []
    for i, rmssd in enumerate([40.0, 50.0, 60.0]):
        message = HrvValueMessage()
        message.timestamp = ms(BEDTIME + timedelta(hours=1, minutes=5 * i))
        message.value = rmssd
        values.append(message)
    (night,) = parse_files([fit(tmp_path / "hrv.fit", values)], "alex", BERLIN).nights
    assert night.hrv_rmssd_ms == 50.0


def test_nights_are_dated_in_the_household_s_zone(tmp_path: Path) -> None:
    # 22:00 UTC to 05:10 UTC is 17:00-00:10 in New York: it ends on the 4th, before noon.
    new_york = ZoneInfo("America/New_York")
    path = fit(tmp_path / "sleep.fit", sleep_night(datetime(2026, 3, 4, 3, 0, tzinfo=UTC)))
    (night,) = parse_files([path], "alex", new_york).nights
    assert night.date == MORNING
    # Midnight in New York is 05:00 UTC: the resting HR names the day of that midnight.
    rhr = fit(tmp_path / "m.fit", [resting(datetime(2026, 3, 4, 5, 0, tzinfo=UTC), 52, 50)])
    (day,) = parse_files([rhr], "alex", new_york).nights
    assert (day.date, day.rhr_bpm) == (MORNING, 52)


def test_import_is_idempotent_and_reports_progress(tmp_path: Path) -> None:
    paths = full_night(tmp_path)
    seen: list[tuple[int, int]] = []
    with Store(tmp_path / "r.db") as store:
        first, changed = import_files(
            store, fit_files([tmp_path]), "alex", BERLIN,
            progress=lambda done, total: seen.append((done, total)),
        )  # fmt: skip
        assert changed.touched == 2  # one night, one session
        _, again = import_files(store, paths, "alex", BERLIN)
        assert again.touched == 0
        assert store.nights("alex", MORNING, MORNING) == list(first.nights)
        assert store.sessions("alex", MORNING, MORNING) == list(first.sessions)
    total = sum(p.stat().st_size for p in paths)
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_damaged_file_adds_nothing_and_the_others_are_read(tmp_path: Path) -> None:
    sleep, monitor, activity = full_night(tmp_path)
    whole = sleep.read_bytes()
    sleep.write_bytes(whole[: len(whole) // 2])
    flipped = bytearray(activity.read_bytes())
    flipped[len(flipped) // 2] ^= 0xFF
    activity.write_bytes(bytes(flipped))
    (tmp_path / "notes.fit").write_text("not a FIT file", encoding="utf-8")
    parsed = parse_files([sleep, monitor, activity, tmp_path / "notes.fit"], "alex", BERLIN)
    assert [line.split(":")[0] for line in parsed.errors] == ["sleep.fit", "run.fit", "notes.fit"]
    assert all("not a readable FIT file at byte" in line for line in parsed.errors)
    assert all("\n" not in line for line in parsed.errors)
    (night,) = parsed.nights
    assert night.rhr_bpm == 47
    assert night.sleep_total_min is None  # nothing from the truncated sleep file
    assert night.resp_rate is None  # no sleep window known
    assert parsed.sessions == ()


def test_an_implausible_value_is_left_out_and_named(tmp_path: Path) -> None:
    implausible = hrv_summary(BEDTIME + timedelta(hours=8), 400.0)
    path = fit(tmp_path / "sleep.fit", [*sleep_night(), implausible])
    parsed = parse_files([path], "alex", BERLIN)
    assert parsed.errors == (
        "garmin fit: night 2026-03-04: hrv_rmssd_ms 400 is outside 3-300; left out",
    )
    (night,) = parsed.nights
    assert night.hrv_rmssd_ms is None
    assert night.sleep_total_min == 420


def test_a_record_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    odd = SleepLevelMessage()
    odd.timestamp = ms(BEDTIME + timedelta(minutes=20))
    odd.sleep_level = 9  # not a level the profile knows
    path = fit(tmp_path / "sleep.fit", [sleep_event(BEDTIME, EventType.START), odd])
    parsed = parse_files([path], "alex", BERLIN)
    assert parsed.errors == (
        "sleep.fit: message 3 (sleep_level): sleep_level 9 is not one of "
        "awake, light, deep, rem, unmeasurable",
    )


@pytest.mark.fuzz
@settings(
    max_examples=fuzz_examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_damaged_bytes_never_raise(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "f.fit"
    whole = (tmp_path / "good.fit").read_bytes() if (tmp_path / "good.fit").exists() else b""
    if not whole:
        whole = fit(tmp_path / "good.fit", [*sleep_night(), run(BEDTIME, 30, 140)]).read_bytes()
    damaged = bytearray(whole)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(damaged)))
    path.write_bytes(bytes(damaged[:cut]))
    parsed = parse_files([path], "alex", BERLIN)
    assert all("\n" not in line for line in parsed.errors)
    if parsed.errors and "not a readable FIT file" in parsed.errors[0]:
        assert parsed.nights == ()
        assert parsed.sessions == ()


def test_garmin_fit_command(
    tmp_path: Path, cli_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from recoveryd.cli.main import main  # noqa: PLC0415

    cli_config(
        "household: {timezone: Europe/Berlin}\n"
        "athletes: [{id: alex, name: Alex, sources: [garmin_fit]}]\n"
    )
    folder = tmp_path / "garmin"
    folder.mkdir()
    full_night(folder)
    assert main(["import", "garmin-fit", str(folder), "--athlete", "alex"]) == 0
    assert capsys.readouterr().out == (
        "garmin fit: 3 files, 19 messages, 1 nights and 1 workouts as source garmin_fit, "
        "2 new or changed, 0 rejected (import 1)\n"
    )
    assert main(["import", "garmin-fit", str(tmp_path / "missing"), "--athlete", "alex"]) == 1
    assert capsys.readouterr().err == f"{tmp_path / 'missing'}: no such file or folder\n"


def hrv_messages(rr_ms: list[float]) -> list[object]:
    """``hrv`` messages of five intervals each, as Garmin writes them (seconds, 0xFFFF pad)."""
    messages: list[object] = []
    for k in range(0, len(rr_ms), 5):
        chunk = [v / 1000.0 for v in rr_ms[k : k + 5]]
        message = HrvMessage()
        message.time = chunk + [65.535] * (5 - len(chunk))
        messages.append(message)
    return messages


def snapshot(start: datetime, rr_ms: list[float], *, distance: float | None = None) -> list[object]:
    """A 2-minute HRV recording: a generic session and its beat-to-beat intervals."""
    session = SessionMessage()
    session.start_time = ms(start)
    session.timestamp = ms(start + timedelta(minutes=2))
    session.total_timer_time = sum(rr_ms) / 1000.0
    session.sport = Sport.GENERIC
    if distance is not None:
        session.total_distance = distance
    return [*hrv_messages(rr_ms), session]


def test_a_morning_hrv_recording_is_a_reading_not_a_workout(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rr = list(np.round(1000.0 + 15.0 * np.sin(np.arange(150)) + rng.normal(0, 8, 150), 0))
    wake = datetime(2026, 3, 4, 5, 30, tzinfo=UTC)  # 06:30 in Berlin
    path = fit(tmp_path / "snapshot.fit", snapshot(wake, rr))
    with Store(tmp_path / "r.db") as store:
        parsed, record = import_files(store, [path], "alex", BERLIN)
        [stored] = store.morning_readings("alex", MORNING, MORNING)
        [night] = store.nights("alex", MORNING, MORNING)
    assert parsed.errors == ()
    assert parsed.sessions == ()  # not a 2-minute "generic" workout
    [reading] = parsed.readings
    expected = analyse(rr)
    assert reading == stored
    assert (reading.source, reading.date, reading.beats) == (READING_SOURCE, MORNING, 150)
    assert reading.recorded_at == datetime(2026, 3, 4, 6, 30, tzinfo=BERLIN)
    assert reading.rmssd_ms == round(expected.metrics.rmssd_ms, 2)
    assert reading.good
    assert night == Night("alex", MORNING, READING_SOURCE, hrv_rmssd_ms=reading.rmssd_ms,
                          rhr_bpm=reading.mean_hr_bpm)  # fmt: skip
    assert record.touched == 1


def test_a_doubtful_morning_recording_is_kept_but_moves_no_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rr = list(np.round(1000.0 + 15.0 * np.sin(np.arange(150)) + rng.normal(0, 8, 150), 0))
    rr[40] = 480.0  # one premature beat and its compensatory pause
    rr[41] = 1520.0
    path = fit(tmp_path / "snapshot.fit", snapshot(datetime(2026, 3, 4, 5, 30, tzinfo=UTC), rr))
    with Store(tmp_path / "r.db") as store:
        parsed, _ = import_files(store, [path], "alex", BERLIN)
        [stored] = store.morning_readings("alex", MORNING, MORNING)
        assert store.nights("alex", MORNING, MORNING) == []
    expected = analyse(rr)
    assert expected.artefacts.total > 0  # the ectopic pair was corrected
    assert stored == parsed.readings[0]
    assert (stored.good, stored.quality) == (False, expected.quality_reasons)
    assert stored.corrected_pct == round(expected.corrected_pct, 2)


def test_hrv_logged_during_a_run_is_not_a_morning_reading(tmp_path: Path) -> None:
    rr = [450.0, 455.0, 448.0, 452.0] * 30
    start = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    path = fit(tmp_path / "run.fit", snapshot(start, rr, distance=1500.0))
    parsed = parse_files([path], "alex", BERLIN)
    assert parsed.readings == ()
    [session] = parsed.sessions
    assert session.sport == "generic"
    assert parsed.errors == ()


def test_a_recording_too_short_for_hrv_is_one_line(tmp_path: Path) -> None:
    path = fit(tmp_path / "short.fit", snapshot(datetime(2026, 3, 4, 5, 30, tzinfo=UTC), [900.0]))
    parsed = parse_files([path], "alex", BERLIN)
    assert parsed.readings == ()
    assert parsed.sessions == ()
    [line] = parsed.errors
    assert line.startswith("short.fit: the HRV recording gives no reading: only 1 of 1 intervals")


def test_a_partly_damaged_import_over_good_data_loses_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    paths = full_night(good)
    later = tmp_path / "later"
    later.mkdir()
    sleep, monitor, _ = full_night(later)
    whole = sleep.read_bytes()
    sleep.write_bytes(whole[: len(whole) // 2])  # the sleep file broke in the copy
    newer = [resting(datetime(2026, 3, 3, 23, 0, tzinfo=UTC), 49, 50)]
    monitor = fit(monitor, newer)  # only the resting HR, and another one
    with Store(tmp_path / "r.db") as store:
        import_files(store, paths, "alex", BERLIN)
        [before] = store.nights("alex", MORNING, MORNING)
        parsed, record = import_files(store, [sleep, monitor], "alex", BERLIN)
        [after] = store.nights("alex", MORNING, MORNING)
    assert parsed.errors[0].startswith("sleep.fit: not a readable FIT file at byte")
    assert after == replace(before, rhr_bpm=49.0)  # sleep, HRV, skin, breathing all stay
    assert (record.new, record.changed) == (0, 1)

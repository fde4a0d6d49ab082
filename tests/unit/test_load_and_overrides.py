# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Training load against hand computations; check-ins; user overrides; the form gate."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from recoveryd.cli.main import main
from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range, inputs_digest
from recoveryd.domain.columns import SessionColumns
from recoveryd.domain.models import CheckIn, DayPlan, Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.engine import History, decide_days
from recoveryd.engine.load import HeartRateZones, Sex, daily_loads, load_series, session_rpe, trimp
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END
from tests.unit.test_engine import DAY, START, full_history

ZONES = HeartRateZones(rest_bpm=50, max_bpm=190, sex=Sex.MALE)


def test_session_rpe_and_trimp_by_hand() -> None:
    assert session_rpe(60, 7) == 420
    reserve = (150 - 50) / (190 - 50)
    assert trimp(60, 150, ZONES) == pytest.approx(60 * reserve * 0.64 * math.exp(1.92 * reserve))
    female = replace(ZONES, sex=Sex.FEMALE)
    assert trimp(60, 150, female) == pytest.approx(60 * reserve * 0.86 * math.exp(1.67 * reserve))
    assert trimp(60, 40, ZONES) == 0  # below rest counts as no effort
    with pytest.raises(ValueError, match="maximal heart rate must be above"):
        trimp(60, 150, HeartRateZones(190, 150, Sex.MALE))


def test_daily_loads_use_one_unit_per_series() -> None:
    day = date(2026, 3, 1)
    with_hr = [
        CompletedSession("a", day, "s", "07:00", "run", 60, 7, 150),
        CompletedSession("a", day, "s", "18:00", "run", 30, 4, 130),
    ]
    loads, unit = daily_loads(SessionColumns.of(with_hr), day, 2, ZONES)
    assert unit == "trimp"
    assert loads[0] == pytest.approx(trimp(60, 150, ZONES) + trimp(30, 130, ZONES))
    assert loads[1] == 0
    mixed = [*with_hr, CompletedSession("a", day, "s", "20:00", "gym", 40, 6)]
    loads, unit = daily_loads(SessionColumns.of(mixed), day, 1, ZONES)
    assert unit == "srpe"
    assert loads[0] == 420 + 120 + 240
    assert daily_loads(SessionColumns.of(with_hr), day, 1, None)[1] == "srpe"


def test_fitness_fatigue_form_and_ratio_by_hand() -> None:
    loads = np.array([100.0, 0, 50, 80, 0, 0, 120, 60, 0, 90])
    series = load_series(loads, "trimp")
    k_ctl, k_atl = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)
    ctl = atl = acute = chronic = 0.0
    for i, load in enumerate(loads):
        tsb = ctl - atl  # today's form is yesterday's fitness minus fatigue
        assert series.tsb[i] == pytest.approx(tsb)
        if ctl > 0:
            assert series.form_pct[i] == pytest.approx(100 * tsb / ctl)
        ctl += k_ctl * (load - ctl)
        atl += k_atl * (load - atl)
        acute += 0.25 * (load - acute)  # lambda = 2 / (7 + 1)
        chronic += (2 / 29) * (load - chronic)  # lambda = 2 / (28 + 1)
        assert series.ctl[i] == pytest.approx(ctl)
        assert series.atl[i] == pytest.approx(atl)
        assert series.acwr[i] == pytest.approx(acute / chronic)
    week = loads[-7:]
    assert series.monotony[-1] == pytest.approx(week.mean() / week.std(ddof=1))
    assert series.strain[-1] == pytest.approx(week.sum() * week.mean() / week.std(ddof=1))
    assert math.isnan(series.form_pct[0])


def sessions_every_day(load_rpe: float, days: int, minutes: float = 60) -> list[CompletedSession]:
    return [
        CompletedSession("alex", START - timedelta(days=200 - i), "s", "", "run", minutes, load_rpe)
        for i in range(days)
    ]


def test_deep_fatigue_holds_back_progressive_overload() -> None:
    base = full_history()  # a steady history that earns progressive overload
    steady = sessions_every_day(5, 200 + 61)
    # The last ten days before the decision: a crash block, twice the duration at RPE 9.
    crash = [
        replace(s, duration_min=150, rpe=9) if DAY - timedelta(days=10) <= s.date < DAY else s
        for s in steady
    ]
    [fresh] = decide_days(History("alex", ["oura"], base, sessions=steady), days=[DAY])
    [tired] = decide_days(History("alex", ["oura"], base, sessions=crash), days=[DAY])
    assert fresh.protocol is Protocol.PROGRESSIVE_OVERLOAD
    assert fresh.load is not None
    assert fresh.load.form_pct is not None
    assert fresh.load.form_pct > -30
    assert tired.load is not None
    assert tired.load.form_pct is not None
    assert tired.load.form_pct < -30
    assert tired.protocol is Protocol.AS_PLANNED
    assert any("hold the load" in reason for reason in tired.reasons)


def test_form_is_ignored_until_four_weeks_of_training_are_logged() -> None:
    few = [
        CompletedSession("alex", DAY - timedelta(days=i), "s", "", "run", 240, 10)
        for i in range(1, 8)
    ]
    [plan] = decide_days(
        History("alex", ["oura"], full_history(), sessions=few),
        days=[DAY],
    )
    assert plan.load is not None
    assert plan.load.days_with_load == 7
    assert plan.protocol is Protocol.PROGRESSIVE_OVERLOAD


def checkins(days: int, today: dict[str, int]) -> list[CheckIn]:
    usual = [
        CheckIn("alex", START + timedelta(days=i), 4, 4, 4, 4 if i % 2 else 3, 4)
        for i in range(days - 1)
    ]
    return [*usual, CheckIn("alex", DAY, **today)]


def decide_with_checkin(answer: dict[str, int]) -> DayPlan:
    history = History("alex", ["oura"], full_history(), checkins=checkins(61, answer))
    [plan] = decide_days(history, days=[DAY])
    return plan


def test_a_poor_checkin_is_one_flag_and_items_are_shown() -> None:
    poor = {"soreness": 1, "stress": 2, "mood": 2, "sleep_quality": 2, "energy": 1}
    plan = decide_with_checkin(poor)
    signals = [c.signal for c in plan.readiness.contributors if c.signal.startswith("checkin_")]
    assert signals == [f"checkin_{name}" for name in (*poor, "wellness")]
    assert plan.readiness.flags == ("checkin_wellness",)
    wellness = plan.readiness.contributor("checkin_wellness")
    assert wellness is not None
    assert wellness.value == pytest.approx(1.6)
    assert plan.protocol is Protocol.AS_PLANNED  # one flag is a caution


def test_a_usual_checkin_raises_nothing() -> None:
    plan = decide_with_checkin(
        dict.fromkeys(("soreness", "stress", "mood", "sleep_quality", "energy"), 4)
    )
    assert plan.readiness.flags == ()
    assert plan.protocol is Protocol.PROGRESSIVE_OVERLOAD


def test_an_override_replaces_the_protocol_and_says_so() -> None:
    history = History("alex", ["oura"], full_history(), overrides={DAY: Protocol.REST})
    [plan] = decide_days(history, days=[DAY])
    assert plan.protocol is Protocol.REST
    assert plan.overridden_from is Protocol.PROGRESSIVE_OVERLOAD
    assert plan.reasons[0] == "Overridden to rest by you; the rules said progressive_overload."
    assert plan.session is None
    same = History("alex", ["oura"], full_history(), overrides={DAY: Protocol.PROGRESSIVE_OVERLOAD})
    [unchanged] = decide_days(same, days=[DAY])
    assert unchanged.overridden_from is None


def test_override_and_log_session_commands(
    sample_store: tuple[Config, Store],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, store = sample_store
    path = tmp_path / "recoveryd.yaml"
    path.write_text(
        f"storage: {{path: {config.storage.path}}}\n"
        "athletes:\n"
        "  - {id: alex, name: Alex, sources: [oura]}\n"
        "  - {id: sam, name: Sam, sources: [garmin]}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RECOVERYD_CONFIG", str(path))
    day = SAMPLE_END.isoformat()
    assert main(["override", "--athlete", "sam", "--protocol", "rest", "--date", day]) == 0
    assert capsys.readouterr().out == f"sam {day}: protocol set to rest\n"
    [plan] = decide_range(store, config, "sam", SAMPLE_END, SAMPLE_END)
    assert plan.protocol is Protocol.REST
    assert plan.overridden_from is not None
    assert main(["override", "--athlete", "sam", "--clear", "--date", day]) == 0
    assert capsys.readouterr().out == f"sam {day}: override cleared\n"
    assert main(["override", "--athlete", "sam", "--date", day]) == 2

    assert (
        main(
            [
                "log-session",
                "--athlete",
                "sam",
                "--minutes",
                "45",
                "--rpe",
                "6",
                "--date",
                day,
                "--start",
                "18:00",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == f"sam {day}: session stored\n"
    logged = [s for s in store.sessions("sam", SAMPLE_END, SAMPLE_END) if s.source == "manual"]
    assert logged == [
        CompletedSession("sam", SAMPLE_END, "manual", "18:00", "general", 45.0, 6.0, None)
    ]
    assert main(["log-session", "--athlete", "sam", "--minutes", "45", "--rpe", "12"]) == 2
    assert capsys.readouterr().err == "log-session: rpe: must be between 0 and 10, got 12\n"
    assert main(["log-session", "--athlete", "sam", "--minutes", "45"]) == 2
    assert (
        capsys.readouterr().err
        == "log-session: give rpe or avg_hr, or the session carries no load\n"
    )


def test_overrides_and_sessions_change_the_inputs_digest(
    sample_store: tuple[Config, Store],
) -> None:
    config, store = sample_store
    before = inputs_digest(store, config, "sam", SAMPLE_END)
    store.set_override("sam", SAMPLE_END, Protocol.MOBILITY, datetime(2026, 3, 4, tzinfo=UTC))
    with_override = inputs_digest(store, config, "sam", SAMPLE_END)
    store.upsert(
        sessions=[
            CompletedSession("sam", SAMPLE_END - timedelta(days=1), "manual", "", "run", 30, 5)
        ]
    )
    with_session = inputs_digest(store, config, "sam", SAMPLE_END)
    assert len({before, with_override, with_session}) == 3


def test_a_metric_can_prefer_another_source() -> None:
    """HRV from the strap, resting HR from the ring; each baseline stays with its source."""
    import typing  # noqa: PLC0415

    from recoveryd.config.athletes import NightMetric  # noqa: PLC0415
    from recoveryd.domain.models import NIGHT_METRICS, Night  # noqa: PLC0415

    assert set(typing.get_args(NightMetric)) == set(NIGHT_METRICS)
    ring = full_history()
    strap = [
        Night(
            n.athlete,
            n.date,
            "polar_h10",
            hrv_rmssd_ms=(n.hrv_rmssd_ms or 50) + 20,
            rhr_bpm=(n.rhr_bpm or 50) + 5,
        )
        for n in ring
    ]
    base = History("alex", ["oura", "polar_h10"], ring + strap)
    mixed = replace(base, metric_preference={"hrv_rmssd_ms": ["polar_h10", "oura"]})
    [ring_day] = decide_days(base, days=[DAY])
    [mixed_day] = decide_days(mixed, days=[DAY])
    today_ring = next(n for n in ring if n.date == DAY)
    today_strap = next(n for n in strap if n.date == DAY)
    assert ring_day.readiness.hrv_source == "oura"
    assert mixed_day.readiness.hrv_source == "polar_h10"
    assert mixed_day.readiness.measurement("hrv_rmssd_ms") == pytest.approx(
        today_strap.hrv_rmssd_ms, abs=0.05
    )
    # Resting HR still comes from the ring.
    assert mixed_day.readiness.measurement("rhr_bpm") == pytest.approx(today_ring.rhr_bpm, abs=0.05)

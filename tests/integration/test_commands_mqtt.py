# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Home Assistant's controls reach the daemon over a real mosquitto and change today's plan."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from recoveryd.domain.commands import ATHLETE_CONTROLS
from recoveryd.domain.models import CheckIn, Night, Protocol

from tests.conftest import SAMPLE_END, BrokerAddress
from tests.integration.test_daemon_mqtt import (
    MORNING,
    FixedClock,
    Watcher,
    running,
    seeded_config,
    watching,
)

pytestmark = pytest.mark.integration


def events(watcher: Watcher, athlete: str, kind: str) -> list[dict[str, object]]:
    found = [m.json() for m in watcher.on(f"recoveryd/{athlete}/event")]
    return [e for e in found if e["event_type"] == kind]


def last(watcher: Watcher, topic: str) -> dict[str, object]:
    messages = watcher.on(topic)
    return messages[-1].json() if messages else {}


async def test_controls_change_the_day_and_bad_commands_change_nothing(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = seeded_config(tmp_path, mosquitto, sample)
    caplog.set_level(logging.INFO, logger="recoveryd.daemon")
    async with watching(mosquitto) as watcher, running(config, FixedClock(MORNING)) as daemon:
        publish = watcher.client.publish
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/chart")), "the chart")
        assert watcher.on("recoveryd/alex/chart")[0].raw.startswith(b"\x89PNG\r\n\x1a\n")
        first = last(watcher, "recoveryd/alex/state")
        assert last(watcher, "recoveryd/alex/live")["override"] == "auto"
        assert events(watcher, "alex", "decision")[0]["protocol"] == first["protocol"]

        # A malformed command: one error line, an error event, and nothing changes.
        await publish("recoveryd/alex/set/protocol", "sauna_all_day")
        await publish("recoveryd/alex/set/heat_on", "{}")
        await watcher.until(lambda: len(events(watcher, "alex", "error")) == 2, "error events")
        assert events(watcher, "alex", "error") == [
            {"event_type": "error", "control": "protocol",
             "error": "protocol: expected one of auto, rest, active_recovery, mobility, "
                      "as_planned, progressive_overload, got 'sauna_all_day'"},
            {"event_type": "error", "control": "heat_on",
             "error": "unknown control 'heat_on'; allowed: " + ", ".join(ATHLETE_CONTROLS)},
        ]  # fmt: skip
        assert daemon.store.decision_count("alex", SAMPLE_END) == 1

        # The select: today becomes a rest day, and the decision says it was overridden.
        await publish("recoveryd/alex/set/protocol", "rest")
        await watcher.until(
            lambda: last(watcher, "recoveryd/alex/state").get("protocol") == "rest", "override"
        )
        await watcher.until(
            lambda: last(watcher, "recoveryd/alex/live").get("override") == "rest", "live"
        )
        decision = daemon.store.latest_decision("alex", SAMPLE_END)
        assert decision is not None
        assert decision.plan.protocol is Protocol.REST
        assert decision.plan.overridden_from == Protocol(str(first["protocol"]))

        # A check-in number and the household's pause switch.
        await publish("recoveryd/alex/set/checkin_soreness", "1")
        await watcher.until(
            lambda: last(watcher, "recoveryd/alex/live").get("checkin", {})["soreness"] == 1,  # type: ignore[index]
            "check-in",
        )
        await publish("recoveryd/household/set/pause", "ON")
        await watcher.until(
            lambda: last(watcher, "recoveryd/household/state").get("paused") is True, "pause"
        )
        # Back to the rules: the override is gone.
        await publish("recoveryd/alex/set/protocol", "auto")
        await watcher.until(
            lambda: last(watcher, "recoveryd/alex/live").get("override") == "auto", "auto"
        )
        await publish("recoveryd/nobody/set/protocol", "rest")
        await publish("recoveryd/alex/set/redecide", "PRESS")
        await watcher.until(lambda: len(events(watcher, "alex", "command")) == 4, "commands")
    assert [e["summary"] for e in events(watcher, "alex", "command")] == [
        "protocol set to rest",
        "check-in soreness = 1",
        "protocol back to the rules",
        "decided again",
    ]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [
        "rejected command for alex: protocol: expected one of auto, rest, active_recovery, "
        "mobility, as_planned, progressive_overload, got 'sauna_all_day'",
        "rejected command for alex: unknown control 'heat_on'; allowed: "
        + ", ".join(ATHLETE_CONTROLS),
        "rejected command on recoveryd/nobody/set/protocol: unknown athlete 'nobody'",
    ]


async def test_ingested_night_data_is_checked_stored_and_decided_on(
    mosquitto: BrokerAddress,
    tmp_path: Path,
    sample: tuple[list[Night], list[CheckIn]],
) -> None:
    # The history without today's night: it arrives over MQTT.
    nights = [n for n in sample[0] if not (n.athlete == "alex" and n.date == SAMPLE_END)]
    config = seeded_config(tmp_path, mosquitto, (nights, sample[1]))
    async with watching(mosquitto) as watcher, running(config, FixedClock(MORNING)) as daemon:
        publish = watcher.client.publish
        await watcher.until(lambda: bool(watcher.on("recoveryd/alex/state")), "the decision")
        assert last(watcher, "recoveryd/alex/state")["rmssd_ms"] is None

        await publish("recoveryd/alex/ingest/night",
                      '{"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 900}')  # fmt: skip
        await publish("recoveryd/alex/ingest/error", '{"kind": "x", "error": "echo"}')
        await publish("recoveryd/alex/ingest/night",
                      '{"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 31.5,'
                      ' "rhr_bpm": 58}')  # fmt: skip
        await watcher.until(
            lambda: last(watcher, "recoveryd/alex/state").get("rmssd_ms") == 31.5, "new decision"
        )
        # The rejection goes out with the decision's flush, just after the state.
        await watcher.until(
            lambda: len(watcher.on("recoveryd/alex/ingest/error")) == 2, "the rejection"
        )
        errors = [m.json() for m in watcher.on("recoveryd/alex/ingest/error")]
        assert len(errors) == 2  # the test's own message is not answered
        assert {"kind": "x", "error": "echo"} in errors
        assert {
            "kind": "night", "error": "night: hrv_rmssd_ms: must be between 3 and 300, got 900"
        } in errors  # fmt: skip
        [night] = daemon.store.nights("alex", SAMPLE_END, SAMPLE_END)
        assert (night.hrv_rmssd_ms, night.rhr_bpm) == (31.5, 58.0)

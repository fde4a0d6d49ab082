# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Ingested JSON: every kind checked whole, one line per rejection, nothing half-accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from recoveryd.domain.ingest import IngestError, parse_ingest
from recoveryd.domain.models import CheckIn, Night
from recoveryd.domain.training import CompletedSession

DAY = date(2026, 3, 4)


def test_each_kind() -> None:
    assert parse_ingest(
        "alex", "night", b'{"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 55.5}'
    ) == Night("alex", DAY, "oura", hrv_rmssd_ms=55.5)
    assert parse_ingest("alex", "checkin", b'{"date": "2026-03-04", "mood": 4}') == CheckIn(
        "alex", DAY, mood=4
    )
    assert parse_ingest(
        "alex", "session", b'{"date": "2026-03-04", "minutes": 45, "rpe": 6, "start": "18:00"}'
    ) == CompletedSession("alex", DAY, "mqtt", "18:00", "general", 45.0, 6.0, None)


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("night", b'{"date": "2026-03-04", "source": "oura", "hrv_rmssd_ms": 600}',
         "night: hrv_rmssd_ms: must be between 3 and 300, got 600"),
        ("night", b'{"date": "2026-03-04", "source": "Oura Ring", "rhr_bpm": 50}',
         "night: source: must be 1-32 characters of a-z, 0-9, '_' or '-' starting with a letter "
         "or digit (it becomes part of MQTT topics and entity ids), got 'Oura Ring'"),
        ("night", b'{"date": "2026-03-04", "source": "oura"}',
         "night: no measurement in it; give at least one metric"),
        ("night", b"[1, 2]", "night: must be a mapping of keys, got a list"),
        ("checkin", b'{"date": "2026-03-04", "mood": 7}',
         "checkin: mood: must be between 1 and 5, got 7"),
        ("session", b'{"date": "2026-03-04", "minutes": 45}',
         "session: give rpe or avg_hr, or the session carries no load"),
        ("sleep", b"{}", "unknown kind 'sleep'; allowed: night, checkin, session"),
        ("night", b"\xff", "night: not JSON: 'utf-8' codec can't decode byte 0xff in position "
         "0: invalid start byte"),
        ("night", b"[" * 2000 + b"]" * 2000,
         "night: JSON nested too deeply; send one flat object"),
        ("night", b'{"date": "0001-01-01", "source": "oura", "rhr_bpm": 50}',
         "night: date: must be a day from 1980-01-01 to {latest}, got 0001-01-01"),
        ("checkin", b'{"date": "2026-03-04", "mood": ' + b"9" * 300 + b"}",
         "checkin: mood: must be between 1 and 5, got 1e+300"),
        ("session", b'{"date": "9999-12-31", "minutes": 45, "rpe": 5}',
         "session: date: must be a day from 1980-01-01 to {latest}, got 9999-12-31"),
    ],
)  # fmt: skip
def test_rejections_are_one_line(kind: str, payload: bytes, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        parse_ingest("alex", kind, payload)
    # The latest plausible day is read when the test runs, not when it was collected: a run
    # that passes midnight between the two would expect yesterday's.
    latest = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    assert str(caught.value) == message.replace("{latest}", latest)


@given(st.sampled_from(["night", "checkin", "session"]), st.binary(max_size=300))
def test_any_payload_is_stored_whole_or_refused_in_one_line(kind: str, payload: bytes) -> None:
    error = ""
    try:
        parse_ingest("alex", kind, payload)
    except IngestError as exc:
        error = str(exc)
    assert "\n" not in error

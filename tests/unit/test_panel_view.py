# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the web panel shows of a day, read from a real store."""

from __future__ import annotations

from datetime import UTC, datetime

from recoveryd.config.model import Config
from recoveryd.daemon.deciding import decide_range
from recoveryd.daemon.panel_view import panel_page
from recoveryd.domain.models import Protocol
from recoveryd.domain.training import CompletedSession
from recoveryd.present.numbers import range_text, value_text
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END


def test_the_page_holds_every_contributor_and_the_controls_values(
    sample_store: tuple[Config, Store],
) -> None:
    config, store = sample_store
    [plan] = decide_range(store, config, "alex", SAMPLE_END, SAMPLE_END)
    page = panel_page(store, config, SAMPLE_END)
    alex = page.athletes[0]
    assert [a.id for a in page.athletes] == ["alex", "sam"]
    assert alex.protocol == plan.protocol.value
    assert alex.revision is None
    assert alex.decided.startswith("not decided yet")
    assert [c.value for c in alex.contributors] == [
        value_text(c) for c in plan.readiness.contributors
    ]
    assert [c.normal_range for c in alex.contributors] == [
        range_text(c) for c in plan.readiness.contributors
    ]
    assert [c.reason for c in alex.contributors] == [c.reason for c in plan.readiness.contributors]
    assert alex.override == "auto"

    at = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    store.set_override("alex", SAMPLE_END, Protocol.REST, at)
    store.set_checkin_item("alex", SAMPLE_END, "soreness", 2)
    store.upsert([], [], [CompletedSession("alex", SAMPLE_END, "manual", "17:30", "run", 45,
                                           rpe=6.5, title="Tempo")])  # fmt: skip
    store.save_decision(decide_range(store, config, "alex", SAMPLE_END, SAMPLE_END)[0], at, "x")
    alex = panel_page(store, config, SAMPLE_END).athletes[0]
    assert alex.override == "rest"
    assert alex.protocol == "rest"
    assert dict(alex.checkin)["soreness"] == 2
    assert alex.last_rpe == 6.5
    assert alex.last_session == "Tempo (Wed 04 Mar 17:30)"
    assert alex.revision == 1
    assert alex.decided == "decided 07:00 (revision 1)"

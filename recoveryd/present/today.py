# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What ``recoveryd today`` says, wherever it is said: the command, or the running daemon.

Pure formatting: the day's plan, its stored decision and the sources the athlete's list
leaves out in, text out (JSON for scripts, or the summary drawn on a rich console).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from recoveryd.domain.models import DayPlan, Decision


def today_json(plan: DayPlan, stored: Decision | None, unlisted: Sequence[str]) -> str:
    """``today --json``: the plan, the sources not listed, the daemon's stored decision."""
    from recoveryd.present.as_json import plan_json  # noqa: PLC0415 - JSON only

    data = plan_json(plan)
    data["unlisted_sources"] = list(unlisted)
    data["stored_decision"] = (
        None
        if stored is None
        else {
            "revision": stored.revision,
            "decided_at": stored.decided_at.isoformat(),
            "protocol": stored.plan.protocol.value,
        }
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def print_today(
    console: Console,
    plan: DayPlan,
    *,
    athlete_name: str,
    stored: Decision | None,
    unlisted: Sequence[str],
    zone: ZoneInfo,
) -> None:
    """``today``: the morning summary, the daemon's decision and notes, on ``console``."""
    from recoveryd.present.summary import morning_summary  # noqa: PLC0415

    console.print(morning_summary(plan, athlete_name, dry_run=True))
    if stored is not None:
        console.print(
            f"The daemon decided {stored.plan.protocol.value} at "
            f"{stored.decided_at.astimezone(zone):%H:%M} (revision {stored.revision})."
        )
    for line in unlisted:
        console.print(f"Note: {line}.", markup=False)

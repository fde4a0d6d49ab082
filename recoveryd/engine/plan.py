# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Adjust the planned training session to the day's protocol."""

from __future__ import annotations

from dataclasses import replace

from recoveryd.models import Protocol, Session

_ACTIVE_RECOVERY_MIN = 40
_MOBILITY_MIN = 30
_AEROBIC = frozenset({"run", "bike", "swim", "row", "ski", "hike", "walk"})


def adjust_session(planned: Session | None, protocol: Protocol) -> Session | None:
    """The session to do today, or ``None`` for a day without training.

    rest → nothing; active_recovery → easy zone 1-2 aerobic work of at most 40 min;
    mobility → a mobility session instead of the planned one; as_planned and
    insufficient_data → the plan; progressive_overload → the plan with a note to progress it.
    """
    instead = f"instead of: {planned.title}" if planned is not None else ""
    match protocol:
        case Protocol.REST:
            return None
        case Protocol.ACTIVE_RECOVERY:
            duration = _ACTIVE_RECOVERY_MIN
            if planned is not None:
                duration = min(planned.duration_min, _ACTIVE_RECOVERY_MIN)
            sport = (
                planned.sport
                if planned is not None and planned.sport in _AEROBIC
                else "bike or walk"
            )
            return Session("Easy aerobic, zone 1–2", sport, duration, "easy", instead)
        case Protocol.MOBILITY:
            return Session("Mobility and easy movement", "mobility", _MOBILITY_MIN, "easy", instead)
        case Protocol.PROGRESSIVE_OVERLOAD:
            if planned is None:
                return None
            return replace(planned, note="progress: +2.5–5 % load or one more set")
        case Protocol.AS_PLANNED | Protocol.INSUFFICIENT_DATA:
            return planned

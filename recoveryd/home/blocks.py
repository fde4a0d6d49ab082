# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""One athlete's day plan as the sessions it asks of the home. Pure: no clock, no I/O.

Each modality of the day's protocol becomes a :class:`Block` of timed actions: a scene; a sauna
that is ready by its time (pre-heat starts ``(temp - ambient) / heat rate`` minutes before, so
the room is hot when promised), a start check and a heat-off; boots on and off; meditation
audio and its timer. The evening's parts can be timed from tonight's target bedtime
(:mod:`recoveryd.home.bedtime`) instead of a fixed clock, and no sauna session ends closer to
the bedtime than its configured gap. Safety first (:mod:`recoveryd.home.safety`): a sauna is
never planned on an illness day, or when resting HR and skin temperature are both flagged.
How one household's blocks share devices is :mod:`recoveryd.home.timeline`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recoveryd.config.home import DeviceConfig
from recoveryd.config.recovery import ProtocolHomeConfig, SaunaPlanConfig, ScenePlanConfig
from recoveryd.domain.clock import elapsed, later, local
from recoveryd.domain.models import Action, DayPlan
from recoveryd.home.safety import sauna_allowed


def _at(day: date, when: time, zone: ZoneInfo) -> datetime:
    return local(day, when, zone)


def preheat_minutes(device: DeviceConfig, temp_c: int) -> int:
    """Minutes of heating before the sauna reaches ``temp_c`` from ambient."""
    return max(0, math.ceil((temp_c - device.ambient_c) / device.heat_rate_c_per_min))


def _params(**values: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in values.items() if v is not None)


def _timed(
    at: time | None,
    before_bedtime_min: int | None,
    lights_out: datetime | None,
    day: date,
    zone: ZoneInfo,
) -> tuple[datetime | None, dict[str, str]]:
    """When something timed from the bedtime (or at a fixed time) starts, and its note.

    Tonight's bedtime when one is known and the part asks for it, else the fixed time, else
    no time (the part is left out of the day).
    """  # fmt: skip
    if before_bedtime_min is not None and lights_out is not None:
        start = later(lights_out, -timedelta(minutes=before_bedtime_min))
        return start, {"lights_out": f"{lights_out:%H:%M}"}
    return (None if at is None else _at(day, at, zone)), {}


def _scene(
    athlete: str, modality: str, part: ScenePlanConfig, day: date, zone: ZoneInfo,
    *, lights_out: datetime | None,
) -> Action | None:  # fmt: skip
    # On a wake signal the scene runs early; it is scheduled for ``latest``, the fallback.
    wake = (
        {"wake_entity": part.wake_entity, "wake_state": part.wake_state,
         "earliest": _at(day, part.earliest, zone).isoformat()}
        if part.wake_entity is not None else {}
    )  # fmt: skip
    at, note = _timed(part.at or part.latest, part.before_bedtime_min, lights_out, day, zone)
    if at is None:
        return None
    return Action(
        at, athlete, modality, "scene", part.device,
        _params(kelvin=part.kelvin, brightness_pct=part.brightness_pct,
                transition_s=part.transition_s, **wake, **note),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Block:
    """The actions of one session on one device, moved together.

    ``start`` and ``end`` bound the session itself (for a sauna: from ready to heat-off);
    a sauna's pre-heat comes before ``start``.
    """

    device: str
    start: datetime
    end: datetime
    actions: tuple[Action, ...]

    @property
    def first_at(self) -> datetime:
        """When the first action of the block runs (a sauna's pre-heat)."""
        return min(a.at for a in self.actions)

    def shifted(self, delta: timedelta) -> Block:
        """The same session ``delta`` later."""
        moved = tuple(
            replace(a, at=later(a.at, delta),
                    ends_at=None if a.ends_at is None else later(a.ends_at, delta))
            for a in self.actions
        )  # fmt: skip
        return Block(self.device, later(self.start, delta), later(self.end, delta), moved)


def plan_blocks(
    plan: DayPlan, home: ProtocolHomeConfig, devices: Mapping[str, DeviceConfig], zone: ZoneInfo
) -> list[Block]:
    """The sessions one athlete's day plan asks of the home."""
    day, who = plan.date, plan.athlete
    lights_out = plan.bedtime.lights_out if plan.bedtime is not None else None
    blocks: list[Block] = []
    for modality in ("wake", "wind_down"):
        part = getattr(home, modality)
        if part is not None:
            action = _scene(who, modality, part, day, zone, lights_out=lights_out)
            if action is not None:
                blocks.append(Block(part.device, action.at, action.at, (action,)))
    if home.sauna is not None and sauna_allowed(plan.readiness)[0]:
        sauna = _sauna_block(
            who, home.sauna, devices[home.sauna.device], day, zone, lights_out=lights_out
        )
        if sauna is not None:
            blocks.append(sauna)
    if home.compression is not None:
        c = home.compression
        start = _at(day, c.at, zone)
        end = later(start, timedelta(minutes=c.minutes))
        boots = (
            Action(start, who, "compression", "turn_on", c.device, _params(minutes=c.minutes), end),
            Action(end, who, "compression", "turn_off", c.device),
        )
        blocks.append(Block(c.device, start, end, boots))
    m = home.meditation
    begins, note = (None, {}) if m is None else _timed(
        m.at, m.before_bedtime_min, lights_out, day, zone
    )  # fmt: skip
    if m is not None and begins is not None:
        start = begins
        end = later(start, timedelta(minutes=m.minutes))
        audio = [Action(start, who, "meditation", "play_media", m.device,
                        _params(media_id=m.media_id, media_type=m.media_type, **note),
                        end)]  # fmt: skip
        if m.timer is not None:
            audio.append(
                Action(
                    start,
                    who,
                    "meditation",
                    "timer_start",
                    m.timer,
                    _params(minutes=m.minutes),
                    end,
                )
            )
        blocks.append(Block(m.device, start, end, tuple(audio)))
    return blocks


def _sauna_block(
    who: str, s: SaunaPlanConfig, device: DeviceConfig, day: date, zone: ZoneInfo,
    *, lights_out: datetime | None,
) -> Block | None:  # fmt: skip
    """The sauna session: pre-heat so that it is hot when due, the start check, the heat-off."""
    wait = timedelta(minutes=device.start_wait_min)
    session = wait + timedelta(minutes=s.minutes)
    ready, note = _sauna_ready(s, session, lights_out, day, zone)
    if ready is None:
        return None
    end = later(ready, session)
    preheat = later(ready, -timedelta(minutes=preheat_minutes(device, s.temp_c)))
    auto_off = math.ceil(elapsed(preheat, end).total_seconds() / 60)
    heat = _params(temp_c=s.temp_c, auto_off_min=auto_off, ready_by=ready.isoformat(), **note)
    actions = [Action(preheat, who, "sauna", "heat_on", s.device, heat, end)]
    if device.presence_entity is not None:
        actions.append(Action(later(ready, wait), who, "sauna", "start_check", s.device))
    actions.append(Action(end, who, "sauna", "heat_off", s.device))
    return Block(s.device, ready, end, tuple(actions))


def _sauna_ready(
    s: SaunaPlanConfig, session: timedelta, lights_out: datetime | None, day: date, zone: ZoneInfo
) -> tuple[datetime | None, dict[str, str]]:
    """When the sauna must be hot: from the bedtime or ``ready_by``, never ending too late.

    A session that would end less than ``gap_before_bedtime_min`` before tonight's bedtime
    moves earlier so that it ends then (Haghayegh et al. 2019: heat 1-2 h before bed).
    """
    if s.before_bedtime_min is not None and lights_out is not None:
        end = later(lights_out, -timedelta(minutes=s.before_bedtime_min))
        return later(end, -session), {"lights_out": f"{lights_out:%H:%M}"}
    if s.ready_by is None:  # timed from a bedtime that is not known: no session today
        return None, {}
    ready = _at(day, s.ready_by, zone)
    if lights_out is None:
        return ready, {}
    latest_end = later(lights_out, -timedelta(minutes=s.gap_before_bedtime_min))
    if later(ready, session) <= latest_end:
        return ready, {}
    return later(latest_end, -session), {"lights_out": f"{lights_out:%H:%M}"}

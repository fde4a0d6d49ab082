# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From day plans to the household's timeline of actions. Pure: no clock, no I/O.

* Each modality of the day's protocol becomes timed actions: a scene; a sauna that is
  ready by its time (pre-heat starts ``(temp - ambient) / heat rate`` minutes before, so the
  room is hot when promised), a start check and a heat-off; boots on and off; meditation audio
  and its timer.
* Safety first (:mod:`recoveryd.home.safety`): a sauna is never planned on an illness day, or
  when resting HR and skin temperature are both flagged.
* Shared devices: sessions on one device run one after another, in the order they would
  start (ties: the order of the athletes in the configuration); a session that would overlap
  the previous one moves to start when that one ends. Back-to-back sauna sessions share one
  heating block: no second pre-heat, the heat stays on, and the device-side auto-off covers
  the whole block.

What runs when, after a restart or a clock jump, is :mod:`recoveryd.home.catch_up`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from recoveryd.config.home import DeviceConfig, ProtocolHomeConfig, ScenePlanConfig
from recoveryd.domain.clock import elapsed, later, local
from recoveryd.domain.models import SWITCH_ONS, Action, DayPlan, Protocol
from recoveryd.home.safety import sauna_allowed


def _at(day: date, when: time, zone: ZoneInfo) -> datetime:
    return local(day, when, zone)


def preheat_minutes(device: DeviceConfig, temp_c: int) -> int:
    """Minutes of heating before the sauna reaches ``temp_c`` from ambient."""
    return max(0, math.ceil((temp_c - device.ambient_c) / device.heat_rate_c_per_min))


def _params(**values: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in values.items() if v is not None)


def _scene(athlete: str, modality: str, part: ScenePlanConfig, day: date, zone: ZoneInfo) -> Action:
    # On a wake signal the scene runs early; it is scheduled for ``latest``, the fallback.
    wake = (
        {"wake_entity": part.wake_entity, "wake_state": part.wake_state,
         "earliest": _at(day, part.earliest, zone).isoformat()}
        if part.wake_entity is not None else {}
    )  # fmt: skip
    return Action(
        _at(day, part.at or part.latest or part.earliest, zone), athlete, modality, "scene",
        part.device,
        _params(kelvin=part.kelvin, brightness_pct=part.brightness_pct,
                transition_s=part.transition_s, **wake),
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
    blocks: list[Block] = []
    for modality in ("wake", "wind_down"):
        part = getattr(home, modality)
        if part is not None:
            action = _scene(who, modality, part, day, zone)
            blocks.append(Block(part.device, action.at, action.at, (action,)))
    if home.sauna is not None and sauna_allowed(plan.readiness)[0]:
        s = home.sauna
        device = devices[s.device]
        ready = _at(day, s.ready_by, zone)
        lead = timedelta(minutes=preheat_minutes(device, s.temp_c))
        wait = timedelta(minutes=device.start_wait_min)
        end = later(ready, wait + timedelta(minutes=s.minutes))
        preheat = later(ready, -lead)
        auto_off = math.ceil(elapsed(preheat, end).total_seconds() / 60)
        heat = _params(temp_c=s.temp_c, auto_off_min=auto_off, ready_by=ready.isoformat())
        actions = [Action(preheat, who, "sauna", "heat_on", s.device, heat, end)]
        if device.presence_entity is not None:
            actions.append(Action(later(ready, wait), who, "sauna", "start_check", s.device))
        actions.append(Action(end, who, "sauna", "heat_off", s.device))
        blocks.append(Block(s.device, ready, end, tuple(actions)))
    if home.compression is not None:
        c = home.compression
        start = _at(day, c.at, zone)
        end = later(start, timedelta(minutes=c.minutes))
        boots = (
            Action(start, who, "compression", "turn_on", c.device, _params(minutes=c.minutes), end),
            Action(end, who, "compression", "turn_off", c.device),
        )
        blocks.append(Block(c.device, start, end, boots))
    if home.meditation is not None:
        m = home.meditation
        start = _at(day, m.at, zone)
        end = later(start, timedelta(minutes=m.minutes))
        audio = [Action(start, who, "meditation", "play_media", m.device,
                        _params(media_id=m.media_id, media_type=m.media_type), end)]  # fmt: skip
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


def _merge_sauna(previous: Block, block: Block) -> Block:
    """Back-to-back sessions on one sauna: one heating block."""
    heat_on = next(a for a in previous.actions if a.command == "heat_on")
    auto_off = math.ceil(elapsed(heat_on.at, block.end).total_seconds() / 60)
    kept = [a for a in previous.actions if a.command != "heat_off"]
    kept[kept.index(heat_on)] = replace(
        heat_on,
        params=tuple((k, str(auto_off) if k == "auto_off_min" else v) for k, v in heat_on.params),
        ends_at=block.end,
    )
    later = [a for a in block.actions if a.command != "heat_on"]
    return Block(previous.device, previous.start, block.end, (*kept, *later))


def with_actions(
    plan: DayPlan,
    recovery: Mapping[Protocol, ProtocolHomeConfig],
    devices: Mapping[str, DeviceConfig],
    zone: ZoneInfo,
) -> DayPlan:
    """``plan`` with the actions its protocol asks of the home, as if it had the home alone."""
    return replace(plan, actions=household_timeline([plan], recovery, devices, zone))


SESSION_MODALITIES = frozenset({"sauna", "compression", "meditation"})


def _started_at(blocks: list[Block], start: datetime) -> list[Block]:
    """The athlete's recovery session moved so that its first action runs at ``start``.

    Scenes keep their times: "start the session now" moves the sauna, boots and audio.
    """
    session = [b for b in blocks if _is_session(b)]
    if not session:
        return blocks
    delta = elapsed(min(b.first_at for b in session), start)
    return [b.shifted(delta) if b in session else b for b in blocks]


def household_timeline(
    plans: Sequence[DayPlan],
    recovery: Mapping[Protocol, ProtocolHomeConfig],
    devices: Mapping[str, DeviceConfig],
    zone: ZoneInfo,
    *,
    starts: Mapping[str, datetime] | None = None,
    skips: frozenset[str] = frozenset(),
    not_started: frozenset[str] = frozenset(),
) -> tuple[Action, ...]:
    """Every action of the household's day, in time order, with shared devices resolved.

    ``plans`` come in the order of the athletes in the configuration; ``starts`` holds the
    athletes who asked to start their recovery session at a given time instead, ``skips``
    those who skipped today's session (their wake and wind-down scenes stay).
    ``not_started`` holds the switch-ons that were refused, missed, paused or failed: their session
    keeps its place on the device but nothing more of it runs, and no later session is merged
    into it (it would have a heat-off and no heat-on).
    """
    by_device: dict[str, list[Block]] = {}
    for plan in plans:
        home = recovery.get(plan.protocol)
        if home is None:
            continue
        blocks = plan_blocks(plan, home, devices, zone)
        if plan.athlete in skips:
            blocks = [b for b in blocks if not _is_session(b)]
        elif starts and plan.athlete in starts:
            blocks = _started_at(blocks, starts[plan.athlete])
        for block in blocks:
            by_device.setdefault(block.device, []).append(block)
    actions: list[Action] = []
    for device, blocks in by_device.items():
        for block in _resolved(
            blocks, sauna=devices[device].kind == "sauna", not_started=not_started
        ):
            if _switch_on_in(block, not_started):
                actions += [a for a in block.actions if a.key in not_started]
            else:
                actions += block.actions
    return tuple(sorted(actions, key=lambda a: (a.at, a.device, a.command)))


def _resolved(blocks: list[Block], *, sauna: bool, not_started: frozenset[str]) -> list[Block]:
    """One device's sessions one after another; back-to-back sauna sessions in one block."""
    resolved: list[Block] = []
    # sorted() is stable: equal starts keep the athletes' configured order.
    for requested in sorted(blocks, key=lambda b: b.start):
        block = requested
        if resolved and block.start < resolved[-1].end and block.end > block.start:
            block = block.shifted(elapsed(block.start, resolved[-1].end))
        if (
            resolved and sauna and block.first_at < resolved[-1].end
            and not _switch_on_in(resolved[-1], not_started)
        ):  # fmt: skip
            resolved[-1] = _merge_sauna(resolved[-1], block)
            continue
        resolved.append(block)
    return resolved


def _is_session(block: Block) -> bool:
    return any(a.modality in SESSION_MODALITIES for a in block.actions)


def _switch_on_in(block: Block, keys: frozenset[str]) -> bool:
    return any(a.key in keys for a in block.actions if a.command in SWITCH_ONS)


_PARAM_TEXT: Mapping[str, str] = {
    "temp_c": "{} °C",
    "auto_off_min": "auto-off {} min",
    "minutes": "{} min",
    "kelvin": "{} K",
    "brightness_pct": "{} %",
    "transition_s": "fade {} s",
    "media_id": "{}",
}


def describe(action: Action) -> str:
    """One line for people: what the action does, with its settings and its wake signal."""
    details = [_PARAM_TEXT[k].format(v) for k, v in action.params if k in _PARAM_TEXT]
    entity = action.param("wake_entity")
    if entity is not None:
        earliest = datetime.fromisoformat(action.param("earliest") or action.at.isoformat())
        details.append(f"when {entity} says up after {earliest:%H:%M}, at the latest then")
    text = f"{action.modality}: {action.command} {action.device}"
    return text + (f" ({', '.join(details)})" if details else "")

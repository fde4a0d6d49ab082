# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""From day plans to the household's timeline of actions. Pure: no clock, no I/O.

* Each athlete's plan becomes blocks of timed actions (:mod:`recoveryd.home.blocks`).
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
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from recoveryd.config.home import DeviceConfig
from recoveryd.config.recovery import ProtocolHomeConfig
from recoveryd.domain.clock import elapsed
from recoveryd.domain.models import SWITCH_ONS, Action, DayPlan, Protocol
from recoveryd.home.blocks import Block, plan_blocks, preheat_minutes

__all__ = [
    "SESSION_MODALITIES",
    "describe",
    "household_timeline",
    "preheat_minutes",
    "with_actions",
]


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
    "lights_out": "lights out {}",
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

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Terminal rendering of decisions: the morning summary and the recent history.

Pure formatting: day plans in, rich renderables out. JSON output for scripts is
:mod:`recoveryd.present.as_json`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoveryd.domain.models import DayPlan, LoadContext, Protocol
from recoveryd.home.timeline import describe
from recoveryd.present.numbers import (
    FAIR_SCORE,
    GOOD_SCORE,
    SIGNAL_LABEL,
    notable,
    number_text,
    range_text,
    session_line,
    value_text,
)

PROTOCOL_STYLE: dict[Protocol, str] = {
    Protocol.REST: "bold red",
    Protocol.ACTIVE_RECOVERY: "bold dark_orange",
    Protocol.MOBILITY: "bold yellow",
    Protocol.AS_PLANNED: "bold green",
    Protocol.PROGRESSIVE_OVERLOAD: "bold bright_cyan",
    Protocol.INSUFFICIENT_DATA: "bold bright_black",
}


def protocol_text(protocol: Protocol) -> Text:
    """The protocol's name in its colour."""
    return Text(protocol.value.replace("_", " "), style=PROTOCOL_STYLE[protocol])


def _load_line(load: LoadContext) -> str:
    unit = "TRIMP" if load.unit == "trimp" else "sRPE"
    parts = [f"fitness {load.ctl:.0f}, fatigue {load.atl:.0f} ({unit}/day)"]
    if load.form_pct is not None:
        parts.append(f"form {load.form_pct:+.0f} %")
    if load.acwr is not None:
        parts.append(f"acute:chronic {load.acwr:.2f}")
    if load.monotony is not None:
        parts.append(f"monotony {load.monotony:.1f}")
    return " · ".join(parts)


def _score_bar(score: int | None) -> Text:
    if score is None:
        return Text("no score", style="bright_black")
    filled = round(score / 5)
    style = "green" if score >= GOOD_SCORE else "yellow" if score >= FAIR_SCORE else "red"
    bar = Text("█" * filled, style=style)
    bar.append("░" * (20 - filled), style="bright_black")
    bar.append(f" {score}/100", style="bold")
    return bar


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    return grid


def _head(plan: DayPlan) -> Table:
    r = plan.readiness
    head = _grid()
    head.add_row("Readiness", _score_bar(r.score))
    source = r.hrv_source or "no source"
    head.add_row("Confidence", f"{r.confidence:.0%}  ({r.hrv_valid_days} HRV days from {source})")
    head.add_row("Protocol", protocol_text(plan.protocol))
    for reason in plan.reasons:
        head.add_row("", Text(reason, style="italic"))
    if plan.load is not None and plan.load.days_with_load:
        head.add_row("Load", _load_line(plan.load))
    return head


def _why(plan: DayPlan) -> tuple[Table, Table]:
    contributors = Table(title="Why", title_justify="left", title_style="bold", expand=False)
    for column, justify in (
        ("signal", "left"),
        ("today", "right"),
        ("baseline", "right"),
        ("normal range", "right"),
        ("z", "right"),
        ("days", "right"),
    ):
        contributors.add_column(column, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    reasons = _grid()
    for c in plan.readiness.contributors:
        style = "red" if c.flag else ""
        contributors.add_row(
            Text(("⚑ " if c.flag else "") + SIGNAL_LABEL.get(c.signal, c.signal), style=style),
            value_text(c),
            number_text(c.baseline, c.unit),
            range_text(c),
            "–" if c.z is None else f"{c.z:+.1f}",
            str(c.days),
        )
        if notable(c):
            reasons.add_row(Text("⚑" if c.flag else "·", style=style), Text(c.reason, style=style))
    if not plan.readiness.contributors:
        reasons.add_row("·", "no measurements for today")
    elif any(not notable(c) for c in plan.readiness.contributors):
        quiet = Text("everything else is close to your baseline", style="bright_black")
        reasons.add_row("·", quiet)
    return contributors, reasons


def _training(plan: DayPlan) -> Table:
    session = _grid()
    if plan.session is None:
        session.add_row("Training", "none today")
    else:
        s = plan.session
        session.add_row("Training", session_line(s) + (f"  ({s.note})" if s.note else ""))
    if plan.planned_session is not None and plan.session != plan.planned_session:
        session.add_row("", Text(f"planned: {plan.planned_session.title}", style="bright_black"))
    return session


def _actions(plan: DayPlan, *, dry_run: bool) -> Table:
    actions = _grid()
    for action in plan.actions:
        mark = Text("  [dry-run]" if dry_run else "", style="magenta")
        actions.add_row(action.at.strftime("%H:%M"), Text(describe(action)) + mark)
    if not plan.actions:
        actions.add_row("", "no recovery actions scheduled for this protocol")
    return actions


def morning_summary(plan: DayPlan, athlete_name: str, *, dry_run: bool = True) -> Panel:
    """The morning summary of one athlete's day plan."""
    contributors, reasons = _why(plan)
    parts: list[RenderableType] = [
        _head(plan),
        Text(""),
        contributors,
        reasons,
        *_response(plan),
        Text(""),
        _training(plan),
        *_tonight(plan),
        Text("Actions it would take", style="bold"),
        _actions(plan, dry_run=dry_run),
    ]
    title = f"{athlete_name} · {plan.date.strftime('%A %d %B %Y')}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="cyan")


def _tonight(plan: DayPlan) -> list[RenderableType]:
    """Tonight's sleep need and bedtime, and the day's fuel hints, when known."""
    night = _grid()
    if plan.sleep is not None:
        night.add_row("Sleep", plan.sleep.describe())
    if plan.bedtime is not None:
        night.add_row("Bedtime", plan.bedtime.describe())
    for n, line in enumerate(plan.fuel.describe() if plan.fuel is not None else ()):
        night.add_row("Fuel" if n == 0 else "", line)
    return [night] if plan.sleep is not None or plan.fuel is not None else []


def _response(plan: DayPlan) -> list[RenderableType]:
    """The athlete's fitted load response, in plain words, when the day has one to tell."""
    words = plan.readiness.load_response
    if words is None:
        return []
    parts: list[RenderableType] = [Text(""), Text(words, style="dim")]
    ahead = plan.forecast
    if ahead is not None:
        mean = sum(ahead.planned) / len(ahead.planned)
        adjusted = sum(ahead.adjusted) / len(ahead.adjusted)
        floor = (
            "" if ahead.band_low is None else f"; your normal range starts at {ahead.band_low:.2f}"
        )
        parts.append(Text(
            f"Next 7 mornings, mean ln rMSSD forecast: {mean:.2f} as planned, {adjusted:.2f} "
            f"as adjusted{floor}.", style="dim",
        ))  # fmt: skip
    return parts


def history_table(plans: Sequence[DayPlan], athlete_name: str) -> Table:
    """One row per day: the protocol, the score and what was flagged."""
    span = (
        f"{plans[0].date:%d %b} to {plans[-1].date:%d %b %Y}, {len(plans)} days"
        if plans
        else "no days"
    )
    table = Table(title=f"{athlete_name}: {span}", title_justify="left")
    table.add_column("date")
    table.add_column("protocol")
    table.add_column("readiness", justify="right")
    table.add_column("HRV 7-day")
    table.add_column("flags")
    for plan in plans:
        r = plan.readiness
        table.add_row(
            plan.date.strftime("%a %d %b"),
            protocol_text(plan.protocol),
            "–" if r.score is None else str(r.score),
            r.hrv_status.value,
            ", ".join(SIGNAL_LABEL.get(f, f) for f in r.flags)
            + (" · illness" if r.illness else ""),
        )
    return table

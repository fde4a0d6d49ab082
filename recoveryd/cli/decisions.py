# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``today``, ``replay``, ``plan``, ``override``, ``timeline``: the decision and its sequel."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli import answers
from recoveryd.cli.common import (
    CONFIG_HELP,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_REJECTED,
    Handlers,
    iso_date,
    open_store,
    unwritable,
    write_output,
)
from recoveryd.domain.models import Protocol
from recoveryd.present.today import print_today, today_json

if TYPE_CHECKING:
    from recoveryd.config.model import Config


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The family's subcommands and their arguments."""
    today = commands.add_parser("today", help="today's decision with its reasons")
    today.add_argument("--athlete", required=True, help="athlete id from the configuration")
    today.add_argument("--date", type=iso_date, help="decide this day instead")
    today.add_argument("--json", action="store_true", help="print JSON for scripts")
    today.add_argument("--config", type=Path, help=CONFIG_HELP)

    override = commands.add_parser("override", help="set (or clear) a day's protocol by hand")
    override.add_argument("--athlete", required=True, help="athlete id from the configuration")
    override.add_argument(
        "--protocol", choices=[p.value for p in Protocol if p is not Protocol.INSUFFICIENT_DATA]
    )
    override.add_argument("--clear", action="store_true", help="go back to the rules' decision")
    override.add_argument("--date", type=iso_date, help="the day (default: today)")
    override.add_argument("--config", type=Path, help=CONFIG_HELP)

    replay = commands.add_parser("replay", help="decide every day of a past range again")
    replay.add_argument("--athlete", required=True, help="athlete id from the configuration")
    replay.add_argument("--from", dest="first", type=iso_date, required=True)
    replay.add_argument("--to", dest="last", type=iso_date, required=True)
    replay.add_argument("--json", action="store_true", help="one JSON object per day")
    replay.add_argument("--plot", type=Path, help="draw the chart to this PNG file")
    replay.add_argument("--config", type=Path, help=CONFIG_HELP)

    timeline = commands.add_parser(
        "timeline", help="what the home does today (or --date), touching no device"
    )
    timeline.add_argument("--date", type=iso_date, help="the day (default: today)")
    timeline.add_argument("--json", action="store_true", help="print JSON for scripts")
    timeline.add_argument("--config", type=Path, help=CONFIG_HELP)

    plan = commands.add_parser("plan", help="the coming 7 days of training, adjusted today")
    plan.add_argument("--athlete", required=True, help="athlete id from the configuration")
    plan.add_argument("--ics", type=Path, help="also write them as an iCalendar file")
    plan.add_argument("--json", action="store_true", help="print JSON for scripts")
    plan.add_argument("--date", type=iso_date, help="start on this day (default today)")
    plan.add_argument("--config", type=Path, help=CONFIG_HELP)


def _override(config: Config, args: argparse.Namespace) -> int:
    config.athlete(args.athlete)
    now = datetime.now(config.zone)
    day = args.date or now.date()
    if args.clear == (args.protocol is not None):
        sys.stderr.write("override: give either --protocol P or --clear\n")
        return EXIT_CONFIG
    with open_store(config) as store:
        if args.clear:
            had = store.clear_override(args.athlete, day)
            sys.stdout.write(
                f"{args.athlete} {day}: {'override cleared' if had else 'no override was set'}\n"
            )
        else:
            store.set_override(args.athlete, day, Protocol(args.protocol), now)
            sys.stdout.write(f"{args.athlete} {day}: protocol set to {args.protocol}\n")
    return EXIT_OK


def _timeline(config: Config, day: date | None, *, as_json: bool) -> int:
    """What the household's day is and will be, as the daemon runs it.

    The plan, what people changed (Skip, start now), the switch-offs the log owes and the
    switch-ons that will be refused.
    """
    from recoveryd.daemon.timeline_view import day_timeline  # noqa: PLC0415

    day = day or datetime.now(config.zone).date()
    with open_store(config, existing=True) as store:
        seen = day_timeline(store, config, day)
    if as_json:
        rows = [row.as_json() for row in seen.rows]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    protocols = ", ".join(f"{p.athlete} {p.protocol.value}" for p in seen.plans)
    extra = f"; {', '.join(seen.changed)}" if seen.changed else ""
    sys.stdout.write(f"{day} ({protocols}{extra}): {len(seen.rows)} actions\n")
    for row in seen.rows:
        why = f"  {row.why}" if row.why else ""
        sys.stdout.write(f"{row.at:%H:%M}  {row.athlete:<10} {row.text}  [{row.status}]{why}\n")
    return EXIT_OK


def _plan(config: Config, args: argparse.Namespace) -> int:
    from dataclasses import asdict  # noqa: PLC0415

    from recoveryd.daemon.deciding import decide_range, training_plan  # noqa: PLC0415
    from recoveryd.integrations.ical.ics import CalendarDay, describe, week_calendar  # noqa: PLC0415

    athlete = config.athlete(args.athlete)
    if args.ics is not None and (problem := unwritable(args.ics)) is not None:
        sys.stderr.write(f"plan: {problem}\n")
        return EXIT_CONFIG
    now = datetime.now(config.zone)
    first = args.date or now.date()
    with open_store(config) as store:
        [today] = decide_range(store, config, args.athlete, first, first)
    plan = training_plan(athlete)
    days = [CalendarDay(first, today.session, f"{today.protocol.value} (decided {first})")]
    days += [
        CalendarDay(first + timedelta(days=i), plan.planned(first + timedelta(days=i)), "planned")
        for i in range(1, 7)
    ]
    calendar = week_calendar(athlete.id, athlete.name, days, config.zone, now)
    if args.ics is not None and not write_output(args.ics, calendar):
        return EXIT_REJECTED
    if args.json:
        rows = [
            {
                "date": d.day.isoformat(),
                "status": d.status,
                "session": None
                if d.session is None
                else asdict(d.session)
                | {"start": None if d.session.start is None else d.session.start.isoformat()},
            }
            for d in days
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    for d in days:
        what = (
            "rest"
            if d.session is None
            else f"{d.session.title}: " + describe(d.session).replace("\n", "; ")
        )
        sys.stdout.write(f"{d.day:%a %d %b}  [{d.status}]  {what}\n")
    if args.ics is not None:
        sys.stdout.write(f"wrote {args.ics}\n")
    return EXIT_OK


def _replay(config: Config, args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from recoveryd.daemon.deciding import decide_range  # noqa: PLC0415
    from recoveryd.present.as_json import replay_json  # noqa: PLC0415
    from recoveryd.present.summary import history_table  # noqa: PLC0415

    athlete = config.athlete(args.athlete)
    if args.last < args.first:
        sys.stderr.write(f"replay: --to {args.last} is before --from {args.first}\n")
        return EXIT_CONFIG
    if args.plot is not None and (problem := unwritable(args.plot)) is not None:
        sys.stderr.write(f"replay: {problem}\n")
        return EXIT_CONFIG
    total = (args.last - args.first).days + 1
    err = Console(stderr=True)
    with (
        open_store(config, keep_blocks=True, existing=True) as store,
        Progress(console=err, transient=True) as progress,
    ):
        task = progress.add_task(f"replaying {athlete.name}", total=total)
        # One call: every day is decided from the same history, as it is alone or live.
        plans = decide_range(
            store, config, athlete.id, args.first, args.last, actions=False,
            progress=lambda done: progress.update(task, completed=done),
        )  # fmt: skip
    if args.plot is not None:
        from recoveryd.present.chart import history_chart  # noqa: PLC0415

        title = f"{athlete.name}: {args.first} to {args.last}"
        if not write_output(args.plot, history_chart(plans, title)):
            return EXIT_REJECTED
    if args.json:
        for plan in plans:
            sys.stdout.write(json.dumps(replay_json(plan), ensure_ascii=False) + "\n")
        return EXIT_OK
    console = Console(highlight=False)
    console.print(history_table(plans, athlete.name))
    counts = Counter(p.protocol.value for p in plans)
    console.print("  " + ", ".join(f"{name} {n}" for name, n in counts.most_common()))
    if args.plot is not None:
        console.print(f"  chart written to {args.plot}")
    return EXIT_OK


def _today(config: Config, athlete_id: str, day: date | None, *, as_json: bool) -> int:
    from recoveryd.daemon.today_view import today_view  # noqa: PLC0415

    athlete = config.athlete(athlete_id)
    # Without --date the answer is the household's today's, and holds only for that date.
    asked, day = day, day or datetime.now(config.zone).date()
    today_zone = config.household.timezone if asked is None else None
    answers.note_store(config.storage.path, zone=today_zone, day=day.isoformat())
    with open_store(config, existing=True) as store:
        seen = today_view(store, config, athlete_id, day)
    if as_json:
        sys.stdout.write(today_json(seen.plan, seen.stored, seen.unlisted))
        return EXIT_OK
    from rich.console import Console  # noqa: PLC0415

    print_today(Console(highlight=False), seen.plan, athlete_name=athlete.name,
                stored=seen.stored, unlisted=seen.unlisted, zone=config.zone)  # fmt: skip
    return EXIT_OK


def handlers() -> Handlers:
    """The commands of this family (all read the configuration)."""
    return Handlers(
        with_config={
            "override": _override,
            "plan": _plan,
            "timeline": lambda config, args: _timeline(config, args.date, as_json=args.json),
            "replay": _replay,
            "today": lambda config, args: _today(
                config, args.athlete, args.date, as_json=args.json
            ),
        },
    )

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The ``recoveryd`` command line.

Exit codes: 0 success; 1 the command ran but something was rejected or failed; 2 the
configuration or the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from integrations.ble.profile import ProfileError

from recoveryd import __version__
from recoveryd.cli import journal
from recoveryd.cli.importing import import_any
from recoveryd.config.errors import ConfigError
from recoveryd.config.loader import CONFIG_ENV, load_config
from recoveryd.config.model import Config
from recoveryd.domain.models import Protocol
from recoveryd.store.database import Store, StoreError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_CONFIG = 2


_CONFIG_HELP = f"configuration file (default: ${CONFIG_ENV}, then /etc/recoveryd/recoveryd.yaml)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recoveryd",
        description="Decide the day's recovery from last night's data and let the home act on it.",
    )
    parser.add_argument("--version", action="version", version=f"recoveryd {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _daemon_commands(commands)
    _data_commands(commands)
    _decision_commands(commands)
    journal.add_commands(commands)
    return parser


def _daemon_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run the daemon")
    run.add_argument("--config", type=Path, help=_CONFIG_HELP)
    run.add_argument("--dry-run", action="store_true", help="plan and log actions, touch no device")
    commands.add_parser("demo", help="run the daemon on the bundled sample data, then exit")
    check = commands.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", type=Path, nargs="?", help=_CONFIG_HELP)


def _format(
    formats: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_: str,
    *,
    files: str = "file",
) -> argparse.ArgumentParser:
    """One ``recoveryd import FORMAT``: its file (``files``: one or many) and its athlete."""
    parser = formats.add_parser(name, help=help_)
    if files == "file":
        parser.add_argument("file", type=Path)
    elif files == "many":
        parser.add_argument("files", type=Path, nargs="+", metavar="PATH")
    parser.add_argument("--athlete", required=True, help="athlete id from the configuration")
    parser.add_argument("--config", type=Path, help=_CONFIG_HELP)
    return parser


def _import_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser("import", help="import nights from a file")
    formats = importer.add_subparsers(dest="format", required=True, metavar="FORMAT")

    def strict(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--strict", action="store_true", help="reject the whole file on any bad row"
        )

    strict(_format(formats, "csv", "the generic nightly CSV format (see README)"))
    for name, help_ in (
        ("oura", "nights from the Oura API v2 (personal token)"),
        ("whoop", "nights from the WHOOP API v2 (OAuth)"),
        ("homeassistant", "nights from Home Assistant sensors (ha_sensors mappings)"),
    ):
        pulled = _format(formats, name, help_, files="none")
        pulled.add_argument(
            "--from", dest="first", type=date.fromisoformat, help="default: 7 days ago"
        )
        pulled.add_argument("--to", dest="last", type=date.fromisoformat, help="default: today")
    _format(formats, "apple-health", "Apple Health export.xml (streamed)")
    strict(_format(formats, "hrv4training", "HRV4Training's CSV export"))
    _format(
        formats, "gadgetbridge",
        "a Gadgetbridge database export (Garmin, Mi Band, Amazfit, Xiaomi)",
    ).add_argument(
        "--device", help="the device's name in Gadgetbridge, if it has several"
    )  # fmt: skip
    strict(_format(formats, "sessions", "training sessions from a CSV (see README)"))
    _format(formats, "garmin-fit", "Garmin FIT files, or folders of them", files="many")


def _data_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _import_commands(commands)
    log = commands.add_parser("log-session", help="record a completed training session")
    log.add_argument("--athlete", required=True, help="athlete id from the configuration")
    log.add_argument("--minutes", type=float, required=True, help="duration in minutes")
    log.add_argument("--rpe", type=float, help="session RPE, CR-10 scale (0-10)")
    log.add_argument("--avg-hr", type=float, help="average heart rate, bpm")
    log.add_argument("--sport", default="general")
    log.add_argument("--date", type=date.fromisoformat, help="the day (default: today)")
    log.add_argument(
        "--start", default="", help="start time HH:MM (sessions of a day differ by it)"
    )
    log.add_argument("--config", type=Path, help=_CONFIG_HELP)

    hrv = commands.add_parser("hrv", help="clean an RR-interval file and print its HRV")
    hrv.add_argument("file", type=Path, help="RR intervals: one per line, or a CSV export")
    hrv.add_argument("--json", action="store_true", help="print JSON for scripts")
    hrv.add_argument(
        "--min-seconds", type=float, default=60.0, help="shortest usable recording (default 60)"
    )
    hrv.add_argument(
        "--correction", choices=("auto", "none"), default="auto",
        help="auto: correct artefacts (Lipponen & Tarvainen 2019); none: take the NN series as "
        "it is (Kubios' none)",
    )  # fmt: skip

    measure = commands.add_parser(
        "measure-hrv", help="record the morning HRV reading from a Bluetooth heart rate strap"
    )
    measure.add_argument("--athlete", required=True, help="athlete id from the configuration")
    measure.add_argument("--device", help="strap name or address (default: hrv_strap.device)")
    measure.add_argument("--minutes", type=float, help="recording length, 1-5 (default 3)")
    measure.add_argument("--json", action="store_true", help="print JSON for scripts")
    measure.add_argument("--config", type=Path, help=_CONFIG_HELP)

    sample = commands.add_parser("sample", help="write the sample histories as generic CSV files")
    sample.add_argument("--out", type=Path, required=True, help="directory for <athlete>.csv")
    sample.add_argument(
        "--end", type=date.fromisoformat, help="date of the last night (default: today)"
    )


def _decision_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    today = commands.add_parser("today", help="today's decision with its reasons")
    today.add_argument("--athlete", required=True, help="athlete id from the configuration")
    today.add_argument("--date", type=date.fromisoformat, help="decide this day instead")
    today.add_argument("--json", action="store_true", help="print JSON for scripts")
    today.add_argument("--config", type=Path, help=_CONFIG_HELP)

    override = commands.add_parser("override", help="set (or clear) a day's protocol by hand")
    override.add_argument("--athlete", required=True, help="athlete id from the configuration")
    override.add_argument(
        "--protocol", choices=[p.value for p in Protocol if p is not Protocol.INSUFFICIENT_DATA]
    )
    override.add_argument("--clear", action="store_true", help="go back to the rules' decision")
    override.add_argument("--date", type=date.fromisoformat, help="the day (default: today)")
    override.add_argument("--config", type=Path, help=_CONFIG_HELP)

    replay = commands.add_parser("replay", help="decide every day of a past range again")
    replay.add_argument("--athlete", required=True, help="athlete id from the configuration")
    replay.add_argument("--from", dest="first", type=date.fromisoformat, required=True)
    replay.add_argument("--to", dest="last", type=date.fromisoformat, required=True)
    replay.add_argument("--json", action="store_true", help="one JSON object per day")
    replay.add_argument("--plot", type=Path, help="draw the chart to this PNG file")
    replay.add_argument("--config", type=Path, help=_CONFIG_HELP)

    timeline = commands.add_parser(
        "timeline", help="what the home does today (or --date), touching no device"
    )
    timeline.add_argument("--date", type=date.fromisoformat, help="the day (default: today)")
    timeline.add_argument("--json", action="store_true", help="print JSON for scripts")
    timeline.add_argument("--config", type=Path, help=_CONFIG_HELP)

    plan = commands.add_parser("plan", help="the coming 7 days of training, adjusted today")
    plan.add_argument("--athlete", required=True, help="athlete id from the configuration")
    plan.add_argument("--ics", type=Path, help="also write them as an iCalendar file")
    plan.add_argument("--json", action="store_true", help="print JSON for scripts")
    plan.add_argument("--date", type=date.fromisoformat, help="start on this day (default today)")
    plan.add_argument("--config", type=Path, help=_CONFIG_HELP)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``recoveryd`` console script."""
    args = _parser().parse_args(argv)
    _configure_logging(verbose=args.verbose, interactive=args.command == "demo")
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as command-line tools do.
        sys.stderr.close()
        return EXIT_OK
    except ConfigError as exc:
        for line in exc.problems:
            sys.stderr.write(f"{line}\n")
        return EXIT_CONFIG
    except StoreError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REJECTED
    except ProfileError as exc:  # a BLE profile that cannot be loaded when the daemon starts
        sys.stderr.write(f"{exc}\n")
        return EXIT_CONFIG
    except KeyError as exc:
        sys.stderr.write(f"{exc.args[0]}\n")
        return EXIT_CONFIG


def _dispatch(args: argparse.Namespace) -> int:
    without_config: dict[str, Callable[[], int]] = {
        "check-config": lambda: _check_config(args.file),
        "demo": _demo,
        "sample": lambda: _sample(args.out, args.end),
        "hrv": lambda: _hrv(
            args.file, as_json=args.json, min_seconds=args.min_seconds, correction=args.correction
        ),
    }
    if args.command in without_config:
        return without_config[args.command]()
    config = load_config(args.config)
    with_config: dict[str, Callable[[], int]] = {
        "run": lambda: _run(config, dry_run=args.dry_run),
        "import": lambda: import_any(config, args),
        "override": lambda: _override(config, args),
        "log-session": lambda: _log_session(config, args),
        "plan": lambda: _plan(config, args),
        "timeline": lambda: _timeline(config, args.date, as_json=args.json),
        "measure-hrv": lambda: _measure_hrv(config, args),
        "replay": lambda: _replay(config, args),
        "today": lambda: _today(config, args.athlete, args.date, as_json=args.json),
        "imports": lambda: journal.list_imports(config, args),
        "undo-import": lambda: journal.undo_import(config, args),
    }
    return with_config[args.command]()


LIBRARY_LOGGERS = (
    "apscheduler", "homeassistant_api", "aiomqtt", "paho", "amqtt", "bleak",
    "bleak_retry_connector", "niquests", "urllib3", "apprise", "matplotlib",
)  # fmt: skip


def _configure_logging(*, verbose: bool, interactive: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    if interactive:
        from rich.console import Console  # noqa: PLC0415
        from rich.logging import RichHandler  # noqa: PLC0415

        handler: logging.Handler = RichHandler(
            console=Console(stderr=True), show_time=False, show_path=False, markup=False
        )
        logging.basicConfig(level=level, format="%(name)s: %(message)s", handlers=[handler])
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Libraries speak at INFO of their own workings (the scheduler of every job it adds,
    # homeassistant-api of every WebSocket message, user ids included): their warnings and
    # errors still show; the rest with -v.
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(logging.DEBUG if verbose else logging.WARNING)


def _demo() -> int:
    from recoveryd.cli.demo import run_demo  # noqa: PLC0415 - the demo pulls in the broker

    return run_demo()


def _check_config(path: Path | None) -> int:
    from integrations.ble.profile import ProfileError, load_profile  # noqa: PLC0415

    config = load_config(path, check=True)
    problems = []
    for name, device in config.devices.items():
        if device.via == "ble" and device.profile:
            try:
                load_profile(config.resolve(device.profile))
            except ProfileError as exc:
                problems.append(f"devices.{name}.profile: {exc}")
    if problems:
        raise ConfigError(problems)
    # Placeholders are filled in where the daemon runs, not where the file is checked.
    for unset in config.unset_placeholders:
        sys.stdout.write(f"note: {unset} is not set here; `recoveryd run` needs it\n")
    sys.stdout.write("ok\n")
    return EXIT_OK


def _run(config: Config, *, dry_run: bool) -> int:
    from recoveryd.daemon.consumer import run_daemon  # noqa: PLC0415 - keep other commands light
    from recoveryd.daemon.lock import DaemonRunningError, daemon_lock  # noqa: PLC0415

    if dry_run:
        config = config.model_copy(update={"dry_run": True})
    try:
        with daemon_lock(config.storage.path):
            run_daemon(config)
    except DaemonRunningError as exc:
        sys.stderr.write(f"recoveryd run: {exc}\n")
        return EXIT_REJECTED
    return EXIT_OK


def _override(config: Config, args: argparse.Namespace) -> int:
    config.athlete(args.athlete)
    now = datetime.now(config.zone)
    day = args.date or now.date()
    if args.clear == (args.protocol is not None):
        sys.stderr.write("override: give either --protocol P or --clear\n")
        return EXIT_CONFIG
    with Store(config.storage.path) as store:
        if args.clear:
            had = store.clear_override(args.athlete, day)
            sys.stdout.write(
                f"{args.athlete} {day}: {'override cleared' if had else 'no override was set'}\n"
            )
        else:
            store.set_override(args.athlete, day, Protocol(args.protocol), now)
            sys.stdout.write(f"{args.athlete} {day}: protocol set to {args.protocol}\n")
    return EXIT_OK


def _log_session(config: Config, args: argparse.Namespace) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from recoveryd.config.errors import describe_errors  # noqa: PLC0415
    from recoveryd.domain.validation import SessionInput  # noqa: PLC0415
    from recoveryd.engine.load import CompletedSession  # noqa: PLC0415

    config.athlete(args.athlete)
    try:
        checked = SessionInput(minutes=args.minutes, rpe=args.rpe, avg_hr=args.avg_hr)
    except ValidationError as exc:
        for line in describe_errors(exc, SessionInput):
            sys.stderr.write(f"log-session: {line}\n")
        return EXIT_CONFIG
    day = args.date or datetime.now(config.zone).date()
    session = CompletedSession(
        args.athlete,
        day,
        "manual",
        args.start,
        args.sport,
        checked.minutes,
        checked.rpe,
        checked.avg_hr,
    )
    with Store(config.storage.path) as store:
        changed = store.upsert(sessions=[session])
    sys.stdout.write(f"{args.athlete} {day}: {'session stored' if changed else 'already stored'}\n")
    return EXIT_OK


def _measure_hrv(config: Config, args: argparse.Namespace) -> int:
    """Record, clean, judge and store the morning reading; exit 1 unless it is good."""
    from recoveryd.cli.measuring import measure_hrv  # noqa: PLC0415 - pulls in bleak

    athlete = config.athlete(args.athlete)
    strap = athlete.hrv_strap
    device = args.device or (strap.device if strap else None)
    if device is None:
        sys.stderr.write(
            f"measure-hrv: {athlete.id} has no hrv_strap in the configuration; give --device\n"
        )
        return EXIT_CONFIG
    minutes = args.minutes if args.minutes is not None else (strap.minutes if strap else 3.0)
    if not 1 <= minutes <= 5:  # noqa: PLR2004 - the documented range
        sys.stderr.write(f"measure-hrv: --minutes must be between 1 and 5, got {minutes:g}\n")
        return EXIT_CONFIG
    return measure_hrv(config, athlete, device, minutes, as_json=args.json)


def _timeline(config: Config, day: date | None, *, as_json: bool) -> int:
    """What the household's day is and will be, as the daemon runs it.

    The plan, what people changed (Skip, start now), the switch-offs the log owes and the
    switch-ons that will be refused.
    """
    from recoveryd.daemon.day_state import skipped  # noqa: PLC0415
    from recoveryd.daemon.deciding import decide_range  # noqa: PLC0415
    from recoveryd.daemon.household_day import household_day, started_now  # noqa: PLC0415
    from recoveryd.home.timeline import describe  # noqa: PLC0415

    day = day or datetime.now(config.zone).date()
    with Store(config.storage.path) as store:
        plans = []
        for athlete in config.athletes:
            stored = store.latest_decision(athlete.id, day)
            plans.append(
                stored.plan if stored else decide_range(store, config, athlete.id, day, day)[0]
            )
        timeline = household_day(store, config, day, plans)
        logged = {key: (status, detail) for key, _, status, detail in store.action_history(day)}
        changed = [f"{a.id} skipped" for a in config.athletes if skipped(store, a.id, day)]
        changed += [
            f"{a} started at {t:%H:%M}" for a, t in started_now(store, config, plans, day).items()
        ]
    rows: list[dict[str, Any]] = []
    lines = []
    for a in timeline.actions:
        status, detail = logged.get(a.key, ("pending", ""))
        if status == "pending" and a.key in timeline.refused:
            status, detail = "will be refused", timeline.refused[a.key]
        note = timeline.notes.get(a.key, "")
        rows.append({
            "at": a.at.isoformat(), "athlete": a.athlete, "modality": a.modality,
            "command": a.command, "device": a.device, "params": dict(a.params),
            "ends_at": None if a.ends_at is None else a.ends_at.isoformat(),
            "status": status, "detail": detail, "note": note, "text": describe(a),
        })  # fmt: skip
        why = "; ".join(t for t in (note, detail if status == "will be refused" else "") if t)
        lines.append(f"{a.at:%H:%M}  {a.athlete:<10} {describe(a)}  [{status}]"
                     + (f"  {why}" if why else ""))  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    protocols = ", ".join(f"{p.athlete} {p.protocol.value}" for p in plans)
    extra = f"; {', '.join(changed)}" if changed else ""
    sys.stdout.write(f"{day} ({protocols}{extra}): {len(rows)} actions\n")
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return EXIT_OK


def _plan(config: Config, args: argparse.Namespace) -> int:
    from dataclasses import asdict  # noqa: PLC0415

    from integrations.ical.ics import CalendarDay, describe, week_calendar  # noqa: PLC0415

    from recoveryd.daemon.deciding import decide_range, training_plan  # noqa: PLC0415

    athlete = config.athlete(args.athlete)
    now = datetime.now(config.zone)
    first = args.date or now.date()
    with Store(config.storage.path) as store:
        [today] = decide_range(store, config, args.athlete, first, first)
    plan = training_plan(athlete)
    days = [CalendarDay(first, today.session, f"{today.protocol.value} (decided {first})")]
    days += [
        CalendarDay(first + timedelta(days=i), plan.planned(first + timedelta(days=i)), "planned")
        for i in range(1, 7)
    ]
    if args.ics is not None:
        args.ics.write_bytes(week_calendar(athlete.id, athlete.name, days, config.zone, now))
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


_REPLAY_CHUNK_DAYS = 31


def _replay(config: Config, args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from recoveryd.daemon.deciding import decide_range  # noqa: PLC0415
    from recoveryd.present.summary import history_table, replay_json  # noqa: PLC0415

    athlete = config.athlete(args.athlete)
    if args.last < args.first:
        sys.stderr.write(f"replay: --to {args.last} is before --from {args.first}\n")
        return EXIT_CONFIG
    total = (args.last - args.first).days + 1
    plans = []
    err = Console(stderr=True)
    with Store(config.storage.path) as store, Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"replaying {athlete.name}", total=total)
        chunk_start = args.first
        while chunk_start <= args.last:
            chunk_end = min(chunk_start + timedelta(days=_REPLAY_CHUNK_DAYS - 1), args.last)
            plans += decide_range(store, config, athlete.id, chunk_start, chunk_end)
            progress.advance(task, (chunk_end - chunk_start).days + 1)
            chunk_start = chunk_end + timedelta(days=1)
    if args.plot is not None:
        from recoveryd.present.chart import history_chart  # noqa: PLC0415

        title = f"{athlete.name}: {args.first} to {args.last}"
        args.plot.write_bytes(history_chart(plans, title))
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
    from recoveryd.daemon.deciding import decide_range  # noqa: PLC0415
    from recoveryd.present.summary import morning_summary, plan_json  # noqa: PLC0415

    athlete = config.athlete(athlete_id)
    day = day or datetime.now(config.zone).date()
    with Store(config.storage.path) as store:
        [plan] = decide_range(store, config, athlete_id, day, day)
        stored = store.latest_decision(athlete_id, day)
        unlisted = journal.unlisted_sources(store, config, athlete_id)
    if as_json:
        data = plan_json(plan)
        data["unlisted_sources"] = unlisted
        data["stored_decision"] = (
            None
            if stored is None
            else {
                "revision": stored.revision,
                "decided_at": stored.decided_at.isoformat(),
                "protocol": stored.plan.protocol.value,
            }
        )
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    from rich.console import Console  # noqa: PLC0415

    console = Console(highlight=False)
    console.print(morning_summary(plan, athlete.name, dry_run=True))
    if stored is not None:
        console.print(
            f"The daemon decided {stored.plan.protocol.value} at "
            f"{stored.decided_at.astimezone(config.zone):%H:%M} (revision {stored.revision})."
        )
    for line in unlisted:
        console.print(f"Note: {line}.", markup=False)
    return EXIT_OK


def _hrv(path: Path, *, as_json: bool, min_seconds: float, correction: str) -> int:
    from integrations.wearables.rr_files import RrFileError, parse_rr  # noqa: PLC0415

    from recoveryd.engine.hrv import HrvError, analyse  # noqa: PLC0415
    from recoveryd.present.summary import hrv_json, hrv_panel  # noqa: PLC0415

    try:
        series = parse_rr(path.read_text(encoding="utf-8-sig"), path.name)
        reading = analyse(series.rr_ms, min_duration_s=min_seconds, correction=correction)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        sys.stderr.write(f"{path.name}: cannot read the file: {reason}\n")
        return EXIT_REJECTED
    except (RrFileError, HrvError) as exc:
        message = str(exc)
        prefix = "" if message.startswith(path.name) else f"{path.name}: "
        sys.stderr.write(f"{prefix}{message}\n")
        return EXIT_REJECTED
    if as_json:
        data = hrv_json(reading)
        data["file"] = {
            "name": path.name,
            "column": series.column,
            "converted_from_seconds": series.converted_from_seconds,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    from rich.console import Console  # noqa: PLC0415

    console = Console(highlight=False)
    console.print(hrv_panel(reading, path.name))
    if series.converted_from_seconds:
        console.print("The file holds seconds; converted to milliseconds.")
    return EXIT_OK


def _sample(out: Path, end: date | None) -> int:
    from integrations.wearables.generic_csv import write_csv  # noqa: PLC0415

    from recoveryd.cli.sampledata import PROFILES, generate  # noqa: PLC0415

    last = end or date.today()  # noqa: DTZ011 - the user's local calendar day is meant
    nights, checkins = generate(last)
    out.mkdir(parents=True, exist_ok=True)
    for profile in PROFILES:
        path = out / f"{profile.athlete}.csv"
        path.write_text(
            write_csv(
                [n for n in nights if n.athlete == profile.athlete],
                [c for c in checkins if c.athlete == profile.athlete],
            ),
            encoding="utf-8",
        )
        sys.stdout.write(f"wrote {path}\n")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``log-session``, ``hrv``, ``measure-hrv``, ``sample``: data by hand, from a file or a strap."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli.common import (
    CONFIG_HELP,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_REJECTED,
    Handlers,
    clock_time,
    iso_date,
    open_store,
    positive_seconds,
)

if TYPE_CHECKING:
    from recoveryd.config.model import Config


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The family's subcommands and their arguments."""
    log = commands.add_parser("log-session", help="record a completed training session")
    log.add_argument("--athlete", required=True, help="athlete id from the configuration")
    log.add_argument("--minutes", type=float, required=True, help="duration in minutes")
    log.add_argument("--rpe", type=float, help="session RPE, CR-10 scale (0-10)")
    log.add_argument("--avg-hr", type=float, help="average heart rate, bpm")
    log.add_argument("--sport", default="general")
    log.add_argument("--date", type=iso_date, help="the day (default: today)")
    log.add_argument(
        "--start", type=clock_time, default="",
        help="start time HH:MM, 24-hour (sessions of a day differ by it)",
    )  # fmt: skip
    log.add_argument("--config", type=Path, help=CONFIG_HELP)

    hrv = commands.add_parser("hrv", help="clean an RR-interval file and print its HRV")
    hrv.add_argument("file", type=Path, help="RR intervals: one per line, or a CSV export")
    hrv.add_argument("--json", action="store_true", help="print JSON for scripts")
    hrv.add_argument(
        "--min-seconds",
        type=positive_seconds,
        default=60.0,
        help="shortest usable recording (default 60)",
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
    measure.add_argument("--config", type=Path, help=CONFIG_HELP)

    sample = commands.add_parser("sample", help="write the sample histories as generic CSV files")
    sample.add_argument("--out", type=Path, required=True, help="directory for <athlete>.csv")
    sample.add_argument("--end", type=iso_date, help="date of the last night (default: today)")


def _log_session(config: Config, args: argparse.Namespace) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from recoveryd.config.errors import describe_errors  # noqa: PLC0415
    from recoveryd.domain.training import CompletedSession  # noqa: PLC0415
    from recoveryd.domain.validation import SessionInput  # noqa: PLC0415

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
    with open_store(config) as store:
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


def _hrv(path: Path, *, as_json: bool, min_seconds: float, correction: str) -> int:
    from recoveryd.engine.hrv import HrvError, analyse  # noqa: PLC0415
    from recoveryd.integrations.wearables.rr_files import RrFileError, parse_rr  # noqa: PLC0415
    from recoveryd.present.reading import hrv_json, hrv_panel  # noqa: PLC0415

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
    from recoveryd.cli.sampledata import PROFILES, generate  # noqa: PLC0415
    from recoveryd.integrations.wearables.generic_csv import write_csv  # noqa: PLC0415

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


def handlers() -> Handlers:
    """The commands of this family: those that need the configuration, and those that do not."""
    return Handlers(
        with_config={"log-session": _log_session, "measure-hrv": _measure_hrv},
        without_config={
            "sample": lambda args: _sample(args.out, args.end),
            "hrv": lambda args: _hrv(
                args.file,
                as_json=args.json,
                min_seconds=args.min_seconds,
                correction=args.correction,
            ),
        },
    )

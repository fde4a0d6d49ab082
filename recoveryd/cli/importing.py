# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd import FORMAT``: nights, check-ins and sessions from files, APIs and sensors.

Each importer (``integrations/wearables``, ``integrations/homeassistant``) is imported when its
format is asked for; its result is one journalled import; every rejected record is one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli.common import (
    CONFIG_HELP,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_REJECTED,
    Handlers,
    iso_date,
    open_store,
)
from recoveryd.cli.journal import unlisted_sources

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.store.journal import ImportRecord

if TYPE_CHECKING:
    from recoveryd.domain.pulled import PullSource

# The CLI's exit codes (recoveryd.cli.main): success, something rejected, bad configuration.


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
    parser.add_argument("--config", type=Path, help=CONFIG_HELP)
    return parser


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The family's subcommands and their arguments."""
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
        pulled.add_argument("--from", dest="first", type=iso_date, help="default: 7 days ago")
        pulled.add_argument("--to", dest="last", type=iso_date, help="default: today")
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


def handlers() -> Handlers:
    """``recoveryd import FORMAT``."""
    return Handlers(with_config={"import": import_any})


def import_any(config: Config, args: argparse.Namespace) -> int:
    """Run ``recoveryd import``; the exit code of the CLI."""
    files: dict[str, Callable[[], int]] = {
        "apple-health": lambda: _import_apple_health(config, args.file, args.athlete),
        "gadgetbridge": lambda: _import_gadgetbridge(config, args.file, args.athlete, args.device),
        "garmin-fit": lambda: _import_garmin_fit(config, args.files, args.athlete),
        "sessions": lambda: _import_sessions(config, args.file, args.athlete, strict=args.strict),
    }
    if args.format in files:
        return files[args.format]()
    if args.format in {"csv", "hrv4training"}:
        hrv4training = args.format == "hrv4training"
        return _import(
            config, args.file, args.athlete, strict=args.strict, hrv4training=hrv4training
        )
    # The API and sensor imports take a range of mornings, by default the last week.
    last = args.last or datetime.now(config.zone).date()
    first = args.first or last - timedelta(days=7)
    if first > last:
        sys.stderr.write(f"import {args.format}: --to {last} is before --from {first}\n")
        return EXIT_CONFIG
    return _import_pulled(config, args.athlete, args.format, first, last)


def _import_pulled(
    config: Config, athlete_id: str, source: PullSource, first: date, last: date
) -> int:
    """Pull the nights of a range of mornings from an API or Home Assistant, and store them."""
    import asyncio  # noqa: PLC0415

    from recoveryd.daemon.pulling import MISSING, pull, pull_sources, whoop_refresh_key  # noqa: PLC0415
    from recoveryd.store.journal import Origin  # noqa: PLC0415 - imported when the command runs

    if source not in pull_sources(config, config.athlete(athlete_id)):
        sys.stderr.write(f"import {source}: {athlete_id} has {MISSING[source]}\n")
        return EXIT_CONFIG
    key = whoop_refresh_key(athlete_id)
    with open_store(config) as store:
        refresh = store.setting(key) if source == "whoop" else None
        pulled = asyncio.run(pull(config, athlete_id, source, first, last, refresh_token=refresh))
        if pulled.refresh_token is not None:  # WHOOP rotates refresh tokens: keep the new one
            store.set_setting(key, pulled.refresh_token)
        if pulled.error is not None:
            sys.stderr.write(f"import {source}: {pulled.error}\n")
            return EXIT_REJECTED
        origin = Origin(
            source, f"{first} to {last}", athlete_id, rejected=len(pulled.problems),
            keep_empty=True,
        )  # fmt: skip
        record = store.merge(nights=pulled.nights, origin=origin)
        unlisted = unlisted_sources(store, config, athlete_id)
    for line in pulled.problems:
        sys.stderr.write(f"import {source}: {line}; left out\n")
    sys.stdout.write(
        f"{source} {first} to {last}: {len(pulled.nights)} nights, "
        f"{record.new + record.changed} new or changed{_numbered(record)}\n"
    )
    _notes(unlisted)
    return EXIT_REJECTED if pulled.problems else EXIT_OK


def _missing(path: Path) -> bool:
    """Say so, before any progress bar, when ``path`` is not a file."""
    if path.is_file():
        return False
    sys.stderr.write(f"{path}: no such file\n")
    return True


def _numbered(record: ImportRecord) -> str:
    return f" (import {record.id})" if record.id else ""


def _notes(lines: list[str]) -> None:
    for line in lines:
        sys.stdout.write(f"note: {line}\n")


def _report(
    errors: tuple[str, ...], summary: str, record: ImportRecord, unlisted: list[str]
) -> int:
    """One line per rejected record on stderr, the summary on stdout; the exit code."""
    for line in errors:
        sys.stderr.write(line + "\n")
    sys.stdout.write(f"{summary}, {len(errors)} rejected{_numbered(record)}\n")
    _notes(unlisted)
    return EXIT_REJECTED if errors else EXIT_OK


def _import_apple_health(config: Config, path: Path, athlete: str) -> int:
    from integrations.wearables.apple_health import import_export  # noqa: PLC0415

    from recoveryd.present.progress import progress_bar  # noqa: PLC0415 - imported when the command runs

    config.athlete(athlete)
    if _missing(path):
        return EXIT_REJECTED
    with progress_bar(path.name, path.stat().st_size) as progress:
        try:
            with open_store(config) as store:
                parsed, record = import_export(
                    store, path, athlete, progress=progress,
                    priority=config.athlete(athlete).apple_health_priority,
                )  # fmt: skip
                unlisted = unlisted_sources(store, config, athlete)
        except ValueError as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_REJECTED
    return _report(
        parsed.errors,
        f"{path.name}: {parsed.records} records, {len(parsed.nights)} nights and "
        f"{len(parsed.sessions)} workouts as source apple_health, "
        f"{record.new + record.changed} new or changed",
        record,
        unlisted,
    )


def _import_gadgetbridge(config: Config, path: Path, athlete: str, device: str | None) -> int:
    from integrations.wearables import gadgetbridge  # noqa: PLC0415

    from recoveryd.present.progress import progress_bar  # noqa: PLC0415 - imported when the command runs

    config.athlete(athlete)
    if _missing(path):
        return EXIT_REJECTED
    try:
        with (
            progress_bar(path.name, 0, rows=True) as progress,
            open_store(config) as store,
        ):
            parsed, record = gadgetbridge.import_database(
                store, path, athlete, config.zone, device=device, progress=progress
            )
            unlisted = unlisted_sources(store, config, athlete)
    except gadgetbridge.GadgetbridgeError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REJECTED
    return _report(
        parsed.errors,
        f"{path.name}: {parsed.device}: {parsed.rows} rows, {len(parsed.nights)} nights as "
        f"source {parsed.source}, {record.new + record.changed} new or changed",
        record,
        unlisted,
    )


def _import_garmin_fit(config: Config, paths: list[Path], athlete: str) -> int:
    from integrations.wearables.garmin_fit import SOURCE, fit_files, import_files  # noqa: PLC0415

    from recoveryd.present.progress import progress_bar  # noqa: PLC0415 - imported when the command runs

    config.athlete(athlete)
    for path in paths:
        if not path.exists():
            sys.stderr.write(f"{path}: no such file or folder\n")
            return EXIT_REJECTED
    files = fit_files(paths)
    with (
        progress_bar(f"{len(files)} FIT files", sum(f.stat().st_size for f in files)) as progress,
        open_store(config) as store,
    ):
        parsed, record = import_files(store, files, athlete, config.zone, progress=progress)
        unlisted = unlisted_sources(store, config, athlete)
    return _report(
        parsed.errors,
        f"garmin fit: {parsed.files} files, {parsed.messages} messages, {len(parsed.nights)} "
        f"nights and {len(parsed.sessions)} workouts as source {SOURCE}, "
        f"{record.new + record.changed} new or changed",
        record,
        unlisted,
    )


def _import_sessions(config: Config, path: Path, athlete: str, *, strict: bool) -> int:
    from integrations.wearables.sessions_csv import import_sessions  # noqa: PLC0415

    config.athlete(athlete)
    try:
        with open_store(config) as store:
            parsed, record = import_sessions(store, path, athlete, strict=strict)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        sys.stderr.write(f"{path.name}: cannot read the file: {reason}\n")
        return EXIT_REJECTED
    if record is None:
        for line in parsed.errors:
            sys.stderr.write(line + "\n")
        sys.stdout.write(f"{path.name}: nothing stored\n")
        return EXIT_REJECTED if parsed.errors else EXIT_OK
    summary = (
        f"{path.name}: {parsed.rows} rows, {len(parsed.sessions)} sessions valid, "
        f"{record.new} new, {record.changed} changed"
    )
    return _report(parsed.errors, summary, record, [])


def _import(config: Config, path: Path, athlete: str, *, strict: bool, hrv4training: bool) -> int:
    from integrations.wearables.generic_csv import import_file, parse_csv  # noqa: PLC0415
    from integrations.wearables.hrv4training import parse_text  # noqa: PLC0415

    config.athlete(athlete)
    parse = parse_text if hrv4training else parse_csv
    kind = "hrv4training" if hrv4training else "csv"
    with open_store(config) as store:
        report = import_file(store, path, athlete, strict=strict, parse=parse, kind=kind)
        unlisted = unlisted_sources(store, config, athlete)
    for line in report.errors:
        sys.stderr.write(line + "\n")
    if report.stored:
        rejected = len(report.errors)
        sys.stdout.write(
            f"{path.name}: {report.rows} rows, {report.nights} nights and {report.checkins} "
            f"check-ins valid, {report.changed} new or changed, {rejected} rejected"
            f"{f' (import {report.import_id})' if report.import_id else ''}\n"
        )
        _notes(unlisted)
    else:
        sys.stdout.write(f"{path.name}: nothing stored\n")
    return EXIT_REJECTED if report.errors else EXIT_OK

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
    EXIT_REJECTED,
    Handlers,
    iso_date,
    open_store,
)
from recoveryd.daemon.unlisted import unlisted_sources

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.domain.pulled import PullSource


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
    # Imported when a file is imported: its progress bar and report need rich.
    from recoveryd.cli import import_files as files  # noqa: PLC0415

    by_format: dict[str, Callable[[], int]] = {
        "apple-health": lambda: files.apple_health(config, args.file, args.athlete),
        "gadgetbridge": lambda: files.gadgetbridge(config, args.file, args.athlete, args.device),
        "garmin-fit": lambda: files.garmin_fit(config, args.files, args.athlete),
        "sessions": lambda: files.sessions(config, args.file, args.athlete, strict=args.strict),
    }
    if args.format in by_format:
        return by_format[args.format]()
    if args.format in {"csv", "hrv4training"}:
        hrv4training = args.format == "hrv4training"
        return files.csv_like(
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

    from recoveryd.cli.import_files import report_pulled  # noqa: PLC0415
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
    return report_pulled(source, first, last, pulled=pulled, record=record, unlisted=unlisted)

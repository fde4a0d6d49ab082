# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd import FORMAT``: nights, check-ins and sessions from files, APIs and sensors.

A composition root like the CLI it serves: each importer (``integrations/wearables``,
``integrations/homeassistant``) is imported when its format is asked for, its result stored
in one transaction, and every rejected record reported as one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

from rich.console import Console

from recoveryd.config import Config
from recoveryd.models import Night
from recoveryd.store import Store

# The CLI's exit codes (recoveryd.cli): success, something rejected, bad configuration.
EXIT_OK, EXIT_REJECTED, EXIT_CONFIG = 0, 1, 2


def import_any(config: Config, args: argparse.Namespace) -> int:
    """Run ``recoveryd import``; the exit code of the CLI."""
    if args.format == "apple-health":
        return _import_apple_health(config, args.file, args.athlete)
    if args.format == "gadgetbridge":
        return _import_gadgetbridge(config, args.file, args.athlete, args.device)
    if args.format == "garmin-fit":
        return _import_garmin_fit(config, args.files, args.athlete)
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
    dated = {"oura": _import_oura, "whoop": _import_whoop, "homeassistant": _import_ha_sensors}
    return dated[args.format](config, args.athlete, first, last)


def _stored(config: Config, what: str, first: date, last: date, nights: list[Night]) -> int:
    """Store the nights in one transaction and say what changed."""
    with Store(config.storage.path) as store:
        changed = store.upsert(nights=nights)
    sys.stdout.write(f"{what} {first} to {last}: {len(nights)} nights, {changed} new or changed\n")
    return EXIT_OK


def _import_oura(config: Config, athlete_id: str, first: date, last: date) -> int:
    import asyncio  # noqa: PLC0415

    from integrations.wearables.oura import OuraError, fetch_nights  # noqa: PLC0415

    athlete = config.athlete(athlete_id)
    if athlete.oura_token is None:
        sys.stderr.write(f"import oura: {athlete_id} has no oura_token in the configuration\n")
        return EXIT_CONFIG
    try:
        nights = asyncio.run(
            fetch_nights(athlete.oura_token.get_secret_value(), athlete_id, first, last)
        )
    except OuraError as exc:
        sys.stderr.write(f"import oura: {exc}\n")
        return EXIT_REJECTED
    return _stored(config, "oura", first, last, nights)


def _import_whoop(config: Config, athlete_id: str, first: date, last: date) -> int:
    import asyncio  # noqa: PLC0415

    from integrations.wearables.whoop import WhoopClient, WhoopError, fetch_nights  # noqa: PLC0415

    athlete = config.athlete(athlete_id)
    credentials = athlete.whoop
    if credentials is None:
        sys.stderr.write(f"import whoop: {athlete_id} has no whoop credentials\n")
        return EXIT_CONFIG
    key = f"whoop_refresh:{athlete_id}"
    with Store(config.storage.path) as store:
        refresh = store.setting(key) or credentials.refresh_token.get_secret_value()
        rotated: list[str] = []
        access = credentials.access_token
        client = WhoopClient(
            access_token=access.get_secret_value() if access else "",
            refresh_token=refresh,
            client_id=credentials.client_id.get_secret_value(),
            client_secret=credentials.client_secret.get_secret_value(),
            on_refresh=rotated.append,
        )

        async def fetch() -> list[Night]:
            async with client:
                return await fetch_nights(
                    client, athlete_id,
                    datetime.combine(first, time(0), config.zone),
                    datetime.combine(last + timedelta(days=1), time(0), config.zone),
                    config.zone,
                )  # fmt: skip

        try:
            nights = asyncio.run(fetch())
        except WhoopError as exc:
            sys.stderr.write(f"import whoop: {exc}\n")
            return EXIT_REJECTED
        finally:
            if rotated:  # WHOOP rotates refresh tokens: the old one no longer works
                store.set_setting(key, rotated[-1])
    return _stored(config, "whoop", first, last, nights)


def _import_ha_sensors(config: Config, athlete_id: str, first: date, last: date) -> int:
    import asyncio  # noqa: PLC0415

    from integrations.homeassistant.history import HistoryError, entity_histories  # noqa: PLC0415

    from recoveryd.sensor_nights import sensor_nights  # noqa: PLC0415

    athlete = config.athlete(athlete_id)
    ha = config.homeassistant
    if not athlete.ha_sensors or ha.url is None or ha.token is None:
        sys.stderr.write(f"import homeassistant: {athlete_id} has no ha_sensors mappings\n")
        return EXIT_CONFIG
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    nights, problems = [], []
    for mapping in athlete.ha_sensors:
        start = datetime.combine(first - timedelta(days=1), mapping.at, config.zone)
        end = datetime.combine(last, mapping.at, config.zone)
        try:
            histories = asyncio.run(entity_histories(
                ha.url, ha.token.get_secret_value(), list(mapping.metrics.values()), start, end,
                verify_ssl=ha.verify_ssl,
            ))  # fmt: skip
        except HistoryError as exc:
            sys.stderr.write(f"import homeassistant: {exc}\n")
            return EXIT_REJECTED
        found, left_out = sensor_nights(
            athlete_id, mapping.source, histories,
            metrics={str(k): v for k, v in mapping.metrics.items()},
            scales={str(k): v for k, v in mapping.scales.items()},
            days=days, at=mapping.at, zone=config.zone,
        )  # fmt: skip
        nights += found
        problems += left_out
    for line in problems:
        sys.stderr.write(f"import homeassistant: {line}; left out\n")
    _stored(config, "homeassistant", first, last, nights)
    return EXIT_REJECTED if problems else EXIT_OK


@contextmanager
def _progress_bar(
    label: str, total: int, *, rows: bool = False
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr over ``total`` bytes (or rows); yields the importers' callback."""
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )  # fmt: skip

    count = MofNCompleteColumn() if rows else DownloadColumn()
    with Progress(
        f"[bold]reading[/] {label}", BarColumn(), count, TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("read", total=total)
        yield lambda done, size: bar.update(task, completed=done, total=size)


def _import_apple_health(config: Config, path: Path, athlete: str) -> int:
    from integrations.wearables.apple_health import import_export  # noqa: PLC0415

    config.athlete(athlete)
    if not path.is_file():
        sys.stderr.write(f"{path}: no such file\n")
        return EXIT_REJECTED
    with _progress_bar(path.name, path.stat().st_size) as progress:
        try:
            with Store(config.storage.path) as store:
                parsed, changed = import_export(store, path, athlete, progress=progress)
        except ValueError as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_REJECTED
    for line in parsed.errors:
        sys.stderr.write(line + "\n")
    sys.stdout.write(
        f"{path.name}: {parsed.records} records, {len(parsed.nights)} nights and "
        f"{len(parsed.sessions)} workouts as source apple_health, {changed} new or changed, "
        f"{len(parsed.errors)} rejected\n"
    )
    return EXIT_REJECTED if parsed.errors else EXIT_OK


def _import_gadgetbridge(config: Config, path: Path, athlete: str, device: str | None) -> int:
    from integrations.wearables import gadgetbridge  # noqa: PLC0415

    config.athlete(athlete)
    if not path.is_file():
        sys.stderr.write(f"{path}: no such file\n")
        return EXIT_REJECTED
    try:
        with (
            _progress_bar(path.name, 0, rows=True) as progress,
            Store(config.storage.path) as store,
        ):
            parsed, changed = gadgetbridge.import_database(
                store, path, athlete, config.zone, device=device, progress=progress
            )
    except gadgetbridge.GadgetbridgeError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REJECTED
    for line in parsed.errors:
        sys.stderr.write(line + "\n")
    sys.stdout.write(
        f"{path.name}: {parsed.device}: {parsed.rows} rows, {len(parsed.nights)} nights as "
        f"source {gadgetbridge.SOURCE}, {changed} new or changed, {len(parsed.errors)} rejected\n"
    )
    return EXIT_REJECTED if parsed.errors else EXIT_OK


def _import_garmin_fit(config: Config, paths: list[Path], athlete: str) -> int:
    from integrations.wearables.garmin_fit import SOURCE, fit_files, import_files  # noqa: PLC0415

    config.athlete(athlete)
    for path in paths:
        if not path.exists():
            sys.stderr.write(f"{path}: no such file or folder\n")
            return EXIT_REJECTED
    files = fit_files(paths)
    with (
        _progress_bar(f"{len(files)} FIT files", sum(f.stat().st_size for f in files)) as progress,
        Store(config.storage.path) as store,
    ):
        parsed, changed = import_files(store, files, athlete, config.zone, progress=progress)
    for line in parsed.errors:
        sys.stderr.write(line + "\n")
    sys.stdout.write(
        f"garmin fit: {parsed.files} files, {parsed.messages} messages, {len(parsed.nights)} "
        f"nights and {len(parsed.sessions)} workouts as source {SOURCE}, {changed} new or "
        f"changed, {len(parsed.errors)} rejected\n"
    )
    return EXIT_REJECTED if parsed.errors else EXIT_OK


def _import(config: Config, path: Path, athlete: str, *, strict: bool, hrv4training: bool) -> int:
    from integrations.wearables.generic_csv import import_file, parse_csv  # noqa: PLC0415
    from integrations.wearables.hrv4training import parse_text  # noqa: PLC0415

    config.athlete(athlete)
    parse = parse_text if hrv4training else parse_csv
    with Store(config.storage.path) as store:
        report = import_file(store, path, athlete, strict=strict, parse=parse)
    for line in report.errors:
        sys.stderr.write(line + "\n")
    if report.stored:
        rejected = len(report.errors)
        sys.stdout.write(
            f"{path.name}: {report.rows} rows, {report.nights} nights and {report.checkins} "
            f"check-ins valid, {report.changed} new or changed, {rejected} rejected\n"
        )
    else:
        sys.stdout.write(f"{path.name}: nothing stored\n")
    return EXIT_REJECTED if report.errors else EXIT_OK

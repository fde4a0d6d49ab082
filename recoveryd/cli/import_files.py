# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd import FORMAT FILE``: the file formats, each with its progress bar and report.

Imported by :mod:`recoveryd.cli.importing` when a file is imported (the parser needs none of
it). Each importer of ``integrations/wearables`` is imported when its format is asked for.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli.common import EXIT_OK, EXIT_REJECTED, open_store
from recoveryd.daemon.unlisted import unlisted_sources
from recoveryd.present.progress import progress_bar

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.domain.pulled import Pulled
    from recoveryd.store.journal import ImportRecord


def report_pulled(
    source: str,
    first: date,
    last: date,
    *,
    pulled: Pulled,
    record: ImportRecord,
    unlisted: list[str],
) -> int:
    """The report of an API or sensor import; the exit code."""
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


def apple_health(config: Config, path: Path, athlete: str) -> int:
    """``import apple-health FILE``: an Apple Health export, streamed with a progress bar."""
    from recoveryd.integrations.wearables.apple_health import import_export  # noqa: PLC0415

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


def gadgetbridge(config: Config, path: Path, athlete: str, device: str | None) -> int:
    """``import gadgetbridge FILE``: a Gadgetbridge database export (one device)."""
    from recoveryd.integrations.wearables import gadgetbridge  # noqa: PLC0415

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


def garmin_fit(config: Config, paths: list[Path], athlete: str) -> int:
    """``import garmin-fit FILE|FOLDER...``: FIT files, the folders expanded."""
    from recoveryd.integrations.wearables.garmin_fit import SOURCE, fit_files, import_files  # noqa: PLC0415

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


def sessions(config: Config, path: Path, athlete: str, *, strict: bool) -> int:
    """``import sessions FILE``: completed training sessions from a CSV."""
    from recoveryd.integrations.wearables.sessions_csv import import_sessions  # noqa: PLC0415

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


def csv_like(config: Config, path: Path, athlete: str, *, strict: bool, hrv4training: bool) -> int:
    """``import csv|hrv4training FILE``: nights and check-ins from a CSV."""
    from recoveryd.integrations.wearables.generic_csv import import_file, parse_csv  # noqa: PLC0415
    from recoveryd.integrations.wearables.hrv4training import parse_text  # noqa: PLC0415

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

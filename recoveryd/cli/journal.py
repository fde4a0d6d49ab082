# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd imports`` and ``recoveryd undo-import``: the import journal on the command line.

Also the one line an import prints for every source with stored nights that the athlete's
configuration does not list: such nights are kept but never read, and saying so is the only
way a user learns why "Only 0 valid HRV days" follows a successful import.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli.common import EXIT_CONFIG, EXIT_OK, EXIT_REJECTED, Handlers, iso_date, open_store
from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.store.journal import ImportRecord


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The journal's subcommands."""
    listing = commands.add_parser("imports", help="list the import journal (newest first)")
    listing.add_argument("id", type=int, nargs="?", help="show every value this import wrote")
    listing.add_argument("--limit", type=int, default=30, help="how many imports (default 30)")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.add_argument(
        "--night", type=iso_date, metavar="DATE",
        help="where each stored value of this night came from (with --athlete)",
    )  # fmt: skip
    listing.add_argument("--athlete", help="athlete id, for --night")
    listing.add_argument("--config", type=Path, help="configuration file")
    undo = commands.add_parser("undo-import", help="restore what one import replaced")
    undo.add_argument("id", type=int, help="the import's number in `recoveryd imports`")
    undo.add_argument("--config", type=Path, help="configuration file")


def _as_json(record: ImportRecord) -> dict[str, object]:
    return {
        "id": record.id, "kind": record.kind, "file": record.label, "athlete": record.athlete,
        "at": record.at.isoformat(), "rows": record.rows, "new": record.new,
        "changed": record.changed, "rejected": record.rejected,
        "undone_at": None if record.undone_at is None else record.undone_at.isoformat(),
    }  # fmt: skip


def _line(record: ImportRecord, config: Config) -> str:
    when = record.at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
    undone = "" if record.undone_at is None else "  (undone)"
    return (
        f"{record.id:>5}  {when}  {record.kind:<15} {record.athlete or '-':<10} "
        f"{record.rows:>6} rows {record.new:>5} new {record.changed:>5} changed "
        f"{record.rejected:>4} rejected  {record.label}{undone}"
    )


def night_provenance(config: Config, athlete: str, day: date, *, as_json: bool) -> int:
    """``recoveryd imports --night DATE --athlete ID``: each stored value and its import.

    The night values of every source, then the check-in's answers.
    """
    config.athlete(athlete)
    with open_store(config, existing=True) as store:
        nights = store.nights(athlete, day, day)
        checkins = store.checkins(athlete, day, day)
        sources = store.provenance(athlete, day)
    rows = []
    for night in nights:
        for metric in NIGHT_METRICS:
            value = night.metric(metric)
            if value is None:
                continue
            record = sources.get((night.source, metric))
            rows.append((night.source, metric, value, record))
    for checkin in checkins:
        for item in CHECKIN_ITEMS:
            answer = getattr(checkin, item)
            if answer is not None:
                rows.append(("check-in", item, answer, sources.get(("check-in", item))))
    if as_json:
        data = [
            {"source": s, "metric": m, "value": v,
             "import": None if r is None else _as_json(r)}
            for s, m, v, r in rows
        ]  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    if not rows:
        sys.stdout.write(f"{athlete} {day}: no night or check-in stored\n")
    for source, metric, value, record in rows:
        where = (
            "before the import journal" if record is None
            else f"import {record.id} ({record.kind} {record.label}, "
            f"{record.at.astimezone(config.zone):%Y-%m-%d %H:%M})"
        )  # fmt: skip
        sys.stdout.write(f"{source:<16} {metric:<16} {value:>8g}  {where}\n")
    return EXIT_OK


def list_imports(config: Config, args: argparse.Namespace) -> int:
    """``recoveryd imports [ID]`` (or ``--night DATE --athlete ID``)."""
    from recoveryd.store.journal import JournalError  # noqa: PLC0415 - imported when the command runs

    if args.night is not None:
        if args.athlete is None:
            sys.stderr.write("imports --night needs --athlete\n")
            return EXIT_CONFIG
        return night_provenance(config, args.athlete, args.night, as_json=args.json)
    with open_store(config, existing=True) as store:
        if args.id is not None:
            try:
                record = store.import_record(args.id)
            except JournalError as exc:
                sys.stderr.write(f"{exc}\n")
                return EXIT_REJECTED
            changes = store.import_changes(args.id)
            if args.json:
                data = _as_json(record) | {
                    "values": [
                        {
                            "table": c.table,
                            "key": list(c.key),
                            "field": c.field,
                            "before": c.before,
                            "after": c.after,
                        }
                        for c in changes
                    ]
                }
                sys.stdout.write(json.dumps(data, indent=2) + "\n")
                return EXIT_OK
            sys.stdout.write(_line(record, config) + "\n")
            for c in changes:
                before = "nothing" if c.before is None else f"{c.before:g}" if isinstance(
                    c.before, float) else str(c.before)  # fmt: skip
                after = f"{c.after:g}" if isinstance(c.after, float) else str(c.after)
                sys.stdout.write(f"  {c.table} {' '.join(c.key)}: {c.field} {before} -> {after}\n")
            return EXIT_OK
        records = store.imports(limit=args.limit)
    if args.json:
        sys.stdout.write(json.dumps([_as_json(r) for r in records], indent=2) + "\n")
    elif not records:
        sys.stdout.write("no imports yet\n")
    else:
        for record in records:
            sys.stdout.write(_line(record, config) + "\n")
    return EXIT_OK


def undo_import(config: Config, args: argparse.Namespace) -> int:
    """``recoveryd undo-import ID``."""
    from recoveryd.store.journal import JournalError  # noqa: PLC0415 - imported when the command runs

    with open_store(config, existing=True) as store:
        try:
            result = store.undo_import(args.id)
        except JournalError as exc:
            if exc.undone_at is None:
                sys.stderr.write(f"{exc}\n")
            else:  # in the household's time, as `recoveryd imports` shows it
                when = exc.undone_at.astimezone(config.zone)
                sys.stderr.write(f"import {args.id} was undone at {when:%Y-%m-%d %H:%M}\n")
            return EXIT_REJECTED
    for kept in result.kept:
        sys.stderr.write(
            f"import {args.id}: {kept.table} {' '.join(kept.key)} {kept.field}: kept "
            f"{kept.after!r}, changed since this import wrote {kept.before!r}\n"
        )
    sys.stdout.write(
        f"import {args.id} ({result.record.kind} {result.record.label}) undone: "
        f"{result.restored} values restored, {len(result.kept)} changed since and kept\n"
    )
    return EXIT_OK


def handlers() -> Handlers:
    """``recoveryd imports`` and ``undo-import``."""
    return Handlers(with_config={"imports": list_imports, "undo-import": undo_import})

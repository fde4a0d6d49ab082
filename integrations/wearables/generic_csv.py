# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The generic nightly CSV format: one row per night and source, optional check-in columns.

Columns (header required, any order, blank cell = not measured)::

    date, source, hrv_rmssd_ms, rhr_bpm, sleep_total_min, sleep_deep_min, sleep_rem_min,
    sleep_light_min, sleep_awake_min, resp_rate, skin_temp_dev_c, spo2_pct, hrv_sdnn_ms,
    sleep_onset_min, sleep_offset_min, body_weight_kg,
    checkin_soreness, checkin_stress, checkin_mood, checkin_sleep_quality, checkin_energy

``date`` is the morning the night ends on (ISO ``YYYY-MM-DD``); ``source`` names the device or
service (a-z, 0-9, ``_``, ``-``). ``sleep_onset_min`` and ``sleep_offset_min`` are when
the main sleep began and ended, in minutes from the midnight that starts that morning
(``-45`` is 23:15 the evening before, ``410`` is 06:50); ``body_weight_kg`` is the morning's
weight. Check-in items are whole numbers 1 (worst) to 5 (best).
Rows are numbered as lines of the file, the header being row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, ValidationError, create_model
from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.validation import CheckInItem, Day, plausible, slug
from recoveryd.store.database import Store
from recoveryd.store.journal import Origin

CHECKIN_COLUMNS: tuple[str, ...] = tuple(f"checkin_{item}" for item in CHECKIN_ITEMS)
COLUMNS: tuple[str, ...] = ("date", "source", *NIGHT_METRICS, *CHECKIN_COLUMNS)

# One field per column; the night metrics take their bounds from plausible.PLAUSIBLE.
_FIELDS: dict[str, Any] = {
    "date": (Day, ...),
    "source": (Annotated[str, AfterValidator(slug)], ...),
    **{metric: (plausible(metric), None) for metric in NIGHT_METRICS},
    **dict.fromkeys(CHECKIN_COLUMNS, (CheckInItem | None, None)),
}
_Row = create_model("_Row", __config__=ConfigDict(extra="forbid", frozen=True), **_FIELDS)


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    """What a file held: the valid nights and check-ins, and one line per rejected row."""

    nights: tuple[Night, ...]
    checkins: tuple[CheckIn, ...]
    errors: tuple[str, ...]
    rows: int


def parse_csv(text: str, athlete: str, label: str) -> ParsedCsv:
    """Parse the generic CSV ``text`` for ``athlete``; ``label`` names the file in errors."""
    table = csv_rows(text, label, COLUMNS, ("date", "source"))
    if isinstance(table, str):
        return ParsedCsv((), (), (table,), 0)
    columns = table.columns
    nights: list[Night] = []
    checkins: list[CheckIn] = []
    errors: list[str] = []
    seen: dict[tuple[date, str], int] = {}
    checkin_rows: dict[date, int] = {}
    rows = 0
    for number, cells in table.rows:
        rows += 1
        try:
            night, checkin = _parse_row(columns, cells, athlete)
        except RowError as exc:
            errors.append(f"{label}: row {number}: {exc}")
            continue
        key = (night.date, night.source)
        repeat = _repeat_problem(night, checkin, seen, checkin_rows)
        if repeat is not None:
            errors.append(f"{label}: row {number}: {repeat}")
            continue
        seen[key] = number
        if night.has_any_metric():
            nights.append(night)
        if checkin.has_any_item():
            checkin_rows[night.date] = number
            checkins.append(checkin)
    return ParsedCsv(tuple(nights), tuple(checkins), tuple(errors), rows)


@dataclass(frozen=True, slots=True)
class CsvRows:
    """A CSV file's header (lower case) and its non-blank rows, by line number."""

    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]


def csv_rows(
    text: str, label: str, allowed: Sequence[str], required: Sequence[str]
) -> CsvRows | str:
    """The file's rows under a checked header; else the one line saying what is wrong."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return f"{label}: the file is empty; expected a header row"
    columns = [h.strip().lower() for h in header]
    problem = _header_problem(columns, allowed, required)
    if problem is not None:
        return f"{label}: row 1: {problem}"
    rows = (
        (number, cells) for number, cells in enumerate(reader, start=2)
        if any(cell.strip() for cell in cells)
    )  # fmt: skip
    return CsvRows(columns, rows)


def _header_problem(
    columns: list[str], allowed: Sequence[str], required: Sequence[str]
) -> str | None:
    """What is wrong with a header row (unknown, missing or repeated columns), or ``None``."""
    unknown = [c for c in columns if c not in allowed]
    missing = [c for c in required if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if not problems:
        return None
    return f"{'; '.join(problems)}; allowed: {', '.join(allowed)}"


def _repeat_problem(
    night: Night,
    checkin: CheckIn,
    seen: dict[tuple[date, str], int],
    checkin_rows: dict[date, int],
) -> str | None:
    key = (night.date, night.source)
    if key in seen:
        return f"date {night.date} and source {night.source} repeat row {seen[key]}"
    if checkin.has_any_item() and night.date in checkin_rows:
        return f"a check-in for {night.date} was already given in row {checkin_rows[night.date]}"
    return None


class RowError(Exception):
    """One row is unusable; the message says why, without the row number."""


def cells_by_column(columns: list[str], cells: list[str]) -> dict[str, Any]:
    """A row's cells by their header's column names; a blank cell is ``None``."""
    if len(cells) != len(columns):
        raise RowError(f"has {len(cells)} cells, the header has {len(columns)}")
    return {col: (cell.strip() or None) for col, cell in zip(columns, cells, strict=True)}


def _parse_row(columns: list[str], cells: list[str], athlete: str) -> tuple[Night, CheckIn]:
    raw = cells_by_column(columns, cells)
    try:
        row = _Row.model_validate(raw)
    except ValidationError as exc:
        raise RowError(row_problem(exc)) from None
    night = Night(athlete, row.date, row.source, *(getattr(row, m) for m in NIGHT_METRICS))
    checkin = CheckIn(athlete, row.date, *(getattr(row, c) for c in CHECKIN_COLUMNS))
    if not night.has_any_metric() and not checkin.has_any_item():
        raise RowError("holds no measurement and no check-in")
    return night, checkin


def row_problem(exc: ValidationError) -> str:
    """One line: every failing column of the row, in header order."""
    parts = []
    for error in exc.errors(include_url=False):
        column = str(error["loc"][0]) if error["loc"] else ""
        value = error.get("input")
        kind = error["type"]
        if column == "date" and kind.startswith("date"):
            message = f"must be a date YYYY-MM-DD, got {value!r}"
        elif kind == "float_parsing":
            message = f"must be a number, got {value!r}"
        elif kind in {"int_parsing", "int_from_float"}:
            message = f"must be a whole number, got {value!r}"
        elif kind == "missing":
            message = "is required"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{column}: {message}" if column else message)
    return "; ".join(parts)


def write_csv(nights: Iterable[Night], checkins: Iterable[CheckIn]) -> str:
    """Render nights and check-ins in the generic format.

    A check-in joins the first row of its date, or gets a row of its own with the source
    ``checkin``.
    """
    by_day: dict[date, CheckIn] = {c.date: c for c in checkins}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    written: set[date] = set()
    for night in sorted(nights, key=lambda n: (n.date, n.source)):
        checkin = by_day.get(night.date) if night.date not in written else None
        written.add(night.date)
        writer.writerow(_cells(night.date, night.source, night, checkin))
    for day, checkin in sorted(by_day.items()):
        if day not in written:
            writer.writerow(_cells(day, "checkin", None, checkin))
    return out.getvalue()


def _cells(day: date, source: str, night: Night | None, checkin: CheckIn | None) -> list[str]:
    metrics = [_fmt(night.metric(m) if night else None) for m in NIGHT_METRICS]
    items = [_fmt(getattr(checkin, i) if checkin else None) for i in CHECKIN_ITEMS]
    return [day.isoformat(), source, *metrics, *items]


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of importing one file."""

    rows: int
    nights: int
    checkins: int
    changed: int
    errors: tuple[str, ...]
    stored: bool
    import_id: int = 0


Parser = Callable[[str, str, str], ParsedCsv]
"""Parses a file's text for an athlete; the last argument names the file in errors."""


def import_file(
    store: Store,
    path: Path,
    athlete: str,
    *,
    strict: bool = False,
    parse: Parser = parse_csv,
    kind: str = "csv",
) -> ImportReport:
    """Parse ``path`` and store its valid rows in one transaction per table.

    With ``strict``, any rejected row rejects the whole file and nothing is stored.
    Re-importing the same file changes nothing (``changed == 0``).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        return ImportReport(
            0, 0, 0, 0, (f"{path.name}: cannot read the file: {reason}",), stored=False
        )
    parsed = parse(text, athlete, path.name)
    if parsed.errors and (strict or not parsed.rows):
        return ImportReport(parsed.rows, 0, 0, 0, parsed.errors, stored=False)
    origin = Origin(
        kind, str(path), athlete, rows=parsed.rows, rejected=len(parsed.errors), keep_empty=True
    )
    record = store.merge(parsed.nights, parsed.checkins, origin=origin)
    changed = record.new + record.changed
    return ImportReport(
        parsed.rows,
        len(parsed.nights),
        len(parsed.checkins),
        changed,
        parsed.errors,
        stored=True,
        import_id=record.id,
    )

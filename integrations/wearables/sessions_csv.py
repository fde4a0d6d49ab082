# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Training sessions from a CSV file: a season logged in a spreadsheet or exported elsewhere.

Columns (header required, any order, blank cell = not given)::

    date, start, sport, duration_min, rpe, avg_hr, title

``date`` (ISO ``YYYY-MM-DD``) and ``duration_min`` (1-1440) are required, and ``rpe``
(session RPE on Foster's CR-10 scale, 0-10) or ``avg_hr`` (30-240 bpm, for TRIMP): a session
without either carries no load. ``start`` is the local start ``HH:MM`` (blank: 00:00; two
sessions of one day need their times); ``sport`` defaults to ``general``; ``title`` is kept
and shown, never read by the rules. Header names are matched case-insensitively, so an
export whose columns are renamed to these can be read as it is. The sessions are stored as
source ``csv``; importing the same file again changes nothing, and a row that cannot be
used is one line naming the row and every column at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from recoveryd.domain.training import CompletedSession
from recoveryd.domain.validation import Day, LocalTime, SessionInput
from recoveryd.integrations.wearables.generic_csv import (
    RowError,
    cells_by_column,
    csv_rows,
    row_problem,
)
from recoveryd.store.database import Store
from recoveryd.store.journal import ImportRecord, Origin

SOURCE = "csv"
COLUMNS: tuple[str, ...] = ("date", "start", "sport", "duration_min", "rpe", "avg_hr", "title")
_REQUIRED = ("date", "duration_min")


def _sport(value: str) -> str:
    cleaned = value.strip().lower()
    if not cleaned or len(cleaned) > 40:  # noqa: PLR2004 - a name, not a paragraph
        raise ValueError("must be a short name such as running, 1-40 characters")
    return cleaned


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Day
    start: LocalTime | None = None
    sport: Annotated[str, AfterValidator(_sport)] | None = None
    duration_min: float
    rpe: float | None = None
    avg_hr: float | None = None
    title: Annotated[str, Field(max_length=200)] | None = None


@dataclass(frozen=True, slots=True)
class ParsedSessions:
    """The valid sessions of a file, and one line per rejected row."""

    sessions: tuple[CompletedSession, ...]
    errors: tuple[str, ...]
    rows: int


def parse_sessions(text: str, athlete: str, label: str) -> ParsedSessions:
    """Parse a sessions CSV for ``athlete``; ``label`` names the file in errors."""
    table = csv_rows(text, label, COLUMNS, _REQUIRED)
    if isinstance(table, str):
        return ParsedSessions((), (table,), 0)
    sessions: list[CompletedSession] = []
    errors: list[str] = []
    seen: dict[tuple[date, str], int] = {}
    rows = 0
    for number, cells in table.rows:
        rows += 1
        try:
            session = _session(table.columns, cells, athlete)
        except RowError as exc:
            errors.append(f"{label}: row {number}: {exc}")
            continue
        key = (session.date, session.start)
        if key in seen:
            errors.append(
                f"{label}: row {number}: date {session.date} and start {session.start} repeat "
                f"row {seen[key]}; give each session of a day its start time"
            )
            continue
        seen[key] = number
        sessions.append(session)
    return ParsedSessions(tuple(sessions), tuple(errors), rows)


def _session(columns: list[str], cells: list[str], athlete: str) -> CompletedSession:
    raw = cells_by_column(columns, cells)
    try:
        row = _Row.model_validate(raw)
        load = SessionInput(minutes=row.duration_min, rpe=row.rpe, avg_hr=row.avg_hr)
    except ValidationError as exc:
        raise RowError(row_problem(exc).replace("minutes:", "duration_min:")) from None
    start = row.start.strftime("%H:%M") if row.start is not None else "00:00"
    return CompletedSession(
        athlete, row.date, SOURCE, start, row.sport or "general", load.minutes, load.rpe,
        load.avg_hr, row.title,
    )  # fmt: skip


def import_sessions(
    store: Store, path: Path, athlete: str, *, strict: bool = False
) -> tuple[ParsedSessions, ImportRecord | None]:
    """Parse ``path`` and store its valid sessions as one import; ``None`` when nothing is.

    With ``strict``, any rejected row rejects the whole file.

    Raises:
        OSError, UnicodeDecodeError: the file cannot be read as UTF-8 text.
    """
    parsed = parse_sessions(path.read_text(encoding="utf-8-sig"), athlete, path.name)
    if parsed.errors and (strict or not parsed.sessions):
        return parsed, None
    origin = Origin(
        "sessions-csv", str(path), athlete, rows=parsed.rows, rejected=len(parsed.errors),
        keep_empty=True,
    )  # fmt: skip
    return parsed, store.merge(sessions=parsed.sessions, origin=origin)

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""HRV4Training's CSV export: the morning readings, one row per measurement.

The app's export has one row per morning measurement and many columns (questionnaire,
training, HRV4Training's own scores). What is taken, by column name as the export writes them
(and as GoldenCheetah's measures import reads them):

* ``date`` (or ``timestamp_measurement``): the day; its first ten characters must be
  ``YYYY-MM-DD`` (the export writes ``2026-03-04 00:01:00 +0000`` as well as ``2026-03-04``;
  the date part is the day, not converted between zones).
* ``rMSSD`` (or ``Rmssd``): rMSSD in ms, stored as ``hrv_rmssd_ms``.
* ``SDNN`` (or ``Sdnn``): SDNN in ms, stored as ``hrv_sdnn_ms``, never as rMSSD.
* ``HR``: the heart rate of the morning reading, stored as ``rhr_bpm``.

``-`` or an empty cell is a value not measured. The ``*_lying`` columns of an orthostatic test,
the questionnaire (its scales are not recoveryd's 1-5 check-in) and HRV4Training's recovery
points are not taken. Comma, semicolon or tab separated, with or without spaces after the
separator. A second reading on the same day is reported and the first (the morning's) kept.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from pydantic import ConfigDict, ValidationError, create_model
from recoveryd.domain.models import Night
from recoveryd.domain.validation import plausible
from recoveryd.integrations.wearables.generic_csv import ParsedCsv, row_problem

SOURCE = "hrv4training"
_COLUMNS = {
    "date": "date",
    "timestamp_measurement": "date",
    "rMSSD": "hrv_rmssd_ms",
    "Rmssd": "hrv_rmssd_ms",
    "SDNN": "hrv_sdnn_ms",
    "Sdnn": "hrv_sdnn_ms",
    "HR": "rhr_bpm",
}
_METRICS = ("hrv_rmssd_ms", "hrv_sdnn_ms", "rhr_bpm")
_FIELDS: dict[str, Any] = {metric: (plausible(metric), None) for metric in _METRICS}
_Row = create_model("_Row", __config__=ConfigDict(extra="forbid", frozen=True), **_FIELDS)


class _RowError(ValueError):
    pass


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise _RowError(f"date: must start with YYYY-MM-DD, got {text.strip()!r}") from None


def _row(cells: dict[str, str], athlete: str) -> Night:
    values: dict[str, Any] = {}
    for column, metric in _COLUMNS.items():
        cell = (cells.get(column) or "").strip()
        if metric != "date" and cell not in {"", "-"}:
            values.setdefault(metric, cell)
    day = _day(cells.get("date") or cells.get("timestamp_measurement") or "")
    try:
        row = _Row.model_validate(values)
    except ValidationError as exc:
        raise _RowError(row_problem(exc)) from None
    night = Night(athlete, day, SOURCE, **{m: getattr(row, m) for m in _METRICS})
    if not night.has_any_metric():
        raise _RowError("holds no reading (rMSSD, SDNN and HR are all empty)")
    return night


def parse_text(text: str, athlete: str, label: str) -> ParsedCsv:
    """Parse an HRV4Training export for ``athlete``; ``label`` names the file in errors."""
    first_line = text.split("\n", 1)[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, skipinitialspace=True)
    header = [cell.strip() for cell in next(reader, [])]
    if not ({"date", "timestamp_measurement"} & set(header)) or not (
        {"rMSSD", "Rmssd", "SDNN", "Sdnn", "HR"} & set(header)
    ):
        found = ", ".join(header[:8]) or "nothing"
        problem = (
            f"{label}: row 1: not an HRV4Training export: expected a date column and rMSSD, "
            f"SDNN or HR; found {found}"
        )
        return ParsedCsv((), (), (problem,), 0)
    nights: list[Night] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    rows = 0
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if len(cells) != len(header):
            errors.append(
                f"{label}: row {number}: has {len(cells)} cells, the header has {len(header)}"
            )
            continue
        try:
            night = _row(dict(zip(header, cells, strict=True)), athlete)
        except _RowError as exc:
            errors.append(f"{label}: row {number}: {exc}")
            continue
        if night.date in seen:
            errors.append(
                f"{label}: row {number}: a second reading on {night.date}; "
                f"the first (row {seen[night.date]}) is kept"
            )
            continue
        seen[night.date] = number
        nights.append(night)
    return ParsedCsv(tuple(nights), (), tuple(errors), rows)

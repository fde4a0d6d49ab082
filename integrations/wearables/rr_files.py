# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""RR-interval files as HRV apps and loggers export them.

Accepted shapes:

* one interval per line (Elite HRV, Polar Flow's RR export, Kubios' plain text), optionally
  with a header line and ``#`` comments;
* values separated by commas, semicolons, tabs or spaces on one or more lines;
* a table with a header naming an RR column, e.g. Polar Sensor Logger's
  ``Phone timestamp;RR-interval [ms]``, ``RR (ms)``, ``rr_ms``, ``IBI`` or ``interval``.

Units: milliseconds, unless the header says seconds (``[s]``, ``(s)``, ``_s``) or every value
is below 10, which only seconds can be; both cases are converted and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_STRONG_SEPARATORS = (";", "\t", ",")
_RR_COLUMN = re.compile(r"\b(rr|ibi|rri|nn)\b|rr[-_ ]?interval|interval|^rr", re.IGNORECASE)
_SECONDS = re.compile(r"(\[s\]|\(s\)|_s\b|\bsec)", re.IGNORECASE)
_SECONDS_MAX = 10.0


class RrFileError(ValueError):
    """The file holds no usable RR intervals; the message names the line."""


@dataclass(frozen=True, slots=True)
class RrSeries:
    """Intervals read from a file, in milliseconds, and how they were read."""

    rr_ms: npt.NDArray[np.float64]
    column: str | None
    converted_from_seconds: bool


def parse_rr(text: str, label: str) -> RrSeries:
    """Read RR intervals from ``text``; ``label`` names the file in errors.

    Raises:
        RrFileError: on a value that is not a number, or when nothing was found.
    """
    lines = [
        (number, line.strip(" \r\n"))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise RrFileError(f"{label}: no RR intervals found")
    separator = next((sep for sep in _STRONG_SEPARATORS if sep in lines[0][1]), None)
    first_cells = _cells(lines[0][1], separator)
    column: int | None = None
    header_name: str | None = None
    if not all(_is_number(cell) for cell in first_cells):
        single_column = separator is None and all(len(line.split()) == 1 for _, line in lines[1:3])
        if single_column:  # "RR (ms)" names one column, it is not two
            first_cells = [lines[0][1]]
        header_name, column = _rr_column(first_cells, label)
        lines = lines[1:]
    values: list[float] = []
    for number, line in lines:
        cells = _cells(line, separator)
        picked = cells if column is None else cells[column : column + 1]
        if column is not None and not picked:
            raise RrFileError(f"{label}: line {number}: has no value in column {header_name!r}")
        for cell in picked:
            if not cell and column is not None:
                continue  # a row without a beat (e.g. a timestamp-only line)
            if not _is_number(cell):
                raise RrFileError(f"{label}: line {number}: {cell!r} is not a number")
            values.append(float(cell))
    if not values:
        raise RrFileError(f"{label}: no RR intervals found")
    rr = np.asarray(values, dtype=np.float64)
    seconds = bool(header_name and _SECONDS.search(header_name)) or bool(
        np.nanmax(np.abs(rr)) < _SECONDS_MAX
    )
    return RrSeries(rr * 1000.0 if seconds else rr, header_name, seconds)


def _cells(line: str, separator: str | None) -> list[str]:
    """Split on the file's separator, or on any white space.

    Empty cells are kept in tables, so that columns stay aligned.
    """
    parts = line.split(separator) if separator else line.split()
    cells = [part.strip().strip('"') for part in parts]
    return cells if separator else [cell for cell in cells if cell]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _rr_column(header: list[str], label: str) -> tuple[str, int]:
    for index, name in enumerate(header):
        if _RR_COLUMN.search(name):
            return name, index
    raise RrFileError(
        f"{label}: line 1: no RR column among {', '.join(header)}; "
        "name one rr, rr_ms, RR-interval [ms], ibi or interval"
    )

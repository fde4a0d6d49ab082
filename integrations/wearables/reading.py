# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the file importers share: a binary file that reports how far it has been read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import BinaryIO

Progress = Callable[[int, int], None]
"""Called with (bytes read so far, bytes in all) as an import goes on."""


class CountingReader:
    """A binary file that reports, through ``progress``, how far it has been read.

    ``offset`` is added to every report, so several files read one after the other show as one
    bar over their total size.
    """

    def __init__(
        self, raw: BinaryIO, total: int, progress: Progress | None, *, offset: int = 0
    ) -> None:
        self._raw, self._total, self._progress = raw, total, progress
        self._offset, self.read_bytes = offset, 0

    def read(self, n: int = -1) -> bytes:
        """Read like the file it wraps, then report."""
        chunk = self._raw.read(n)
        self.read_bytes += len(chunk)
        if self._progress is not None:
            self._progress(self._offset + self.read_bytes, self._total)
        return chunk


EVENING, NOON = 18, 12
"""A night runs from 18:00 to 12:00 local time."""


def night_morning(moment: datetime) -> date | None:
    """The morning a night-time local moment belongs to; ``None`` in the afternoon.

    A night belongs to the morning it ends on: 23:30 on the 3rd and 04:00 on the 4th are both
    the night of the 4th.
    """
    if moment.hour >= EVENING:
        return moment.date() + timedelta(days=1)
    if moment.hour < NOON:
        return moment.date()
    return None

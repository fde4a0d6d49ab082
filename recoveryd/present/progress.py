# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Progress on the terminal for long reads: a bar over bytes or rows, on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(
    label: str, total: int, *, rows: bool = False
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr over ``total`` bytes (or rows); yields the importers' callback."""
    from rich.console import Console  # noqa: PLC0415
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

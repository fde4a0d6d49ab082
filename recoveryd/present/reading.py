# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Terminal rendering of one HRV recording (``recoveryd hrv``): metrics, cleaning, verdict."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from recoveryd.engine.hrv import HrvReading


def hrv_panel(reading: HrvReading, title: str) -> Panel:
    """One recording's HRV metrics, what cleaning did, and the quality verdict."""
    m, a = reading.metrics, reading.artefacts
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_column()
    table.add_row("rMSSD", f"{m.rmssd_ms:.1f}", "ms")
    table.add_row("ln rMSSD", f"{m.ln_rmssd:.2f}", "")
    table.add_row("SDNN", f"{m.sdnn_ms:.1f}", "ms")
    table.add_row("pNN50", f"{m.pnn50_pct:.1f}", "%")
    table.add_row("mean NN", f"{m.mean_nn_ms:.0f}", "ms")
    table.add_row("mean HR", f"{m.mean_hr_bpm:.1f}", "bpm")
    table.add_row("length", f"{m.duration_s:.0f}", f"s ({m.beats} NN intervals)")
    flags = (
        f"{a.ectopic} ectopic, {a.missed} missed, {a.extra} extra, {a.long_short} long/short, "
        f"{a.out_of_range} out of range"
    )
    if reading.correction == "none":
        table.add_row("corrected", "none", f"(kept as recorded; flagged: {flags})")
    else:
        table.add_row(
            "corrected", f"{reading.corrected_pct:.1f}",
            f"% of {reading.recorded_beats} beats (flagged: {flags})",
        )  # fmt: skip
    verdict = (
        Text("good", style="bold green")
        if reading.good
        else Text("low quality: " + "; ".join(reading.quality_reasons), style="bold red")
    )
    return Panel(Group(table, Text(""), Text("Quality  ", style="bold") + verdict), title=title)


def hrv_json(reading: HrvReading) -> dict[str, Any]:
    """The reading as JSON-ready data."""
    data: dict[str, Any] = TypeAdapter(HrvReading).dump_python(reading, mode="json")
    return data

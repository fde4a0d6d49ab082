# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The history chart: HRV against its normal range, resting HR and sleep, day by day.

ln rMSSD with its 7-day mean and normal range, RHR and sleep, with each day's protocol as a
coloured band behind them. PNG bytes out; no files are written here.

The daemon draws in a short-lived child process (:func:`render_apart`): matplotlib (about
30 MB and a second of CPU) never enters the daemon, and its event loop keeps the interpreter
to itself while a chart is drawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import pickle
import sys
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from recoveryd.domain.models import DayPlan, Protocol

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PROTOCOL_COLOURS: dict[Protocol, str] = {
    Protocol.REST: "#d62728",
    Protocol.ACTIVE_RECOVERY: "#ff7f0e",
    Protocol.MOBILITY: "#f2c12e",
    Protocol.AS_PLANNED: "#2ca02c",
    Protocol.PROGRESSIVE_OVERLOAD: "#17becf",
    Protocol.INSUFFICIENT_DATA: "#b0b0b0",
}


def _value(plan: DayPlan, signal: str, field: str = "value") -> float:
    contributor = plan.readiness.contributor(signal)
    if contributor is None:
        return math.nan
    value = getattr(contributor, field)
    return math.nan if value is None else float(value)


def _measured(plan: DayPlan, metric: str, scale: float = 1.0) -> float:
    value = plan.readiness.measurement(metric)
    return math.nan if value is None else value / scale


def _bands(axes: Axes, days: Sequence[datetime], plans: Sequence[DayPlan]) -> None:
    half = timedelta(hours=12)
    for day, plan in zip(days, plans, strict=True):
        axes.axvspan(
            day - half,  # type: ignore[arg-type]
            day + half,  # type: ignore[arg-type]
            color=PROTOCOL_COLOURS[plan.protocol],
            alpha=0.22,
            linewidth=0,
        )


def history_chart(plans: Sequence[DayPlan], title: str) -> bytes:
    """A PNG of ``plans`` (consecutive days of one athlete)."""
    # Heavy, so only when a chart is drawn; no pyplot, so that a worker thread may draw.
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    # Noon of each day, so that a day's band spans the day itself.
    days = [datetime.combine(p.date, time(12)) for p in plans]
    figure = Figure(figsize=(11, 7.5), layout="constrained")
    hrv, rhr, sleep = figure.subplots(3, 1, sharex=True, height_ratios=[2, 1, 1])
    for axes in (hrv, rhr, sleep):
        _bands(axes, days, plans)
        axes.grid(visible=True, alpha=0.3)
    ln_today = [
        math.log(v) if not math.isnan(v := _measured(p, "hrv_rmssd_ms")) else math.nan
        for p in plans
    ]
    hrv.fill_between(
        days,
        [_value(p, "hrv_trend", "band_low") for p in plans],
        [_value(p, "hrv_trend", "band_high") for p in plans],
        color="#1f77b4",
        alpha=0.2,
        label="normal range (60-day mean ± 0.5 SD)",
    )
    hrv.plot(days, ln_today, "o", color="#1f77b4", markersize=3, label="ln rMSSD")
    hrv.plot(
        days,
        [_value(p, "hrv_trend") for p in plans],
        color="#0b3c6e",
        linewidth=2,
        label="7-day mean",
    )
    hrv.set_ylabel("ln rMSSD")
    hrv.set_title(title)
    protocol_keys = [
        Patch(color=c, alpha=0.4, label=p.value.replace("_", " "))
        for p, c in PROTOCOL_COLOURS.items()
    ]
    handles, _ = hrv.get_legend_handles_labels()
    hrv.legend(handles=handles + protocol_keys, loc="upper left", fontsize=8, ncols=3)
    rhr.plot(days, [_measured(p, "rhr_bpm") for p in plans], color="#8c1c13", linewidth=1.5)
    rhr.set_ylabel("resting HR (bpm)")
    hours = [_measured(p, "sleep_total_min", 60.0) for p in plans]
    sleep.plot(days, hours, "o-", color="#6a51a3", markersize=2.5, linewidth=1)
    sleep.axhline(6.0, color="#6a51a3", linestyle=":", linewidth=1)
    sleep.set_ylabel("sleep (h)")
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


class ChartError(RuntimeError):
    """The child process could not draw the chart; one line says why."""


async def render_apart(plans: Sequence[DayPlan], title: str) -> bytes:
    """:func:`history_chart` in a child process (``python -m recoveryd.present.chart``).

    Raises:
        ChartError: the child failed; its last line of error output says why.
    """
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "recoveryd.present.chart",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        png, error = await process.communicate(pickle.dumps((list(plans), title)))
    except BaseException:
        # Cancelled (the daemon is stopping): the child does not go on drawing, and its pipes
        # are read to their end and closed here, not left to the garbage collector after the
        # event loop has closed.
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.communicate()
        raise
    if process.returncode != 0:
        lines = error.decode(errors="replace").strip().splitlines()
        raise ChartError(lines[-1] if lines else f"the chart process exited {process.returncode}")
    return png


def _main() -> None:
    # The plans come from the daemon that started this process, over a pipe.
    plans, title = pickle.load(sys.stdin.buffer)  # noqa: S301
    sys.stdout.buffer.write(history_chart(plans, title))


if __name__ == "__main__":
    _main()

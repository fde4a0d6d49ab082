# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The pure decision engine: history in, explained day plans out. No clock, no I/O.

``decide_days`` is the one entry point used live, by ``recoveryd replay`` and by the tests: it
computes every signal's rolling statistics once over the whole range (numpy) and then applies
the decision table day by day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial

import numpy as np
import numpy.typing as npt

from recoveryd.domain.columns import CheckInColumns, NightColumns
from recoveryd.domain.models import DayPlan, Protocol
from recoveryd.engine.baseline import FloatArray, IntArray
from recoveryd.engine.explained import (
    counting_unexplained,
    explained_drop,
    heaviest_recent,
    unexplained_drops,
    with_response,
)
from recoveryd.engine.forecast import srpe_scale, week_ahead
from recoveryd.engine.history import (
    History,
    history_preference,
    history_start,
    own_checkins,
    own_nights,
    own_sessions,
)
from recoveryd.engine.load import HeartRateZones, LoadDays, load_context, load_days
from recoveryd.engine.plan import LastRpe, TrainingPlan, adjust_session
from recoveryd.engine.protocol import RULE_PROTOCOL, Rule, decide_rules, explain
from recoveryd.engine.readiness import cap_score, capped_scores, readiness_on
from recoveryd.engine.response import daily_response
from recoveryd.engine.signals import BoolArray, Signals, compute_signals
from recoveryd.engine.sleep import SleepNights, regularity_contributor, sleep_need, typical_load
from recoveryd.engine.thresholds import Thresholds

__all__ = [
    "DayOutcomes",
    "History",
    "Thresholds",
    "TrainingPlan",
    "decide_days",
    "decide_outcomes",
    "history_start",
]

# The days whose sessions decide a day's unit (TRIMP or session-RPE) and count as its days
# with load: about three time constants of fitness (CTL, 42 days), the span it settles in.
_LOAD_WINDOW = 126

_PROGRESS_EVERY = 64  # days explained between two progress reports

# Protocols by number (their order in the enum), and each rule's protocol's number: a decade
# of days is an array of small ints, not of enum members.
PROTOCOLS: tuple[Protocol, ...] = tuple(Protocol)
_RULE_CODE = np.zeros(max(int(r) for r in RULE_PROTOCOL) + 1, dtype=np.int8)
for _rule, _protocol in RULE_PROTOCOL.items():
    _RULE_CODE[int(_rule)] = PROTOCOLS.index(_protocol)


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """Every day from ``signals.start``: signals, load and the rule that decided it.

    The load covers one more day in front (index i + 1 is day i of the signals): a day's
    fitness and fatigue are those of the evening before.
    """

    signals: Signals
    load: LoadDays
    logged: IntArray
    form: FloatArray
    rules: IntArray
    held: BoolArray


def _origin(nights: NightColumns, checkins: CheckInColumns, first: date, t: Thresholds) -> date:
    """Where the arrays begin: at the first night or check-in, or the baseline's reach.

    Every range of days is computed from the same first night, so a statistic that runs from
    it gives each day the same value whichever range the day is decided in.
    """
    reach = history_start(first, t)
    dates = [date.fromordinal(int(kept.days.min())) for kept in (nights, checkins) if len(kept)]
    return min(reach, min(dates, default=reach))


def _evaluate(
    history: History, first: date, last: date, t: Thresholds, zones: HeartRateZones | None
) -> _Evaluation:
    own, answered = own_nights(history), own_checkins(history)
    start = _origin(own, answered, first, t)
    span = (last - start).days + 1
    signals = compute_signals(
        own, history_preference(history), start, span, t, checkins=answered,
        metric_preference=history.metric_preference,
    )  # fmt: skip
    trained = own_sessions(history)
    load = load_days(trained, start - timedelta(days=1), span + 1, zones, window=_LOAD_WINDOW)
    # A drop the person's own load response does not explain weighs as an acute drop.
    signals = counting_unexplained(signals, unexplained_drops(trained, signals, load, zones))
    logged = load.logged[1:]
    form = np.where(logged >= t.min_load_days, load.form_pct[1:], np.nan)
    rules, held = decide_rules(signals, t, form)
    return _Evaluation(signals, load, logged, form, rules, held)


def decide_days(
    history: History,
    *,
    days: Sequence[date],
    plan: TrainingPlan | None = None,
    thresholds: Thresholds | None = None,
    zones: HeartRateZones | None = None,
    progress: Callable[[int], None] | None = None,
    free_days: frozenset[int] = frozenset({5, 6}),
) -> list[DayPlan]:
    """Decide each of ``days`` from ``history`` (any order, any sources), explained.

    Only what is dated on or before a day influences that day (training on the day itself
    counts only from the next day). ``plan`` is the weekly training plan (none: no training
    is planned); ``zones`` allow TRIMP. A stored override replaces the rules' protocol and
    says so in the reasons. ``progress`` is told how many days are explained so far.
    ``free_days`` are the weekdays (Monday 0) whose nights are not cut short by an alarm: the
    sleep need's baseline is read from them.
    """
    if not days:
        return []
    t = thresholds or Thresholds()
    training = plan or TrainingPlan(sessions={})
    evaluation = _evaluate(history, min(days), max(days), t, zones)
    start = evaluation.signals.start
    offset = (min(days) - start).days
    response = daily_response(trained := own_sessions(history), evaluation.signals,
                              evaluation.load, offset, zones)  # fmt: skip
    rhr = daily_response(trained, evaluation.signals, evaluation.load, offset, zones,
                         series=-evaluation.signals.secondary["rhr"].values)  # fmt: skip
    plans: list[DayPlan] = []
    rpe, by_day = LastRpe(trained), trained.by_day()
    slept = SleepNights.of(
        own_nights(history), history_preference(history), start,
        evaluation.signals.hrv.values.size, free_days,
    )  # fmt: skip
    for n, day in enumerate(days):
        if progress is not None and n % _PROGRESS_EVERY == 0:
            progress(n)
        i = (day - start).days
        readiness = with_response(readiness_on(evaluation.signals, i, t), response, i, offset, rhr)
        context = load_context(evaluation.load, i + 1, int(evaluation.logged[i]))
        rule = Rule(int(evaluation.rules[i]))
        form = float(evaluation.form[i])
        reasons = explain(
            rule,
            readiness,
            t,
            form_pct=form if np.isfinite(form) else None,
            held_by_form=bool(evaluation.held[i]),
        )
        reasons = (
            *reasons,
            *readiness.notes,
            *explained_drop(
                evaluation.signals,
                response,
                i,
                offset,
                recent=partial(heaviest_recent, by_day, day),
            ),
        )
        protocol = RULE_PROTOCOL[rule]
        overridden_from = None
        chosen = history.overrides.get(day)
        if chosen is not None and chosen is not protocol:
            overridden_from = protocol
            reasons = (
                f"Overridden to {chosen.value} by you; the rules said {protocol.value}.",
                *reasons,
            )
            protocol = chosen
        planned = training.planned(day)
        last_rpe = rpe.before(day, planned.sport) if planned is not None else None
        session = adjust_session(training, day, protocol, last_rpe)
        ahead = week_ahead(
            response, i - offset, day=day, plan=training, adjusted=session,
            band_low=float(evaluation.signals.band_low[i]), hard_day=protocol.is_hard,
            scale=srpe_scale(
                bool(evaluation.load.use_trimp[i + 1]), by_day, day, zones
            ),
        )  # fmt: skip
        if ahead is not None:
            session = ahead.session
            reasons = (*reasons, *((ahead.reason,) if ahead.reason else ()))
        need = sleep_need(
            slept, i, session, typical_load(by_day, day),
            free_tomorrow=(day.weekday() + 1) % 7 in free_days,
        )  # fmt: skip
        regular = regularity_contributor(need)
        if regular is not None:
            readiness = replace(readiness, contributors=(*readiness.contributors, regular))
        plans.append(
            DayPlan(
                athlete=history.athlete,
                date=day,
                protocol=protocol,
                readiness=cap_score(readiness, protocol),
                reasons=reasons,
                planned_session=planned,
                session=session,
                load=context,
                overridden_from=overridden_from,
                sleep=need,
                forecast=None if ahead is None else ahead.forecast,
            )
        )
    if progress is not None:
        progress(len(days))
    return plans


@dataclass(frozen=True, slots=True)
class DayOutcomes:
    """The decisions of consecutive days without their explanations, for replays at scale.

    Index i is day ``first + i``; ``codes`` numbers each day's protocol (its index in
    :data:`PROTOCOLS`), ``rules`` the rule that decided it, ``flags`` counts its flagged
    signals (small numbers: a byte each, so that a club's decade fits in memory); ``score``
    is NaN where no signal had a baseline.
    """

    first: date
    codes: npt.NDArray[np.int8]
    score: FloatArray
    flags: npt.NDArray[np.int8]
    rules: npt.NDArray[np.int8]

    @property
    def protocols(self) -> tuple[Protocol, ...]:
        """Each day's protocol."""
        return tuple(PROTOCOLS[c] for c in self.codes.tolist())


def decide_outcomes(
    history: History,
    *,
    first: date,
    last: date,
    thresholds: Thresholds | None = None,
    zones: HeartRateZones | None = None,
) -> DayOutcomes:
    """Decide every day from ``first`` to ``last``, as arrays.

    The same rules as :func:`decide_days`, but no per-day objects, so that years of history
    for many athletes stay fast.
    """
    t = thresholds or Thresholds()
    evaluation = _evaluate(history, first, last, t, zones)
    offset = (first - evaluation.signals.start).days
    rules = evaluation.rules[offset:]
    codes = _RULE_CODE[rules]
    for day, chosen in history.overrides.items():
        k = (day - first).days
        if 0 <= k < codes.size:
            codes[k] = PROTOCOLS.index(chosen)
    score = capped_scores(evaluation.signals.score[offset:], codes)
    flags = evaluation.signals.flag_count[offset:].astype(np.int8)
    return DayOutcomes(first, codes, score, flags, rules.astype(np.int8))

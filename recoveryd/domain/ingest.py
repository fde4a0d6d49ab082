# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Night data, check-ins and sessions sent as JSON (MQTT ``<base>/<athlete>/ingest/<kind>``).

Each kind is a pydantic model with ``extra="forbid"`` and the same plausible ranges as
every other importer (:data:`recoveryd.domain.plausible.PLAUSIBLE`); a payload that does not
fit is refused whole with one line naming the field, what was wrong and what is allowed,
and nothing of it is stored.
"""

from __future__ import annotations

import json
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from recoveryd.config.errors import describe_errors
from recoveryd.domain.models import CHECKIN_ITEMS, NIGHT_METRICS, CheckIn, Night
from recoveryd.domain.training import CompletedSession
from recoveryd.domain.validation import CheckInItem, Day, LocalTime, SessionInput, plausible, slug

KINDS: Final = ("night", "checkin", "session")
MAX_PAYLOAD_BYTES: Final = 4096


class IngestError(ValueError):
    """A payload that is not stored; the message is one line."""


_Strict = ConfigDict(extra="forbid", frozen=True)
NightPayload = create_model(
    "NightPayload",
    __config__=_Strict,
    date=(Day, ...),
    source=(Annotated[str, AfterValidator(slug)], ...),
    **{metric: (plausible(metric), None) for metric in NIGHT_METRICS},  # type: ignore[call-overload]
)
CheckInPayload = create_model(
    "CheckInPayload",
    __config__=_Strict,
    date=(Day, ...),
    **dict.fromkeys(CHECKIN_ITEMS, (CheckInItem | None, None)),  # type: ignore[call-overload]
)


class SessionPayload(SessionInput):
    """A completed training session."""

    date: Day
    start: LocalTime | None = None
    sport: str = Field(default="general", min_length=1, max_length=32)
    source: Annotated[str, AfterValidator(slug)] = "mqtt"


Observation = Night | CheckIn | CompletedSession


def parse_ingest(athlete: str, kind: str, payload: bytes) -> Observation:
    """Check one ingested payload.

    Raises:
        IngestError: an unknown kind, not JSON, or a field out of its range.
    """
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind[:32]!r}; allowed: {', '.join(KINDS)}")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise IngestError(f"{kind}: payload of {len(payload)} bytes; at most 4096 are accepted")
    try:
        raw = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{kind}: not JSON: {exc}") from None
    except RecursionError:  # 4 KB of brackets nest deeper than the decoder goes
        raise IngestError(f"{kind}: JSON nested too deeply; send one flat object") from None
    model: type[BaseModel] = {"night": NightPayload, "checkin": CheckInPayload,
                              "session": SessionPayload}[kind]  # fmt: skip
    try:
        checked = model.model_validate(raw)
    except ValidationError as exc:
        raise IngestError(f"{kind}: " + "; ".join(describe_errors(exc, model))) from None
    values = checked.model_dump()
    if kind == "night":
        night = Night(athlete=athlete, **values)
        if not night.has_any_metric():
            raise IngestError("night: no measurement in it; give at least one metric")
        return night
    if kind == "checkin":
        checkin = CheckIn(athlete=athlete, **values)
        if not checkin.has_any_item():
            raise IngestError("checkin: no item answered; give at least one of " +
                              ", ".join(CHECKIN_ITEMS))  # fmt: skip
        return checkin
    start = values["start"]
    return CompletedSession(
        athlete, values["date"], values["source"], "" if start is None else f"{start:%H:%M}",
        values["sport"], values["minutes"], values["rpe"], values["avg_hr"],
    )  # fmt: skip

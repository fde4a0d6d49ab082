# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Configuration problems in words a user can act on: one line each, ``<key path>: <what>``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import (
    BaseModel,
    ValidationError,
)

_MESSAGES: dict[str, str] = {
    "missing": "is required but missing",
    "int_parsing": "must be a whole number, got {value!r}",
    "int_type": "must be a whole number, got {value!r}",
    "int_from_float": "must be a whole number, got {value!r}",
    "float_parsing": "must be a number, got {value!r}",
    "float_type": "must be a number, got {value!r}",
    "bool_parsing": "must be true or false, got {value!r}",
    "bool_type": "must be true or false, got {value!r}",
    "string_type": "must be text, got {kind}",
    "model_type": "must be a mapping of keys, got {kind}",
    "dict_type": "must be a mapping of keys, got {kind}",
    "list_type": "must be a list, got {kind}",
    "too_short": "must have at least {min_length} item(s)",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters, got {length}",
    "literal_error": "must be one of {expected}, got {value!r}",
    "enum": "must be one of {expected}, got {value!r}",
}


def describe_errors(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    skip: Sequence[tuple[str | int, ...]] = (),
) -> list[str]:
    """One ``<key path>: <problem>`` line per pydantic error, in words a user can act on.

    Errors at or under a location in ``skip`` are left out.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        plain = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
        if any(plain[: len(where)] == where for where in skip):
            continue
        value = error.get("input")
        ctx = error.get("ctx") or {}
        template = _MESSAGES.get(error["type"])
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            message = f"unknown key; allowed keys are {', '.join(allowed)}"
        elif template is not None:
            message = template.format(
                value=value,
                kind=kind_of(value),
                length=len(str(value)),
                min_length=ctx.get("min_length", 1),
                max_length=ctx.get("max_length", "?"),
                expected=ctx.get("expected", "?"),
            )
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
        # Drop pydantic's internal markers such as "function-after[check(), int]".
        loc = tuple(part for part in loc if not (isinstance(part, str) and "[" in part))
        lines.append(f"{format_loc(loc)}: {message}" if loc else message)
    return lines


def _allowed_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:  # noqa: ANN401 - walks arbitrary type annotations
    """The BaseModel inside ``list[M]``, ``dict[K, M]``, ``M | None`` or ``M`` itself."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def format_loc(loc: tuple[str | int, ...]) -> str:
    """A key path as written in the file: ``athletes[0].sources``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = _shown_key(part)
            text += f".{name}" if text else name
    return text


def _shown_key(key: str) -> str:
    """A key as written, or quoted and cut when it would break the line.

    A key of an outside payload (an MQTT ingest, a configuration file) can hold anything.
    """
    if key.isprintable() and 0 < len(key) <= _KEY_SHOWN:
        return key
    return repr(key[:_KEY_SHOWN]) + ("..." if len(key) > _KEY_SHOWN else "")


_KEY_SHOWN = 40


def kind_of(value: object) -> str:
    """What a value is, in words: "a mapping", "a list", "text"..."""
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )

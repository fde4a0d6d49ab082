# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The loader, the only code that reads the configuration file.

It resolves ``${ENV}`` placeholders and ``*_file`` keys (secrets from files, included plans)
before validation, and reports every problem it can find in one pass: placeholders, files and
the schema together, one line each: ``<file>: <key path>: <what was wrong>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import (
    ValidationError,
)

from recoveryd.config.basics import CONFIG_ENV, DEFAULT_CONFIG_PATH, ConfigError
from recoveryd.config.errors import describe_errors, format_loc, kind_of
from recoveryd.config.files import FileProblem, YamlProblem, load_yaml, read_text
from recoveryd.config.model import Config
from recoveryd.config.reads import environ, note_file, recording
from recoveryd.config.tls import TlsFilesError, client_context

_ENV_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_config(path: Path | str | None = None, *, check: bool = False) -> Config:
    """Read, resolve and validate the configuration file.

    ``path`` defaults to ``$RECOVERYD_CONFIG``, then ``/etc/recoveryd/recoveryd.yaml``. With
    ``check``, an unset ``${ENV}`` placeholder is no problem (the value is only needed by the
    process that runs): the placeholder itself stands in for it and
    :attr:`Config.unset_placeholders` lists it.

    Raises:
        ConfigError: with one line per problem, each naming the file and key.
    """
    with recording() as reads:
        config_path = Path(path or environ(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
        label = config_path.name
        try:
            text = read_text(config_path)
        except FileProblem as exc:
            raise ConfigError([str(exc)]) from None
        config = parse_config(text, label=label, base_dir=config_path.parent, check=check)
    config._read_from = (tuple(reads.files), tuple(reads.environment))  # noqa: SLF001
    return config


def parse_config(text: str, *, label: str, base_dir: Path, check: bool = False) -> Config:
    """Validate configuration ``text``; ``label`` prefixes every error line.

    Raises:
        ConfigError: with one line per problem: placeholders, files and the schema together.
    """
    try:
        raw = load_yaml(text)
    except YamlProblem as exc:
        raise ConfigError([f"{label}: {exc}"]) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(
            [f"{label}: the file must hold a mapping of sections, got {kind_of(raw)}"]
        )
    problems: list[str] = []
    unset: list[str] = []
    files: list[str] = []
    ctx = _Resolving(base_dir, label, problems, files, unset, check=check)
    resolved = _resolve(raw, (), ctx)
    try:
        config = Config.model_validate(resolved)
    except ValidationError as exc:
        # Every problem in one pass; but the schema's view of a key whose file could not
        # be read (a value it never got) would only repeat that file's line.
        lines = describe_errors(exc, Config, skip=tuple(ctx.unread))
        raise ConfigError(problems + files + [f"{label}: {line}" for line in lines]) from None
    if problems or files:
        raise ConfigError(problems + files)
    config = _with_tls_files(config, base_dir, label)
    if not config.storage.path.is_absolute():  # like every path: from the file's folder
        storage = config.storage.model_copy(update={"path": base_dir / config.storage.path})
        config = config.model_copy(update={"storage": storage})
    config._base_dir = base_dir  # noqa: SLF001 - set once by the loader
    config._unset = tuple(unset)  # noqa: SLF001 - set once by the loader
    return config


def _with_tls_files(config: Config, base_dir: Path, label: str) -> Config:
    """Resolve the certificate paths against the file's folder and check they can be used."""

    def absolute(path: Path | None) -> Path | None:
        return None if path is None or path.is_absolute() else base_dir / path

    problems = []
    mqtt, ha = config.mqtt, config.homeassistant
    if mqtt.tls is not None:
        tls = mqtt.tls
        tls = tls.model_copy(update={
            key: absolute(getattr(tls, key)) or getattr(tls, key)
            for key in ("ca_certs", "certfile", "keyfile")
        })  # fmt: skip
        for used in (tls.ca_certs, tls.certfile, tls.keyfile):
            if used is not None:
                note_file(used)
        try:
            client_context(tls.ca_certs, tls.certfile, tls.keyfile)
        except TlsFilesError as exc:
            problems.append(f"{label}: mqtt.tls.{exc}")
        mqtt = mqtt.model_copy(update={"tls": tls})
    if ha.ca_certs is not None:
        ca_certs = absolute(ha.ca_certs) or ha.ca_certs
        ha = ha.model_copy(update={"ca_certs": ca_certs})
        note_file(ca_certs)
        try:
            client_context(ca_certs)
        except TlsFilesError as exc:
            problems.append(f"{label}: homeassistant.{exc}")
    if problems:
        raise ConfigError(problems)
    return config.model_copy(update={"mqtt": mqtt, "homeassistant": ha})


@dataclass(frozen=True)
class _Resolving:
    """What resolving placeholders and ``*_file`` keys needs, and where it reports."""

    base_dir: Path
    label: str
    problems: list[str]
    file_problems: list[str]
    unset: list[str]
    check: bool
    # Where a ``<key>_file`` could not be read: the key it would have set.
    unread: list[tuple[str | int, ...]] = field(default_factory=list)


def _resolve(node: object, path: tuple[str | int, ...], ctx: _Resolving) -> object:
    """Substitute ``${ENV}`` placeholders and read ``<key>_file`` secrets into ``<key>``."""
    if isinstance(node, dict):
        out: dict[object, object] = {}
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_file") and isinstance(value, str):
                target = key.removesuffix("_file")
                out[target] = _read_file_key(value, (*path, key), target, ctx)
                continue
            out[key] = _resolve(value, (*path, key), ctx)
        return out
    if isinstance(node, list):
        return [_resolve(v, (*path, i), ctx) for i, v in enumerate(node)]
    if isinstance(node, str):
        return _substitute(node, path, ctx)
    return node


def _read_file_key(value: str, loc: tuple[str | int, ...], target: str, ctx: _Resolving) -> object:
    """The value of a ``<key>_file`` key: a secret's stripped text, or an included YAML file."""
    unset_before = len(ctx.unset)
    file_path = Path(_substitute(value, loc, ctx))
    if len(ctx.unset) > unset_before:  # checked where the placeholder is not set: noted
        return None if target in _YAML_FILES else str(file_path)
    if not file_path.is_absolute():
        file_path = ctx.base_dir / file_path
    included = target in _YAML_FILES
    try:
        text = read_text(file_path, secret=not included)
    except FileProblem as exc:
        ctx.file_problems.append(f"{ctx.label}: {format_loc(loc)}: {exc}")
        ctx.unread.append((*loc[:-1], target))
        return None
    if not included:
        return text.strip()
    try:
        return load_yaml(text)
    except YamlProblem as exc:
        ctx.file_problems.append(f"{ctx.label}: {format_loc(loc)}: {file_path.name}: {exc}")
        ctx.unread.append((*loc[:-1], target))
        return None


# Keys whose ``<key>_file`` holds YAML to include, not a secret string.
_YAML_FILES = frozenset({"plan"})


def _substitute(value: str, path: tuple[str | int, ...], ctx: _Resolving) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        found = environ(name)
        if found is not None:
            return found
        where = format_loc(path)
        if ctx.check:
            ctx.unset.append(f"{where}: ${{{name}}}")
            return match.group(0)
        ctx.problems.append(f"{ctx.label}: {where}: environment variable {name} is not set")
        return ""

    return _ENV_PLACEHOLDER.sub(replace, value)

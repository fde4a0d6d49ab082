# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What every command family shares: exit codes, the ``--config`` help, its handlers' shape."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from recoveryd.config.basics import CONFIG_ENV

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.store.database import Store

# 0 success; 1 the command ran but something was rejected or failed; 2 the configuration or
# the command line is wrong.
EXIT_OK, EXIT_REJECTED, EXIT_CONFIG = 0, 1, 2

CONFIG_HELP = f"configuration file (default: ${CONFIG_ENV}, then /etc/recoveryd/recoveryd.yaml)"


@dataclass(frozen=True, slots=True)
class Handlers:
    """A command family's commands by name: with the configuration loaded, or without."""

    with_config: Mapping[str, Callable[[Config, argparse.Namespace], int]] = field(
        default_factory=dict
    )
    without_config: Mapping[str, Callable[[argparse.Namespace], int]] = field(default_factory=dict)


def open_store(config: Config) -> Store:
    """The configured store, opened (imported here: ``--help`` and the parser need none of it)."""
    from recoveryd.store.database import Store  # noqa: PLC0415

    return Store(config.storage.path)

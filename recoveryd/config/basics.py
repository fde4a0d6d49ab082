# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Where the configuration file is, and the error that names its problems.

Apart from the models and their wording (pydantic): the command line needs these before it
knows whether a command reads a configuration at all.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONFIG_PATH = Path("/etc/recoveryd/recoveryd.yaml")
CONFIG_ENV = "RECOVERYD_CONFIG"


class ConfigError(Exception):
    """The configuration could not be loaded; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

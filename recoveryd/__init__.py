# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""recoveryd: decide the day's recovery from the night's data and let the home act on it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("recoveryd")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

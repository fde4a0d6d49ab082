# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""recoveryd: decide the day's recovery from the night's data and let the home act on it."""

# Read from a module, not importlib.metadata: that costs every command 25 ms at start.
from recoveryd._version import __version__

__all__ = ["__version__"]

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The version: the one place it is written (the package metadata is built from it)."""

__version__ = "0.1.0"

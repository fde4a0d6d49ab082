# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The BLE gadget profiles' error, apart from their models: the command line names it cheaply."""

from __future__ import annotations


class ProfileError(ValueError):
    """A profile, a payload or a notification is not usable; the message says why."""

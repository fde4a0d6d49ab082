# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Adapters between recoveryd and the outside world; only the composition roots import them."""

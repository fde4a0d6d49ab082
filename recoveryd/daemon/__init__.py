# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The running household: the consumer of the one event queue, and what it drives."""

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Bluetooth LE gadgets: declarative GATT profiles and a thin bleak transport."""

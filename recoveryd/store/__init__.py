# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""SQLite (WAL): the store, its migrations, and the import journal."""

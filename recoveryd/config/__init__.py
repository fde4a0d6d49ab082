# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The configuration: one model per section, the files it reads, and the loader."""

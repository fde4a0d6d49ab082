# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Run ``python -m recoveryd``."""

from recoveryd.cli.main import main

raise SystemExit(main())

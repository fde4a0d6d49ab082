# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Pure rules of the home: the day's actions, what each device did, safety, the wake signal.

Also the morning notification's text and buttons.
"""

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The domain's words, pure: nights, plans and actions; events, commands, limits.

What a night, a check-in, a plan and an action are; the queue's events; what people may ask
and what arrives, checked; the hard safety limits.
"""

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""MQTT: the broker connection, Home Assistant discovery and the embedded broker."""

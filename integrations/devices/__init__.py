# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Device drivers: MQTT devices without Home Assistant, and the dry run."""

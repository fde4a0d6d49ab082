# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Hard limits that no configuration can raise. Changing them means changing this file.

Sauna: Finnish-sauna bathing studies use 70-100 °C for 5-20 minutes per round (Laukkanen et
al. 2018, Mayo Clin Proc 93:1111-1121); 100 °C and 60 minutes of session are the ceiling here,
whatever the heater could do. Compression: pneumatic boots are used for 20-60 minutes per
session (manufacturers' own session lengths), 60 minutes is the ceiling. Any device that heats
or squeezes also gets a device-side auto-off where the device supports one.
"""

from __future__ import annotations

from datetime import time
from typing import Final

SAUNA_MAX_TEMP_C: Final = 100
SAUNA_MIN_TEMP_C: Final = 40
SAUNA_MAX_SESSION_MIN: Final = 60
SAUNA_MAX_START_WAIT_MIN: Final = 60
COMPRESSION_MAX_MIN: Final = 60
# Pre-heat longer than this means the heater cannot reach the target: refuse, do not run it.
SAUNA_MAX_PREHEAT_MIN: Final = 120

# The daily budget of every device that heats or squeezes, per local day, counted from the
# action log across restarts, commands and athletes. A device's configuration may lower
# these, never raise them. 240 minutes covers a 120-minute pre-heat, a 60-minute start wait
# and a 60-minute session, or one pre-heat and several back-to-back sessions; three
# switch-ons a day are two sessions and one start-now; a sauna is off by 23:00. Boots are
# used for at most 60 minutes at a time; six sessions and three hours cover a household.
SAUNA_MAX_DAILY_ON_MIN: Final = 240
SAUNA_MAX_DAILY_SWITCH_ONS: Final = 3
SAUNA_LATEST_OFF: Final = time(23, 0)
COMPRESSION_MAX_DAILY_ON_MIN: Final = 180
COMPRESSION_MAX_DAILY_SWITCH_ONS: Final = 6
COMPRESSION_LATEST_OFF: Final = time(23, 30)

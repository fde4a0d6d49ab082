# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The device families of Gadgetbridge's bands that recoveryd reads, and their tables.

By ``DEVICE.TYPE_NAME``, the ``DeviceType`` enum name of Gadgetbridge's source
(``devicetype.json`` for the deprecated numeric ``TYPE`` of devices stored before 0.77).
"""

from __future__ import annotations

from typing import Final

HUAMI_LEGACY, ZEPP_OS, XIAOMI = "huami", "zepp", "xiaomi"
SOURCES: Final = {
    HUAMI_LEGACY: "gadgetbridge_huami",
    ZEPP_OS: "gadgetbridge_zepp",
    XIAOMI: "gadgetbridge_xiaomi",
}
"""The source each family's nights are stored as: different bands measure differently."""

_HUAMI_LEGACY_NAMES = {
    "MIBAND2": 11, "MIBAND2_HRX": 1001, "AMAZFITBIP": 12, "AMAZFITCOR": 13, "MIBAND3": 14,
    "AMAZFITCOR2": 15, "MIBAND4": 16, "AMAZFITBIP_LITE": 17, "AMAZFITGTR": 18,
    "AMAZFITGTS": 19, "AMAZFITBIPS": 20, "AMAZFITGTR_LITE": 21, "AMAZFITTREX": 22,
    "MIBAND5": 23, "AMAZFITBAND5": 24, "AMAZFITBIPS_LITE": 25, "AMAZFITGTR2": 26,
    "AMAZFITGTS2": 27, "AMAZFITBIPU": 28, "AMAZFITVERGEL": 29, "AMAZFITBIPUPRO": 30,
    "AMAZFITNEO": 31, "AMAZFITGTS2_MINI": 32, "ZEPP_E": 33, "AMAZFITGTR2E": 34,
    "AMAZFITGTS2E": 35, "AMAZFITX": 36, "MIBAND6": 37, "AMAZFITTREXPRO": 38, "AMAZFITPOP": 39,
    "AMAZFITPOPPRO": 10040, "AMAZFITBIP3": 0, "AMAZFITBIP3PRO": 10051,
}  # fmt: skip
_ZEPP_NAMES = {
    "MIBAND7": 10041, "AMAZFITGTS3": 10042, "AMAZFITGTR3": 10043, "AMAZFITGTR4": 10044,
    "AMAZFITBAND7": 10045, "AMAZFITGTS4": 10046, "AMAZFITGTS4MINI": 10047,
    "AMAZFITTREX2": 10048, "AMAZFITGTR3PRO": 10049, "AMAZFITCHEETAHPRO": 10050,
    "AMAZFITCHEETAHSQUARE": 10052, "AMAZFITCHEETAHROUND": 10053, "AMAZFITBIP5": 10054,
    "AMAZFITTREXULTRA": 10055, "AMAZFITGTRMINI": 10056, "AMAZFITFALCON": 10057,
    "AMAZFITBALANCE": 10058, "AMAZFITGTS4MININEW": 0, "AMAZFITTREX3": 0,
    "AMAZFITTREX3PRO44MM": 0, "AMAZFITTREX3PRO48MM": 0, "AMAZFITCHEETAH2PRO": 0,
    "AMAZFITBIP5UNITY": 0, "AMAZFITBIP6": 0, "AMAZFITTREXULTRA2": 0, "AMAZFITBALANCE2": 0,
    "AMAZFITBALANCE2XT": 0, "AMAZFITACTIVE": 0, "AMAZFITACTIVE2": 0, "AMAZFITACTIVE2NFC": 0,
    "AMAZFITACTIVE2SQUARE": 0, "AMAZFITACTIVE3PREMIUM": 0, "AMAZFITACTIVEEDGE": 0,
    "AMAZFITACTIVEMAX": 0, "AMAZFITHELIORING": 0, "AMAZFITHELIOSTRAP": 0,
}  # fmt: skip
_XIAOMI_NAMES = frozenset({
    "MIBAND4C", "MIBAND7PRO", "MIBAND8", "MIBAND8ACTIVE", "MIBAND8PRO", "MIBAND9",
    "MIBAND9ACTIVE", "MIBAND9PRO", "MIBAND10", "MIBAND10PRO", "MIWATCHLITE",
    "MIWATCHCOLORSPORT", "REDMIWATCH3ACTIVE", "REDMIWATCH3", "REDMISMARTBAND2",
    "REDMISMARTBAND3", "REDMIWATCH2", "REDMIWATCH2LITE", "REDMISMARTBANDPRO", "REDMIWATCH4",
    "REDMIWATCH5", "REDMIWATCH5ACTIVE", "REDMIWATCH5LITE", "REDMIWATCHMOVE",
    "XIAOMI_WATCH_S1_ACTIVE", "XIAOMI_WATCH_S1_PRO", "XIAOMI_WATCH_S1", "XIAOMI_WATCH_S3",
    "XIAOMI_WATCH_S4",
})  # fmt: skip
# The deprecated numeric TYPE of devices stored before Gadgetbridge 0.77 (devicetype.json).
_BY_NUMBER = {
    number: name for names in (_HUAMI_LEGACY_NAMES, _ZEPP_NAMES)
    for name, number in names.items() if number
}  # fmt: skip

TABLES: Final = {
    HUAMI_LEGACY: ("MI_BAND_ACTIVITY_SAMPLE",),
    ZEPP_OS: (
        "HUAMI_EXTENDED_ACTIVITY_SAMPLE", "HUAMI_SLEEP_SESSION_SAMPLE",
        "HUAMI_HEART_RATE_RESTING_SAMPLE", "HUAMI_SPO2_SAMPLE",
        "HUAMI_SLEEP_RESPIRATORY_RATE_SAMPLE", "GENERIC_HRV_VALUE_SAMPLE",
    ),
    XIAOMI: (
        "XIAOMI_ACTIVITY_SAMPLE", "XIAOMI_SLEEP_TIME_SAMPLE", "XIAOMI_SLEEP_STAGE_SAMPLE",
        "XIAOMI_DAILY_SUMMARY_SAMPLE", "HEART_PULSE_SAMPLE",
    ),
}  # fmt: skip
"""The tables each family is read from; the first one holds its minutes."""


def family(type_name: str | None, type_number: int | None) -> str | None:
    """The family of a ``DEVICE`` row, or ``None`` when it is none of these."""
    name = (type_name or "").upper()
    if name in {"", "UNKNOWN"} and type_number:
        name = _BY_NUMBER.get(type_number, "")
    if name in _HUAMI_LEGACY_NAMES:
        return HUAMI_LEGACY
    if name in _ZEPP_NAMES:
        return ZEPP_OS
    if name in _XIAOMI_NAMES:
        return XIAOMI
    return None

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Sources with nights in the store that an athlete's ``sources`` leave out.

Imports, ``today`` and the daemon's answers say so after their own work; light to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recoveryd.config.model import Config
    from recoveryd.store.database import Store


def unlisted_sources(store: Store, config: Config, athlete_id: str) -> list[str]:
    """One line per source with stored nights that the athlete's ``sources`` do not list."""
    listed = config.athlete(athlete_id).sources
    lines = []
    for source, (count, last) in sorted(store.night_sources(athlete_id).items()):
        if source not in listed:
            lines.append(
                f"{source}: {count} nights stored (last {last}), not in {athlete_id}'s sources "
                f"({', '.join(listed)}); add it there to use them"
            )
    return lines

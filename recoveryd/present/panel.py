# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The web panel's page: the household's day as HTML (Jinja2, every value escaped).

Pure: a :class:`~recoveryd.daemon.panel_view.PanelPage` in, text out. Every control is a
plain form posting to the daemon (no script at all: the page's content security policy
allows none), which checks it as it checks the same command from MQTT.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from recoveryd.present.numbers import FAIR_SCORE, GOOD_SCORE

if TYPE_CHECKING:
    from recoveryd.daemon.panel_view import PanelPage

BUTTONS: Final = (
    ("start_session", "Start now"),
    ("skip_today", "Skip today"),
    ("redecide", "Decide again"),
)


@dataclass(frozen=True, slots=True)
class Said:
    """What became of the last control used: shown once above the athletes."""

    accepted: bool
    text: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("recoveryd.present", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def score_colour(score: int | None) -> str:
    """The readiness bar's colour: green, amber or red as the terminal summary shows it."""
    if score is None:
        return "var(--insufficient_data)"
    if score >= GOOD_SCORE:
        return "var(--as_planned)"
    return "var(--mobility)" if score >= FAIR_SCORE else "var(--rest)"


def render_panel(page: PanelPage, *, base: str, token: str, said: Said | None = None) -> str:
    """The page; ``base`` prefixes every link (Home Assistant's ingress path, or nothing)."""
    template = _environment().get_template("panel.html.j2")
    return template.render(
        page=page, base=base, token=token, said=said, buttons=BUTTONS, score_colour=score_colour
    )

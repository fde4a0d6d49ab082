# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The morning summary through apprise: ntfy, Telegram, e-mail and every channel it knows.

apprise is synchronous; the daemon calls :meth:`AppriseSender.send` in a worker thread. The
chart goes along as an attachment where the channel supports one. URLs hold tokens: they
are never logged, only their scheme.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import apprise
from recoveryd.home.notification import Notice

log = logging.getLogger(__name__)


class AppriseSender:
    """Sends notices to a fixed set of apprise URLs."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._apprise = apprise.Apprise()
        self._schemes = []
        for url in urls:
            scheme = url.split(":", 1)[0]
            if not self._add(url):
                # apprise says which part was wrong only in its own log; never echo the URL.
                log.error("apprise: a %s:// URL was not accepted; check it", scheme)
                continue
            self._schemes.append(scheme)

    def _add(self, url: str) -> bool:
        # apprise logs a URL it cannot parse, token and all: keep its log quiet meanwhile.
        library = logging.getLogger("apprise")
        level = library.level
        library.setLevel(logging.CRITICAL + 1)
        try:
            return bool(self._apprise.add(url))
        finally:
            library.setLevel(level)

    def send(self, notice: Notice, png: bytes | None) -> bool:
        """Send to every URL; whether all of them took it."""
        if not self._schemes:
            return False
        with tempfile.TemporaryDirectory(prefix="recoveryd-") as tmp:
            attach = None
            if png is not None:
                chart = Path(tmp) / f"{notice.athlete}-chart.png"
                chart.write_bytes(png)
                attach = apprise.AppriseAttachment(str(chart))
            sent = bool(
                self._apprise.notify(body=notice.message, title=notice.title, attach=attach)
            )
        if not sent:
            log.error("apprise: the summary for %s did not reach every channel (%s)",
                      notice.athlete, ", ".join(self._schemes))  # fmt: skip
        return sent

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The web panel over HTTP (aiohttp): the page, each athlete's chart, and the controls.

Routes, all under the base path (empty, or Home Assistant's ingress path):

- ``GET /``: the household's day (:mod:`recoveryd.present.panel`);
- ``GET /chart/<athlete>.png``: the last 30 days;
- ``POST /athlete/<athlete>/<control>`` with ``value`` and ``token``: a control, handed to the
  daemon as the same command MQTT would carry; answered with a redirect to the page, which
  says what became of it.

Behind Home Assistant's ingress every request carries ``X-Ingress-Path``; the page's links
start with it. A POST must carry the page's token (a page of another site cannot), and with
``allow_from`` only those client addresses are served at all.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Final

from aiohttp import web
from recoveryd.config.panel import PanelConfig
from recoveryd.daemon.panel_view import PanelPage
from recoveryd.domain.events import CommandReply
from recoveryd.present.panel import Said, render_panel

log = logging.getLogger(__name__)

# Home Assistant's ingress path (supervisor/api/ingress.py: /api/hassio_ingress/<token>).
INGRESS_PATH: Final = re.compile(r"/api/hassio_ingress/[A-Za-z0-9_-]{1,128}")
CONTROL: Final = re.compile(r"[a-z_]{1,40}")
MAX_FORM_BYTES: Final = 4096
SAID_KEPT_S: Final = 120.0
SHUTDOWN_S: Final = 5.0
HEADERS: Final = {
    # No script at all; styles inline; images, forms and framing from this origin only
    # (Home Assistant's frontend frames the panel from its own origin through ingress).
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ChartUnavailableError(Exception):
    """The chart could not be drawn now; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class PanelParts:
    """What the server asks the daemon for."""

    page: Callable[[], PanelPage]
    chart: Callable[[str], Awaitable[bytes]]
    submit: Callable[[str, str, bytes], Awaitable[CommandReply]]
    athletes: frozenset[str]


class PanelServer:
    """Serves the panel on the configured address until :meth:`stop`."""

    def __init__(self, config: PanelConfig, parts: PanelParts) -> None:
        self._config, self._parts = config, parts
        self._token = secrets.token_urlsafe(24)
        self._said: dict[str, tuple[float, Said]] = {}
        self._allowed: frozenset[IPv4Address | IPv6Address] = frozenset(config.allow_from)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the port actually bound (the configured one, or 0's)

    def application(self) -> web.Application:
        """The aiohttp application (the tests serve it themselves)."""
        app = web.Application(client_max_size=MAX_FORM_BYTES, middlewares=[self._guard])
        app.router.add_get("/", self._page)
        app.router.add_get("/chart/{athlete}.png", self._chart)
        app.router.add_post("/athlete/{athlete}/{control}", self._control)
        return app

    async def start(self) -> bool:
        """Listen; ``False`` (one log line, the daemon goes on without it) if it cannot."""
        # A stop waits this long at most for a request in flight (a chart being drawn).
        runner = web.AppRunner(
            self.application(), access_log=None, handle_signals=False,
            shutdown_timeout=SHUTDOWN_S,
        )  # fmt: skip
        await runner.setup()
        site = web.TCPSite(runner, self._config.host, self._config.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            log.error(  # noqa: TRY400 - one line, no traceback, for an operational fault
                "web panel: cannot listen on %s:%d: %s",
                self._config.host, self._config.port, exc.strerror or exc,
            )  # fmt: skip
            await runner.cleanup()
            return False
        self._runner = runner
        server = site._server  # noqa: SLF001 - the bound port when 0 was asked
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._config.port
        log.info("web panel on http://%s:%d/", self._config.host, self.port)
        return True

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _guard(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if self._allowed and not self._client_allowed(request.remote):
            return web.Response(status=403, text="not allowed from this address\n")
        response = await handler(request)
        response.headers.update(HEADERS)
        return response

    def _client_allowed(self, remote: str | None) -> bool:
        try:
            return remote is not None and ip_address(remote) in self._allowed
        except ValueError:
            return False

    @staticmethod
    def _base(request: web.Request) -> str:
        """The ingress path the links start with; anything else in the header is ignored."""
        path = request.headers.get("X-Ingress-Path", "")
        return path if INGRESS_PATH.fullmatch(path) else ""

    async def _page(self, request: web.Request) -> web.Response:
        said = self._said.get(request.query.get("said", ""))
        html = render_panel(
            self._parts.page(), base=self._base(request), token=self._token,
            said=None if said is None else said[1],
        )  # fmt: skip
        return web.Response(
            text=html, content_type="text/html", headers={"Cache-Control": "no-store"}
        )

    async def _chart(self, request: web.Request) -> web.Response:
        athlete = request.match_info["athlete"]
        if athlete not in self._parts.athletes:
            raise web.HTTPNotFound(text=f"no athlete {athlete[:32]!r}\n")
        try:
            png = await self._parts.chart(athlete)
        except ChartUnavailableError as exc:
            return web.Response(status=503, text=f"{exc}\n")
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "private, max-age=300"})  # fmt: skip

    async def _control(self, request: web.Request) -> web.Response:
        athlete, control = request.match_info["athlete"], request.match_info["control"]
        if athlete not in self._parts.athletes or not CONTROL.fullmatch(control):
            raise web.HTTPNotFound(text="no such control\n")
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="form too large\n")
        token, value = form.get("token"), form.get("value")
        if not isinstance(token, str) or not hmac.compare_digest(token, self._token):
            return web.Response(status=403, text="the page's token is missing: reload it\n")
        if not isinstance(value, str) or not value:
            reply = CommandReply(accepted=False, text=f"{control}: no value was sent")
        else:
            reply = await self._parts.submit(athlete, control, value.encode())
        said_id = self._keep(Said(reply.accepted, f"{athlete}: {reply.text}"))
        location = f"{self._base(request)}/?said={said_id}#athlete-{athlete}"
        raise web.HTTPSeeOther(location)

    def _keep(self, said: Said) -> str:
        """Keep what a control did for the page that follows (and a while for a reload)."""
        now = time.monotonic()
        self._said = {k: v for k, v in self._said.items() if now - v[0] < SAID_KEPT_S}
        said_id = secrets.token_urlsafe(8)
        self._said[said_id] = (now, said)
        return said_id

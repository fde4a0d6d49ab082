# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""What the HTTP stand-ins of the tests share (Home Assistant starting, the Supervisor)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON and keeps quiet about each request."""

    def answer_json(self, status: int, body: object) -> None:
        """Send ``body`` as JSON with ``status``."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: object) -> None:
        """Nothing on stderr: the tests assert on what the daemon says there."""


class Supervisor:
    """The Home Assistant Supervisor as an add-on sees it, on 127.0.0.1.

    Only what the Supervisor documents for an add-on with ``services: mqtt:need`` and
    ``homeassistant_api: true``: ``GET /services/mqtt`` (``mqtt``: the service's data, or
    None for "not enabled") and the Core proxy ``/core/api/...``, each only with
    ``Authorization: Bearer <token>``. With ``core`` (a real Home Assistant's URL and token)
    the proxy forwards there as the Supervisor does; without it, it answers
    ``/core/api/config`` alone. ``asked`` keeps each path with the authorization it came with.
    """

    def __init__(
        self, token: str, mqtt: dict[str, Any] | None, core: tuple[str, str] | None = None
    ) -> None:
        self.asked: list[tuple[str, str]] = []
        self.mqtt = mqtt  # a test may take the service away
        owner = self

        class Handler(JsonHandler):
            def _serve(self) -> None:
                owner.asked.append((self.path, self.headers.get("Authorization", "")))
                if self.headers.get("Authorization") != f"Bearer {token}":
                    self.answer_json(401, {"result": "error", "message": "Unauthorized"})
                elif self.path == "/services/mqtt" and self.command == "GET":
                    if owner.mqtt is None:
                        self.answer_json(400, {"result": "error", "message": "Service not enabled"})
                    else:
                        self.answer_json(200, {"result": "ok", "data": owner.mqtt})
                elif self.path.startswith("/core/api/") and core is not None:
                    self._forward(*core)
                elif self.path == "/core/api/config":
                    self.answer_json(200, {"time_zone": "Europe/Berlin", "version": "2024.3.3"})
                else:
                    self.answer_json(404, {"result": "error"})

            def _forward(self, url: str, core_token: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = urllib.request.Request(  # noqa: S310 - the test's own Home Assistant
                    url + self.path.removeprefix("/core"), method=self.command,
                    data=self.rfile.read(length) if length else None,
                    headers={"Authorization": f"Bearer {core_token}",
                             "Content-Type": self.headers.get("Content-Type", "application/json")},
                )  # fmt: skip
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                        status, body = answer.status, answer.read()
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving and close the listening socket (else left to the collector)."""
        self.server.shutdown()
        self.server.server_close()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The web panel's HTTP side: its page from a real store, its guards, what it hands on."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from recoveryd.config.model import Config
from recoveryd.config.panel import PanelConfig
from recoveryd.daemon.panel_view import PanelPage, panel_page
from recoveryd.domain.events import CommandReply
from recoveryd.integrations.web.panel import (
    ChartUnavailableError,
    PanelParts,
    PanelServer,
)
from recoveryd.store.database import Store

from tests.conftest import SAMPLE_END

Sent = list[tuple[str, str, bytes]]
Client = TestClient[web.Request, web.Application]


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def page(sample_store: tuple[Config, Store]) -> PanelPage:
    config, store = sample_store
    return panel_page(store, config, SAMPLE_END)


@pytest.fixture
def sent() -> Sent:
    return []


@pytest.fixture
async def make_client(
    page: PanelPage, sent: Sent
) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    """A test client of a panel on its own server (``config``: the panel section's keys)."""
    clients: list[Client] = []

    async def submit(athlete: str, control: str, payload: bytes) -> CommandReply:
        sent.append((athlete, control, payload))
        if payload == b"11":
            return CommandReply(accepted=False, text="rpe: 11 is outside 0-10")
        return CommandReply(accepted=True, text=f"{control} set to {payload.decode()}")

    async def chart(athlete: str) -> bytes:
        if athlete == "sam":
            raise ChartUnavailableError("the chart could not be drawn: no display")
        return b"\x89PNG\r\n\x1a\nfake"

    async def make(**config: object) -> Client:
        server = PanelServer(
            PanelConfig.model_validate(config),
            PanelParts(page=lambda: page, chart=chart, submit=submit,
                       athletes=frozenset({"alex", "sam"})),
        )  # fmt: skip
        client: Client = TestClient(TestServer(server.application()))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def test_the_page_shows_each_athlete_with_every_contributor(
    make_client: Callable[..., Awaitable[Client]], page: PanelPage
) -> None:
    client = await make_client()
    answer = await client.get("/")
    assert answer.status == 200
    html = await answer.text()
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    for athlete in page.athletes:
        assert f'id="athlete-{athlete.id}"' in html
        assert f'data-protocol="{athlete.protocol}"' in html
        assert html.count('<li class="signal') >= len(athlete.contributors)
        for row in athlete.contributors:
            assert str(escape(row.reason)) in html
    assert "<script" not in html


async def test_a_control_needs_the_pages_token_and_goes_on_as_a_command(
    make_client: Callable[..., Awaitable[Client]], sent: Sent
) -> None:
    client = await make_client()
    token = _token(await (await client.get("/")).text())
    for form in ({"value": "rest"}, {"value": "rest", "token": "guess"}):
        refused = await client.post("/athlete/alex/protocol", data=form)
        assert refused.status == 403
    assert sent == []
    answer = await client.post(
        "/athlete/alex/protocol", data={"value": "rest", "token": token}, allow_redirects=False
    )
    assert answer.status == 303
    assert sent == [("alex", "protocol", b"rest")]
    page = await (await client.get(answer.headers["Location"])).text()
    assert 'role="status">alex: protocol set to rest<' in page
    refused = await client.post("/athlete/alex/rpe", data={"value": "11", "token": token})
    assert 'class="said refused" role="status">alex: rpe: 11 is outside 0-10<' in (
        await refused.text()
    )
    empty = await client.post("/athlete/alex/rpe", data={"value": "", "token": token})
    assert "rpe: no value was sent" in await empty.text()
    assert len(sent) == 2


async def test_unknown_athletes_controls_and_big_forms_are_refused(
    make_client: Callable[..., Awaitable[Client]], sent: Sent
) -> None:
    client = await make_client()
    token = _token(await (await client.get("/")).text())
    for path in ("/athlete/kim/protocol", "/athlete/alex/PROTOCOL", "/athlete/alex/a+b"):
        answer = await client.post(path, data={"value": "rest", "token": token})
        assert answer.status == 404, path
    big = await client.post("/athlete/alex/rpe", data={"value": "1" * 10_000, "token": token})
    assert big.status == 413
    assert (await client.get("/chart/kim.png")).status == 404
    assert sent == []


async def test_charts_and_a_chart_that_cannot_be_drawn(
    make_client: Callable[..., Awaitable[Client]],
) -> None:
    client = await make_client()
    drawn = await client.get("/chart/alex.png")
    assert drawn.headers["Content-Type"] == "image/png"
    assert (await drawn.read()).startswith(b"\x89PNG")
    failed = await client.get("/chart/sam.png")
    assert failed.status == 503
    assert await failed.text() == "the chart could not be drawn: no display\n"


async def test_only_the_allowed_addresses_are_served(
    make_client: Callable[..., Awaitable[Client]],
) -> None:
    elsewhere = await make_client(allow_from=["172.30.32.2"])
    assert (await elsewhere.get("/")).status == 403
    assert (await elsewhere.get("/chart/alex.png")).status == 403
    here = await make_client(allow_from=["127.0.0.1", "::1"])
    assert (await here.get("/")).status == 200


@pytest.mark.parametrize(
    ("header", "base"),
    [
        ("/api/hassio_ingress/AbC_12-x", "/api/hassio_ingress/AbC_12-x"),
        ("/api/hassio_ingress/a/../../admin", ""),
        ('"><img src=x onerror=alert(1)>', ""),
        ("https://elsewhere.example/api/hassio_ingress/x", ""),
    ],
)
async def test_links_follow_a_valid_ingress_path_only(
    make_client: Callable[..., Awaitable[Client]], header: str, base: str
) -> None:
    client = await make_client()
    html = await (await client.get("/", headers={"X-Ingress-Path": header})).text()
    links = re.findall(r'(?:action|src)="([^"]+)"', html)
    assert links
    assert all(link.startswith(f"{base}/") for link in links)
    assert "onerror" not in html
    token = _token(html)
    answer = await client.post(
        "/athlete/alex/skip_today", data={"value": "PRESS", "token": token},
        headers={"X-Ingress-Path": header}, allow_redirects=False,
    )  # fmt: skip
    assert answer.headers["Location"].startswith(f"{base}/?said=")


async def test_names_are_escaped(page: PanelPage, sent: Sent) -> None:
    hostile = replace(page.athletes[0], name="<script>alert('x')</script>")
    page_with = replace(page, athletes=(hostile, *page.athletes[1:]))
    server = PanelServer(
        PanelConfig(),
        PanelParts(page=lambda: page_with, chart=lambda _: _never(), submit=_refuse,
                   athletes=frozenset({"alex"})),
    )  # fmt: skip
    async with TestClient(TestServer(server.application())) as client:
        html = await (await client.get("/")).text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert sent == []


async def _never() -> bytes:
    raise AssertionError


async def _refuse(_athlete: str, _control: str, _payload: bytes) -> CommandReply:
    raise AssertionError


async def test_a_port_in_use_is_one_line_and_no_panel(
    page: PanelPage, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = PanelServer(
            PanelConfig(port=port),
            PanelParts(page=lambda: page, chart=lambda _: _never(), submit=_refuse,
                       athletes=frozenset()),
        )  # fmt: skip
        with caplog.at_level(logging.ERROR):
            assert await server.start() is False
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line.startswith(f"web panel: cannot listen on 127.0.0.1:{port}: ")
    assert "\n" not in line
    await server.stop()

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""A real Home Assistant serving HTTPS with a certificate from the household's own CA."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from recoveryd.config.loader import parse_config
from recoveryd.integrations.homeassistant.actuator import HomeAssistant
from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier

from tests.integration.ha_core import HomeAssistantCore, start_home_assistant

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Pki:
    ca: Path
    other_ca: Path
    certificate: Path
    key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = Pki(folder / "ca.pem", folder / "other.pem", folder / "ha.pem", folder / "ha.key")
    ca.cert_pem.write_to_path(str(files.ca))
    other.cert_pem.write_to_path(str(files.other_ca))
    server.cert_chain_pems[0].write_to_path(str(files.certificate))
    server.private_key_pem.write_to_path(str(files.key))
    return files


@pytest.fixture(scope="module")
def https_ha(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[HomeAssistantCore]:
    yield from start_home_assistant(tmp_path_factory, https=(pki.ca, pki.certificate, pki.key))


async def test_states_and_service_calls_over_https_with_the_household_ca(
    https_ha: HomeAssistantCore, pki: Pki
) -> None:
    assert https_ha.url.startswith("https://")
    config = parse_config(
        f"homeassistant: {{url: '{https_ha.url}', token: '{https_ha.token}', ca_certs: ca.pem}}\n"
        "athletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        label="r.yaml", base_dir=pki.ca.parent,
    )  # fmt: skip
    assert config.homeassistant.verify == str(pki.ca)
    ha = HomeAssistant(https_ha.url, https_ha.token, attempts=1, verify=config.homeassistant.verify)
    assert await ha.entity_state("input_boolean.sauna_door_open") == "off"
    await asyncio.to_thread(
        https_ha.call, "input_boolean", "turn_on", entity_id="input_boolean.sauna_door_open"
    )
    assert await ha.entity_state("input_boolean.sauna_door_open") == "on"


async def test_a_certificate_from_another_ca_is_refused_in_one_line(
    https_ha: HomeAssistantCore, pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    for verify in (str(pki.other_ca), True):  # another CA; the system's CAs
        caplog.clear()
        ha = HomeAssistant(https_ha.url, https_ha.token, attempts=1, verify=verify)
        assert await ha.entity_state("input_boolean.sauna_door_open") is None
        (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert "certificate verify failed" in line.lower()
        assert "\n" not in line
        assert https_ha.token not in line


async def test_notification_actions_arrive_over_wss(https_ha: HomeAssistantCore, pki: Pki) -> None:
    notifier = HomeAssistantNotifier(https_ha.url, https_ha.token, verify=str(pki.ca))
    actions: list[str] = []
    stop = asyncio.Event()
    listening = asyncio.create_task(notifier.listen(actions.append, stop))
    try:
        async with asyncio.timeout(60):
            while not actions:
                # Fired again until the listener is subscribed: it connects beside this loop.
                await asyncio.to_thread(
                    https_ha.request, "POST", "/api/events/mobile_app_notification_action",
                    {"action": "RECOVERYD_EASIER_alex"},
                )  # fmt: skip
                await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.wait_for(listening, 30)
    assert set(actions) == {"RECOVERYD_EASIER_alex"}

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""MQTT with TLS, a client certificate and a password, against mosquitto configured for them.

The certificates come from trustme (a CA and certificates made for the test); the password
file from mosquitto's own ``mosquitto_passwd``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest
import trustme
from pydantic import SecretStr
from recoveryd.config.basics import ConfigError
from recoveryd.config.loader import parse_config
from recoveryd.config.model import Config
from recoveryd.config.sections import TlsConfig
from recoveryd.daemon.service import Daemon
from recoveryd.domain.events import BrokerConnected, Event
from recoveryd.integrations.mqtt.broker import free_port
from recoveryd.integrations.mqtt.link import MqttLink

from tests.conftest import Mosquitto, make_config
from tests.integration.test_daemon_mqtt import MORNING, TIMEOUT_S, FixedClock

pytestmark = pytest.mark.integration

USER, PASSWORD = "recoveryd", "mqtt-pass-never-logged"


@dataclass(frozen=True)
class Pki:
    ca: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    ca_obj: trustme.CA


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("recoveryd-client")
    paths = {name: tmp_path / f"{name}.pem" for name in
             ("ca", "other_ca", "server", "server_key", "client", "client_key")}  # fmt: skip
    ca.cert_pem.write_to_path(str(paths["ca"]))
    other.cert_pem.write_to_path(str(paths["other_ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["server"]))
    server.private_key_pem.write_to_path(str(paths["server_key"]))
    client.cert_chain_pems[0].write_to_path(str(paths["client"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return Pki(paths["ca"], paths["client"], paths["client_key"], paths["other_ca"], ca)


@pytest.fixture
def secure_broker(tmp_path: Path, pki: Pki) -> Iterator[int]:
    """mosquitto on 127.0.0.1 with TLS, a required client certificate and a password file."""
    passwd = tmp_path / "passwd"
    tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    subprocess.run([tool, "-b", "-c", str(passwd), USER, PASSWORD], check=True)
    passwd.chmod(0o600)
    port = free_port()
    # Started as root, mosquitto drops to the `mosquitto` user, which cannot read the test's
    # private folder; `user root` keeps it able to (ignored when not started as root).
    settings = (
        "user root\n"
        f"cafile {pki.ca}\ncertfile {tmp_path / 'server.pem'}\n"
        f"keyfile {tmp_path / 'server_key.pem'}\nrequire_certificate true\n"
        f"password_file {passwd}\nallow_anonymous false\n"
    )
    broker = Mosquitto(tmp_path, port, settings)
    yield port
    broker.stop()


def secure_config(tmp_path: Path, port: int, tls: TlsConfig, password: str = PASSWORD) -> Config:
    config = make_config(tmp_path, port=port)
    mqtt = config.mqtt.model_copy(
        update={"tls": tls, "username": USER, "password": SecretStr(password)}
    )
    return config.model_copy(update={"mqtt": mqtt})


def client_tls(pki: Pki) -> aiomqtt.TLSParameters:
    return aiomqtt.TLSParameters(
        ca_certs=str(pki.ca), certfile=str(pki.client_cert), keyfile=str(pki.client_key)
    )


async def test_the_daemon_over_tls_with_a_client_certificate_and_a_password(
    tmp_path: Path, pki: Pki, secure_broker: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tls = TlsConfig(ca_certs=pki.ca, certfile=pki.client_cert, keyfile=pki.client_key)
    config = secure_config(tmp_path, secure_broker, tls)
    seen: list[tuple[str, bytes]] = []
    async with aiomqtt.Client(
        "127.0.0.1", secure_broker, username=USER, password=PASSWORD,
        tls_params=client_tls(pki), identifier="watcher",
    ) as watcher:  # fmt: skip
        await watcher.subscribe("recoveryd/#", qos=1)
        stop = asyncio.Event()
        task = asyncio.create_task(Daemon(config, clock=FixedClock(MORNING)).run(stop))

        async def until_state() -> None:
            async for message in watcher.messages:
                assert isinstance(message.payload, bytes)
                seen.append((str(message.topic), message.payload))
                if str(message.topic) == "recoveryd/alex/state":
                    return

        await asyncio.wait_for(until_state(), TIMEOUT_S)
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)
    assert ("recoveryd/status", b"online") in seen
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)


async def refused(config: Config, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Run the link for a few connection attempts; the warnings it logged."""
    events: list[Event] = []
    link = MqttLink(config.mqtt, "recoveryd/status", None, events.append)
    task = asyncio.create_task(link.run())
    await asyncio.sleep(1.5)  # bounded: a few attempts at reconnect_max_s 1
    link.close()
    await asyncio.wait_for(task, TIMEOUT_S)
    assert not any(isinstance(e, BrokerConnected) for e in events)
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_wrong_password_is_refused_and_never_logged(
    tmp_path: Path, pki: Pki, secure_broker: int, caplog: pytest.LogCaptureFixture
) -> None:
    tls = TlsConfig(ca_certs=pki.ca, certfile=pki.client_cert, keyfile=pki.client_key)
    lines = await refused(secure_config(tmp_path, secure_broker, tls, "not-the-one"), caplog)
    assert lines
    assert all("unreachable" in line for line in lines)
    assert all("not-the-one" not in line and "\n" not in line for line in lines)


# paho-mqtt leaves the socket of a failed TLS handshake to the garbage collector, which closes
# it (with a ResourceWarning) as soon as the attempt's frame is gone: nothing accumulates.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
async def test_a_broker_signed_by_another_ca_is_refused(
    tmp_path: Path, pki: Pki, secure_broker: int, caplog: pytest.LogCaptureFixture
) -> None:
    tls = TlsConfig(ca_certs=pki.other_ca, certfile=pki.client_cert, keyfile=pki.client_key)
    lines = await refused(secure_config(tmp_path, secure_broker, tls), caplog)
    gc.collect()  # while ResourceWarning is ignored
    assert any("CERTIFICATE_VERIFY_FAILED" in line for line in lines)


async def test_without_the_client_certificate_the_broker_refuses(
    tmp_path: Path, pki: Pki, secure_broker: int, caplog: pytest.LogCaptureFixture
) -> None:
    lines = await refused(
        secure_config(tmp_path, secure_broker, TlsConfig(ca_certs=pki.ca)), caplog
    )
    assert any("CERTIFICATE_REQUIRED" in line for line in lines)


def test_certificate_files_are_checked_when_the_configuration_is_loaded(
    tmp_path: Path, pki: Pki
) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate", encoding="utf-8")

    def problems(tls: str, ha: str = "") -> list[str]:
        text = f"mqtt: {{tls: {tls}}}\n{ha}athletes: [{{id: alex, name: Alex, sources: [oura]}}]\n"
        with pytest.raises(ConfigError) as caught:
            parse_config(text, label="r.yaml", base_dir=tmp_path)
        return caught.value.problems

    assert problems(f"{{ca_certs: ca.pem, certfile: {pki.client_cert}}}") == [
        "r.yaml: mqtt.tls: certfile and keyfile go together"
    ]
    (missing,) = problems("{ca_certs: nowhere.pem}")
    assert missing.startswith(
        f"r.yaml: mqtt.tls.ca_certs {tmp_path / 'nowhere.pem'}: not a readable"
    )
    (junk,) = problems("{ca_certs: ca.pem, certfile: junk.pem, keyfile: junk.pem}")
    assert junk.startswith(f"r.yaml: mqtt.tls.certfile {tmp_path / 'junk.pem'}")
    (ha,) = problems("{ca_certs: ca.pem}", "homeassistant: {ca_certs: junk.pem}\n")
    assert ha.startswith(f"r.yaml: homeassistant.ca_certs {tmp_path / 'junk.pem'}: not a readable")
    # Relative paths are the configuration file's folder's.
    good = parse_config(
        "mqtt: {tls: {ca_certs: ca.pem}}\nathletes: [{id: alex, name: Alex, sources: [oura]}]\n",
        label="r.yaml", base_dir=tmp_path,
    )  # fmt: skip
    assert good.mqtt.tls is not None
    assert good.mqtt.tls.ca_certs == tmp_path / "ca.pem"
    assert isinstance(
        ssl.create_default_context(cafile=str(good.mqtt.tls.ca_certs)), ssl.SSLContext
    )

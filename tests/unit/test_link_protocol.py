# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The MQTT link asks in MQTT 5 and falls back to 3.1.1 only when the broker refuses 5."""

from __future__ import annotations

import aiomqtt
import pytest
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
from recoveryd.config.sections import MqttConfig
from recoveryd.integrations.mqtt.client import session_client
from recoveryd.integrations.mqtt.link import MqttLink


def link(protocol: str) -> MqttLink:
    config = MqttConfig.model_validate({"protocol": protocol})
    return MqttLink(config, "recoveryd/status", None, lambda _: None)


def client_of(mqtt: MqttLink) -> aiomqtt.Client:
    """The client the link would connect with now."""
    return session_client(
        mqtt._config, mqtt._protocol, "recoveryd/status", None, first=lambda _: False
    )


def refused(code: int) -> aiomqtt.MqttError:
    if code == 1:  # an MQTT 3.1.1 broker's CONNACK return code, as an int
        return MqttConnectError(code)
    return MqttConnectError(ReasonCode(PacketTypes.CONNACK, identifier=code))


@pytest.mark.parametrize("code", [1, 0x84])
async def test_auto_falls_back_when_the_broker_refuses_mqtt5(code: int) -> None:
    auto = link("auto")
    assert auto._fall_back(refused(code)) is True
    assert auto._protocol == "3.1.1"
    assert client_of(auto)._client.protocol == 4  # MQTTv311


@pytest.mark.parametrize(("protocol", "code"), [("auto", 0x87), ("auto", 0x86), ("5", 0x84)])
async def test_other_refusals_and_a_fixed_protocol_do_not_fall_back(
    protocol: str, code: int
) -> None:
    fixed = link(protocol)
    assert fixed._fall_back(refused(code)) is False
    assert fixed._protocol == protocol


async def test_a_mqtt5_session_persists_and_bounds_the_packet_size() -> None:
    client = client_of(link("auto"))
    assert client._client.protocol == 5
    assert client._clean_start is False
    assert client._properties is not None
    assert getattr(client._properties, "SessionExpiryInterval", None) == 604_800
    assert getattr(client._properties, "MaximumPacketSize", None) == 16_384 + 4096

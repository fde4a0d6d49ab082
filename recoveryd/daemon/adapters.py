# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The adapters the configuration asks for: device transports, Home Assistant, notifications.

Imported only when configured: Bluetooth, Home Assistant's client and the notifier are heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recoveryd.config.model import Config
from recoveryd.daemon.ports import Actuator
from recoveryd.integrations.devices.dry_run import DryRun
from recoveryd.integrations.devices.mqtt_devices import MqttDevices
from recoveryd.integrations.devices.tracker import StateTracker
from recoveryd.integrations.mqtt.link import MqttLink

if TYPE_CHECKING:
    from recoveryd.integrations.homeassistant.actuator import HomeAssistant
    from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier


def actuators(config: Config, link: MqttLink, tracker: StateTracker) -> dict[str, Actuator]:
    """One actuator per transport; everything is a dry run when the configuration says so."""
    dry = DryRun()
    if config.dry_run:
        return dict.fromkeys(
            ("homeassistant", "zigbee2mqtt", "tasmota", "shelly", "ble", "dry_run"), dry
        )
    mqtt_devices = MqttDevices(link, tracker)
    found: dict[str, Actuator] = {
        "dry_run": dry,
        "zigbee2mqtt": mqtt_devices,
        "tasmota": mqtt_devices,
        "shelly": mqtt_devices,
    }
    ble_devices = [d for d in config.devices.values() if d.via == "ble" and d.profile]
    if ble_devices:
        from recoveryd.integrations.ble.gadget import BleGadgets  # noqa: PLC0415 - only with gadgets
        from recoveryd.integrations.ble.profile import load_profile  # noqa: PLC0415

        profiles = {
            d.profile: load_profile(config.resolve(d.profile)) for d in ble_devices if d.profile
        }
        found["ble"] = BleGadgets(profiles)
    ha = home_assistant(config)
    if ha is not None:
        found["homeassistant"] = ha
    return found


def home_assistant(config: Config) -> HomeAssistant | None:
    """The Home Assistant client that reads entities, when Home Assistant is configured."""
    ha = config.homeassistant
    if ha.url is None or ha.token is None:
        return None
    from recoveryd.integrations.homeassistant.actuator import HomeAssistant  # noqa: PLC0415

    return HomeAssistant(
        ha.url, ha.token.get_secret_value(), attempts=ha.attempts, verify=ha.verify
    )


def notifier(config: Config) -> HomeAssistantNotifier | None:
    """The morning notification's sender and button listener, when Home Assistant is configured."""
    ha = config.homeassistant
    if ha.url is None or ha.token is None:
        return None
    from recoveryd.integrations.homeassistant.notify import HomeAssistantNotifier  # noqa: PLC0415

    return HomeAssistantNotifier(ha.url, ha.token.get_secret_value(), verify=ha.verify)

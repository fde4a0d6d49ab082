# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd run``, ``demo`` and ``check-config``: the daemon and its configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recoveryd.cli.common import (
    CONFIG_HELP,
    EXIT_OK,
    EXIT_REJECTED,
    Handlers,
    write_output,
)
from recoveryd.config.basics import ConfigError
from recoveryd.integrations.ble.errors import ProfileError

if TYPE_CHECKING:
    from recoveryd.config.model import Config


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The family's subcommands and their arguments."""
    run = commands.add_parser("run", help="run the daemon")
    run.add_argument("--config", type=Path, help=CONFIG_HELP)
    run.add_argument("--dry-run", action="store_true", help="plan and log actions, touch no device")
    commands.add_parser("demo", help="run the daemon on the bundled sample data, then exit")
    check = commands.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", type=Path, nargs="?", help=CONFIG_HELP)
    board = commands.add_parser(
        "dashboard", help="a Home Assistant dashboard (Lovelace YAML) for the athletes"
    )
    board.add_argument("--out", type=Path, help="write it to this file instead of stdout")
    board.add_argument("--config", type=Path, help=CONFIG_HELP)
    addon = commands.add_parser(
        "addon", help="run as a Home Assistant add-on (options and broker from the Supervisor)"
    )
    addon.add_argument("--data", type=Path, default=Path("/data"), help="the add-on's data folder")
    addon.add_argument(
        "--config-dir", type=Path, default=Path("/config"),
        help="the add-on's configuration folder (an optional full recoveryd.yaml)",
    )  # fmt: skip
    addon.add_argument(
        "--check", action="store_true", help="make and check the configuration, then exit"
    )
    addon.add_argument(
        "--panel", type=_host_port, metavar="HOST:PORT",
        help="where the web panel listens for Home Assistant's ingress (default 0.0.0.0:8099)",
    )  # fmt: skip


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:  # noqa: PLR2004
        message = f"expected HOST:PORT, got {text!r}"
        raise argparse.ArgumentTypeError(message)
    return host, int(port)


def _addon(args: argparse.Namespace) -> int:
    from recoveryd.cli.addon import addon_main  # noqa: PLC0415 - only the add-on runs it

    return addon_main(args.data, args.config_dir, dry_run=args.check, panel=args.panel)


def _demo() -> int:
    from recoveryd.cli.demo import run_demo  # noqa: PLC0415 - the demo pulls in the broker

    return run_demo()


def _check_config(path: Path | None) -> int:
    from recoveryd.config.loader import load_config  # noqa: PLC0415

    config = load_config(path, check=True)
    problems = []
    for name, device in config.devices.items():
        if device.via == "ble" and device.profile:
            from recoveryd.integrations.ble.profile import load_profile  # noqa: PLC0415 - BLE only

            try:
                load_profile(config.resolve(device.profile))
            except ProfileError as exc:
                problems.append(f"devices.{name}.profile: {exc}")
    if problems:
        raise ConfigError(problems)
    # Placeholders are filled in where the daemon runs, not where the file is checked.
    for unset in config.unset_placeholders:
        sys.stdout.write(f"note: {unset} is not set here; `recoveryd run` needs it\n")
    sys.stdout.write("ok\n")
    return EXIT_OK


def _dashboard(path: Path | None, out: Path | None) -> int:
    import yaml  # noqa: PLC0415

    from recoveryd.config.loader import load_config  # noqa: PLC0415
    from recoveryd.present.dashboard import dashboard  # noqa: PLC0415

    # Entity ids need no secrets: the file is read as check-config reads it.
    config = load_config(path, check=True)
    text = (
        "# recoveryd's dashboard: Home Assistant, YAML mode (README, Dashboard)\n"
        + yaml.safe_dump(dashboard(config), sort_keys=False, allow_unicode=True)
    )
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    return EXIT_OK if write_output(out, text.encode()) else EXIT_REJECTED


def run_config(config: Config, *, dry_run: bool) -> int:
    """``recoveryd run`` on ``config`` (the add-on's command runs it too)."""
    return _run(config, dry_run=dry_run)


def _run(config: Config, *, dry_run: bool) -> int:
    from recoveryd.daemon.lock import DaemonRunningError, daemon_lock  # noqa: PLC0415
    from recoveryd.daemon.service import StopSignals, run_daemon  # noqa: PLC0415 - light others

    early = StopSignals()  # a stop while starting is kept, not fatal
    if dry_run:
        config = config.model_copy(update={"dry_run": True})
    try:
        with daemon_lock(config.storage.path):
            run_daemon(config, early)
    except DaemonRunningError as exc:
        sys.stderr.write(f"recoveryd run: {exc}\n")
        return EXIT_REJECTED
    return EXIT_OK


def handlers() -> Handlers:
    """The commands of this family: those that need the configuration, and those that do not."""
    return Handlers(
        with_config={
            "run": lambda config, args: _run(config, dry_run=args.dry_run),
        },
        without_config={
            "check-config": lambda args: _check_config(args.file),
            "dashboard": lambda args: _dashboard(args.config, args.out),
            "addon": _addon,
            "demo": lambda _: _demo(),
        },
    )

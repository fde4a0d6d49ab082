# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The ``recoveryd`` command line: the parser, and the dispatch to each command family.

Exit codes: 0 success; 1 the command ran but something was rejected or failed; 2 the
configuration or the command line is wrong.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from recoveryd import __version__
from recoveryd.cli import answers

if TYPE_CHECKING:
    import argparse
    from types import ModuleType

    from recoveryd.cli.common import Handlers

# What a command does not use is not imported: an answer given again (recoveryd.cli.answers)
# needs none of the modules below, and each command only those of its own family.


def _families() -> tuple[ModuleType, ...]:
    """The command families, in the order ``recoveryd --help`` lists them."""
    from recoveryd.cli import data, decisions, importing, journal, running  # noqa: PLC0415

    return (running, importing, data, decisions, journal)


def _parser() -> argparse.ArgumentParser:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="recoveryd",
        description="Decide the day's recovery from last night's data and let the home act on it.",
    )
    parser.add_argument("--version", action="version", version=f"recoveryd {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for family in _families():
        family.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``recoveryd`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    given = answers.given_before(arguments)
    if given is not None:
        return given
    args = _parser().parse_args(arguments)
    return answers.answer(arguments, lambda: _answer(args))


def _answer(args: argparse.Namespace) -> int:
    from recoveryd.cli.common import EXIT_CONFIG, EXIT_OK, EXIT_REJECTED  # noqa: PLC0415
    from recoveryd.config.basics import ConfigError  # noqa: PLC0415
    from recoveryd.integrations.ble.errors import ProfileError  # noqa: PLC0415
    from recoveryd.store.connection import StoreError  # noqa: PLC0415

    # pydantic looks for plugins through importlib.metadata (about 15 ms of every command);
    # recoveryd uses none. Whoever wants one sets the variable (to "" for every plugin).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _configure_logging(verbose=args.verbose, interactive=args.command == "demo")
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as command-line tools do.
        sys.stderr.close()
        return EXIT_OK
    except ConfigError as exc:
        for line in exc.problems:
            sys.stderr.write(f"{line}\n")
        return EXIT_CONFIG
    except StoreError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REJECTED
    except ProfileError as exc:  # a BLE profile that cannot be loaded when the daemon starts
        sys.stderr.write(f"{exc}\n")
        return EXIT_CONFIG
    except KeyError as exc:
        sys.stderr.write(f"{exc.args[0]}\n")
        return EXIT_CONFIG


def _dispatch(args: argparse.Namespace) -> int:
    handlers: list[Handlers] = [family.handlers() for family in _families()]
    for family in handlers:
        if args.command in family.without_config:
            return family.without_config[args.command](args)
    # Imported here: the configuration's models (pydantic) only for the commands that read it.
    from recoveryd.config.loader import load_config  # noqa: PLC0415

    config = load_config(args.config)
    for family in handlers:
        if args.command in family.with_config:
            return family.with_config[args.command](config, args)
    raise AssertionError(args.command)  # argparse accepts only the commands added above


LIBRARY_LOGGERS = (
    "apscheduler", "homeassistant_api", "aiomqtt", "paho", "amqtt", "bleak",
    "bleak_retry_connector", "niquests", "urllib3", "apprise", "matplotlib", "httpx", "httpcore",
)  # fmt: skip


def _configure_logging(*, verbose: bool, interactive: bool) -> None:
    import logging  # noqa: PLC0415

    level = logging.DEBUG if verbose else logging.INFO
    if interactive:
        from rich.console import Console  # noqa: PLC0415
        from rich.logging import RichHandler  # noqa: PLC0415

        handler: logging.Handler = RichHandler(
            console=Console(stderr=True), show_time=False, show_path=False, markup=False
        )
        logging.basicConfig(level=level, format="%(name)s: %(message)s", handlers=[handler])
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Libraries speak at INFO of their own workings (the scheduler of every job it adds,
    # homeassistant-api of every WebSocket message, user ids included): their warnings and
    # errors still show; the rest with -v.
    for library in LIBRARY_LOGGERS:
        logging.getLogger(library).setLevel(logging.DEBUG if verbose else logging.WARNING)


if __name__ == "__main__":
    raise SystemExit(main())

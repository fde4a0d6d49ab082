# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""``recoveryd addon``: the daemon as a Home Assistant add-on starts it.

Reads the options the Supervisor wrote (``/data/options.json``), asks the Supervisor for the
MQTT broker and for Home Assistant's time zone (``$SUPERVISOR_URL``, ``http://supervisor`` in
an add-on; ``Authorization: Bearer $SUPERVISOR_TOKEN``), makes the configuration
(:mod:`recoveryd.config.addon`) and runs the daemon on it, its store in the data folder. The
MQTT password and the token stay in this process's environment, never on disk. Every problem
is one line and exit 2, as a wrong configuration is for ``recoveryd run``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from recoveryd.cli.common import EXIT_CONFIG
from recoveryd.config.addon import INGRESS_PORT, TOKEN_ENV, AddonError, Broker, addon_config

SUPERVISOR = "http://supervisor"
_TIMEOUT_S = 10.0


def _get(url: str, token: str) -> Any:  # noqa: ANN401 - JSON of the Supervisor
    """One GET of the Supervisor's API, as JSON."""
    import httpx  # noqa: PLC0415 - only the add-on asks the Supervisor

    try:
        answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise AddonError(f"Supervisor: {url}: {exc or type(exc).__name__}") from None
    if answer.status_code != 200:  # noqa: PLR2004 - HTTP OK
        raise AddonError(
            f"Supervisor: {url} answered {answer.status_code}"
            + (" (is the MQTT broker add-on or integration set up?)" if "mqtt" in url else "")
        )
    try:
        return answer.json()
    except ValueError:
        raise AddonError(f"Supervisor: {url} did not answer JSON") from None


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AddonError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise AddonError(f"{what}: {path} is not JSON: {exc}") from None
    if not isinstance(found, dict):
        raise AddonError(f"{what}: {path} is not a JSON object")
    return found


def _own_file(path: Path) -> dict[str, Any]:
    """The user's own recoveryd.yaml in the add-on's configuration folder, or nothing."""
    import yaml  # noqa: PLC0415

    if not path.is_file():
        return {}
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AddonError(f"{path}: {' '.join(str(exc).split())}") from None
    if not isinstance(found, dict):
        raise AddonError(f"{path}: not a mapping of sections")
    return found


def addon_main(
    data: Path,
    config_dir: Path,
    *,
    dry_run: bool = False,
    panel: tuple[str, int] = ("0.0.0.0", INGRESS_PORT),  # noqa: S104 - the ingress proxy's
) -> int:
    """Make the add-on's configuration and run the daemon on it (``dry_run``: check only)."""
    from recoveryd.config.basics import ConfigError  # noqa: PLC0415
    from recoveryd.config.loader import parse_config  # noqa: PLC0415

    supervisor = os.environ.get("SUPERVISOR_URL", SUPERVISOR)
    # The panel for the ingress proxy, on the add-on's own network (config.yaml's port).
    listen = ("0.0.0.0", INGRESS_PORT) if panel is None else panel  # noqa: S104
    token = os.environ.get(TOKEN_ENV)
    if not token:
        sys.stderr.write(f"{TOKEN_ENV} is not set: is this running as a Home Assistant add-on?\n")
        return EXIT_CONFIG
    try:
        options = _read_json(data / "options.json", "add-on options")
        base = _own_file(config_dir / "recoveryd.yaml")
        broker = Broker.of(_get(f"{supervisor}/services/mqtt", token))
        core = _get(f"{supervisor}/core/api/config", token)
        zone = core.get("time_zone") if isinstance(core, dict) else None
        made = addon_config(options, base, broker=broker, supervisor=supervisor,
                            time_zone=zone, data_dir=str(data), panel=listen)  # fmt: skip
    except AddonError as exc:
        sys.stderr.write(f"{' '.join(str(exc).split())}\n")
        return EXIT_CONFIG
    os.environ.update(made.secrets)  # this process's own environment, never a file
    try:
        config = parse_config(made.text, label="add-on configuration", base_dir=config_dir)
    except ConfigError as exc:
        for line in exc.problems:
            sys.stderr.write(f"{line}\n")
        return EXIT_CONFIG
    if dry_run:
        sys.stdout.write(
            f"ok: {len(config.athletes)} athlete(s), broker {broker.host}:{broker.port}\n"
        )
        return 0
    from recoveryd.cli.running import run_config  # noqa: PLC0415

    return run_config(config, dry_run=False)

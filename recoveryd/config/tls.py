# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""TLS client contexts from the configuration's certificate files.

Certificates are always verified and host names always checked: a household that runs its
own CA names it (``ca_certs``) rather than turning verification off.
"""

from __future__ import annotations

import ssl
from pathlib import Path


class TlsFilesError(ValueError):
    """A certificate or key file could not be used; one line says which and why."""


def client_context(
    ca_certs: Path | None, certfile: Path | None = None, keyfile: Path | None = None
) -> ssl.SSLContext:
    """A verifying client context: the system's CAs or ``ca_certs``, and a client certificate.

    Raises:
        TlsFilesError: a file is missing, unreadable or not PEM of the right kind.
    """
    try:
        context = ssl.create_default_context(cafile=str(ca_certs) if ca_certs else None)
    except (OSError, ssl.SSLError) as exc:
        raise TlsFilesError(
            f"ca_certs {ca_certs}: not a readable PEM CA certificate ({_why(exc)})"
        ) from None
    if certfile is not None:
        try:
            context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
        except (OSError, ssl.SSLError) as exc:
            raise TlsFilesError(
                f"certfile {certfile} / keyfile {keyfile}: not a readable PEM certificate and "
                f"unencrypted key that belong together ({_why(exc)})"
            ) from None
    return context


def _why(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return exc.strerror or str(exc)

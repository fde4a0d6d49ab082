# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""The one-line root of a failed Home Assistant call, whatever shape its chain has."""

from __future__ import annotations

from recoveryd.integrations.homeassistant.session import why


def test_the_innermost_cause_is_the_line() -> None:
    refused = OSError(111, "Connect call failed ('127.0.0.1', 8123)")
    wrapped = ConnectionError("pool: max retries\n exceeded")
    wrapped.__cause__ = refused
    outer = RuntimeError("request failed")
    outer.__context__ = wrapped
    assert why(outer) == "[Errno 111] Connect call failed ('127.0.0.1', 8123)"


def test_a_chain_that_loops_back_ends() -> None:
    first, second = ValueError("socket closed"), RuntimeError("read failed")
    first.__context__ = second
    second.__context__ = first  # a library re-raising what it caught inside its own error
    assert why(first) == "read failed"
    assert why(second) == "socket closed"


def test_an_empty_message_names_the_type() -> None:
    assert why(TimeoutError()) == "TimeoutError"

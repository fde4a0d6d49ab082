# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Each athlete's history as column blocks: its arrays as bytes, read back in one row.

SQLite hands rows as one Python tuple each: a year of nights costs about a millisecond to
read that way, a club's decade minutes. A block holds one athlete's whole history of one kind
(nights, check-ins or sessions) as the engine reads it, packed once and unpacked with
``np.frombuffer`` in microseconds. The rows stay the truth: triggers delete an athlete's
block of a kind in the same transaction as any change of its rows (whoever makes it), and a
block whose layout is not this version's is read as missing, so that it is built again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt

# Bumped whenever what a block holds changes meaning (not only its columns, which are
# compared by name).
LAYOUT: Final = 1


def pack(arrays: Mapping[str, npt.NDArray[Any]]) -> tuple[str, bytes]:
    """The header (JSON) and the bytes of ``arrays``; text arrays travel as codes."""
    described: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for name, array in arrays.items():
        entry: dict[str, Any] = {"name": name, "shape": list(array.shape)}
        if array.dtype.kind == "U":
            vocabulary, codes = np.unique(array, return_inverse=True)
            entry["vocabulary"] = vocabulary.tolist()
            array = codes.astype("<i4")  # noqa: PLW2901 - the codes stand for the text
        entry["dtype"] = array.dtype.str
        described.append(entry)
        if array.dtype.kind == "f" and array.size and np.isnan(array).all():
            entry["missing"] = True  # a metric never measured takes no bytes
            continue
        chunks.append(np.ascontiguousarray(array).tobytes())
    return json.dumps({"layout": LAYOUT, "arrays": described}), b"".join(chunks)


def unpack(header: str, data: bytes, names: tuple[str, ...]) -> dict[str, npt.NDArray[Any]] | None:
    """The arrays of a block, or ``None`` when it does not hold exactly ``names``.

    The arrays are read-only views of ``data`` (text arrays are decoded copies).
    """
    try:
        described = json.loads(header)
        if described.get("layout") != LAYOUT:
            return None
        entries = described["arrays"]
        if tuple(e["name"] for e in entries) != names:
            return None
        out: dict[str, npt.NDArray[Any]] = {}
        offset = 0
        for entry in entries:
            dtype = np.dtype(entry["dtype"])
            shape = tuple(entry["shape"])
            if entry.get("missing"):
                out[entry["name"]] = np.full(shape, np.nan, dtype=dtype)
                continue
            count = int(np.prod(shape, dtype=np.int64))
            array = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape)
            offset += count * dtype.itemsize
            if "vocabulary" in entry:
                array = np.asarray(entry["vocabulary"], dtype=np.str_)[array]
            out[entry["name"]] = array
    except (ValueError, KeyError, TypeError):
        return None  # a damaged block is built again from the rows
    return out if offset == len(data) else None

# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright 2026 the recoveryd authors
"""Reading the files a configuration names, within bounds: the file, secrets, plans, includes.

A configuration is written by a person, but it may name any path, and YAML can describe
structures far larger than its text (an "alias bomb": each anchor referring to the one before
ten times, 342 bytes for a billion nodes). Everything here refuses, in one line, what a
configuration never needs: a file that is not a regular file (a FIFO would block for ever,
``/dev/zero`` never ends), one larger than :data:`MAX_FILE_BYTES`, text that is not UTF-8,
a key given twice, nesting deeper than :data:`MAX_DEPTH`, and more than :data:`MAX_NODES`
values once aliases are expanded.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from recoveryd.config.reads import note_file

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1 << 20  # a household with 100 athletes and their plans is about 100 KB
MAX_DEPTH = 32  # the deepest real configuration (athletes → plan → week → day) is 7
MAX_NODES = 100_000  # values after alias expansion; the same 100-athlete file has 20,000


class FileProblem(Exception):  # noqa: N818 - a problem to report, not a program error
    """A file could not be used; the message is one line without the file's content."""


def read_text(path: Path, *, secret: bool = False) -> str:
    """The UTF-8 text of the regular file ``path``, at most :data:`MAX_FILE_BYTES` long.

    The file is opened without blocking and checked before anything is read, so a FIFO or a
    device is refused rather than waited on. A ``secret`` that others may read is allowed,
    with one warning: the daemon cannot know whether the folder around it protects it.

    Raises:
        FileProblem: naming what was wrong.
    """
    note_file(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise FileProblem(f"{path}: cannot read the file: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileProblem(f"{path}: not a regular file ({_file_kind(info.st_mode)})")
    with os.fdopen(fd, "rb") as file:
        if info.st_size > MAX_FILE_BYTES:
            raise FileProblem(
                f"{path}: {info.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} allowed"
            )
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise FileProblem(f"{path}: more than the {MAX_FILE_BYTES:,} bytes allowed")
    if secret and info.st_mode & stat.S_IROTH:
        _warn_readable(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(f"{path}: line {line}: not UTF-8 text (byte {exc.start})") from None


_warned: set[Path] = set()


def _warn_readable(path: Path) -> None:
    resolved = path.resolve()
    if resolved not in _warned:
        _warned.add(resolved)
        log.warning("secret file %s can be read by every user of this machine (chmod o-r)", path)


def _file_kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


class YamlProblem(Exception):  # noqa: N818 - a problem to report, not a program error
    """YAML that could not be used; the message is one line, with its line number if known."""


def load_yaml(text: str) -> Any:  # noqa: ANN401 - YAML holds any value
    """Parse ``text`` as YAML within the bounds above.

    Raises:
        YamlProblem: invalid YAML, a duplicate key, too deep, or too large once expanded.
    """
    if _FastLoader is not None:
        try:
            fast: Any = _FastLoader(text)  # type: ignore[call-arg]
            try:
                return fast.get_single_data()
            finally:
                fast.dispose()
        except yaml.YAMLError:
            pass  # refused: the loader below says why, in the words of PyYAML's own parser
    try:
        loader = _BoundedLoader(text)  # the reader checks the characters here
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise YamlProblem(f"{where}not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


class _Bounds(yaml.constructor.SafeConstructor):
    """What both loaders check of a composed document: expansion, depth and duplicate keys."""

    def construct_document(self, node: Node) -> Any:  # noqa: ANN401 - YAML holds any value
        try:
            nodes, depth = _expanded(node, {})
        except RecursionError:  # a tree libyaml composed deeper than Python recurses
            nodes, depth = 0, MAX_DEPTH + 1
        if depth > MAX_DEPTH:  # aliases nest what the composer saw shallow
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_DEPTH} levels deep once its aliases are followed",
                problem_mark=node.start_mark,
            )
        if nodes > MAX_NODES:
            raise yaml.MarkedYAMLError(
                problem=f"expands to {nodes:,} values once its aliases are followed, "
                f"more than the {MAX_NODES:,} allowed",
                problem_mark=node.start_mark,
            )
        return super().construct_document(node)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.MarkedYAMLError(
                        problem=f"key {key!r} appears twice "
                        f"(first on line {seen[key].start_mark.line + 1})",
                        problem_mark=key_node.start_mark,
                    )
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _BoundedLoader(_Bounds, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader; depth is refused while composing, before building."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # The composer is recursive: refuse depth before Python's own stack runs out.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nested more than {MAX_DEPTH} levels deep",
                    problem_mark=self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FastLoader: type[_Bounds] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CBoundedLoader(_Bounds, yaml.CSafeLoader):
        """libyaml's parser (ten times faster; it refuses nesting past 1,000 levels itself)."""

    _FastLoader = _CBoundedLoader


def _expanded(node: Node, memo: dict[int, tuple[int, int] | None]) -> tuple[int, int]:
    """How many values ``node`` holds, and how deep it nests, with every alias copied out.

    Memoised by node (an alias bomb is cheap to measure) and capped just past the bounds.
    """
    if id(node) in memo:
        known = memo[id(node)]
        if known is None:  # still being measured: an anchor that contains its own alias
            raise yaml.MarkedYAMLError(
                problem="an anchor refers to itself", problem_mark=node.start_mark
            )
        return known
    memo[id(node)] = None
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = list(node.value)
    elif isinstance(node, MappingNode):
        children = [n for pair in node.value for n in pair]
    measured = [_expanded(child, memo) for child in children]
    size = 1 + sum(size for size, _ in measured)
    depth = 1 + max((depth for _, depth in measured), default=0)
    capped = (min(size, MAX_NODES + 1), min(depth, MAX_DEPTH + 1))
    memo[id(node)] = capped
    return capped

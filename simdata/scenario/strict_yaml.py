"""A strict, bounded YAML reader that remembers where every value came from.

PyYAML's safe loader is the parser, but construction is ours, so that:

* duplicate keys, merge keys (``<<``) and any tag beyond plain YAML data (``!!python/…``,
  ``!!binary``, custom ``!tags``) are errors naming the line;
* anchors and aliases are expanded with a node budget, so an alias bomb ("billion laughs")
  is refused after a bounded amount of work and memory, and recursive aliases are refused;
* files over :data:`MAX_FILE_BYTES` are refused before they are parsed;
* every value's line is kept in an :class:`Origin`, together with the original text of
  plain scalars that YAML 1.1 turned into something else (``10:00`` → 600, ``no`` →
  False), so a later error can say "quote it".
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simdata.errors import ScenarioError

#: Scenario files larger than this are refused unread (real scenarios are a few KiB).
MAX_FILE_BYTES = 1 << 20
#: Most values one document may expand to, aliases included.
MAX_NODES = 100_000
#: Deepest nesting accepted (PyYAML's composer is recursive).
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where one value came from: a file and line, or a ``--set`` override.

    ``raw`` is the unquoted text of a plain scalar that YAML read as a non-string
    (``10:00`` read as 600): the hint for "quote it".
    """

    file: str
    line: int | None
    raw: str | None = None
    override: bool = False


@dataclass(slots=True)
class SourceMap:
    """Field path → :class:`Origin`, for error messages that point at the right line."""

    origins: dict[Path_, Origin] = field(default_factory=dict)

    def locate(self, path: Path_) -> Origin | None:
        """The origin of ``path`` or, failing that, of its deepest known parent."""
        for end in range(len(path), -1, -1):
            origin = self.origins.get(path[:end])
            if origin is not None:
                return origin
        return None

    def replace_subtree(self, path: Path_, other: SourceMap) -> None:
        """Drop the origins at and below ``path``, then take ``other``'s there."""
        n = len(path)
        for key in [k for k in self.origins if k[:n] == path]:
            del self.origins[key]
        self.origins.update(other.origins)


class _Builder:
    """Turns composed YAML nodes into plain Python data under a node budget."""

    def __init__(self, file: str, prefix: Path_ = (), override: bool = False) -> None:
        self.file = file
        self.prefix = prefix
        self.override = override
        self.source = SourceMap()
        self.count = 0
        self._active: set[int] = set()
        self._scalars = yaml.constructor.SafeConstructor()

    def _error(
        self, node: Node, path: Path_, message: str, line: int | None = None
    ) -> ScenarioError:
        message = message.replace("tag:yaml.org,2002:", "!!")
        return ScenarioError(
            message,
            file=self.file,
            line=None if self.override else line or node.start_mark.line + 1,
            path=".".join(str(p) for p in path),
            override=self.override,
        )

    def _origin(self, node: Node, raw: str | None = None) -> Origin:
        line = None if self.override else node.start_mark.line + 1
        return Origin(self.file, line, raw, self.override)

    def build(self, node: Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            # The aliased node sits at its anchor's line: name the field that expands it.
            top = path[: len(self.prefix) + 1]
            origin = self.source.origins.get(top)
            raise self._error(
                node,
                top,
                f"expected at most {MAX_NODES} values after expanding aliases, got more "
                "(an alias bomb?)",
                line=origin.line if origin else None,
            )
        if len(path) > MAX_DEPTH:
            raise self._error(node, path, f"expected nesting at most {MAX_DEPTH} deep")
        if id(node) in self._active:
            raise self._error(node, path, "expected data without recursive aliases")
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            return self._scalar(typing.cast(ScalarNode, node), path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            raise self._error(node, path, f"expected plain YAML data, got tag {node.tag}")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self._error(
                    key_node, path, "expected no merge keys (<<); use extends: for variants"
                )
            key = self.build(key_node, path) if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                raise self._error(key_node, path, f"expected a text key (quote it), got {shown!r}")
            child = (*path, key)
            if key in result:
                first = self.source.origins.get(child)
                where = f" (first at line {first.line})" if first and first.line else ""
                raise self._error(
                    key_node, child, f"expected each key once, got a duplicate{where}"
                )
            raw = self._raw(value_node) if isinstance(value_node, ScalarNode) else None
            self.source.origins[child] = self._origin(key_node, raw)
            result[key] = self.build(value_node, child)
        return result

    def _sequence(self, node: SequenceNode, path: Path_) -> list[Any]:
        if node.tag != _SEQ_TAG:
            raise self._error(node, path, f"expected plain YAML data, got tag {node.tag}")
        items = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            raw = self._raw(item_node) if isinstance(item_node, ScalarNode) else None
            self.source.origins[child] = self._origin(item_node, raw)
            items.append(self.build(item_node, child))
        return items

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        if node.tag not in _PLAIN_TAGS:
            raise self._error(node, path, f"expected plain YAML data, got tag {node.tag}")
        if node.style is None and node.tag in _NUMBER_TAGS and ":" in node.value:
            # YAML 1.1 base-60 numbers: `1:30` is 90, `10:00` is 600 — never what a planner
            # means, in a number field or a text one.
            value = self._scalars.construct_object(node, deep=True)
            raise self._error(
                node,
                path,
                f"expected a number or quoted text, got {node.value} (YAML 1.1 reads it as "
                f'the base-60 number {value}; quote it: "{node.value}")',
            )
        try:
            value = self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            what = "a valid date" if node.tag.endswith("timestamp") else "a valid scalar"
            raise self._error(node, path, f"expected {what}, got {node.value!r}") from error
        return value

    @staticmethod
    def _raw(node: ScalarNode) -> str | None:
        """The source text of a plain scalar that YAML read as something other than text."""
        if node.style is None and node.tag != "tag:yaml.org,2002:str":
            return str(node.value)
        return None


def _separator_line(text: str, first: Node | None, second: Node) -> int:
    """Line of the ``---`` that starts the second document (else where its content starts).

    An empty second document (a trailing ``---``) starts after the marker, possibly past
    the last line, so the marker's line is the one to show.
    """
    start = second.start_mark.line
    lines = text.splitlines()
    stop = first.end_mark.line if first is not None else 0
    for index in range(min(start, len(lines) - 1), stop - 1, -1):
        if lines[index].startswith("---"):
            return index + 1
    return start + 1


def parse_yaml_text(
    text: str, file: str, *, prefix: Path_ = (), override: bool = False
) -> tuple[Any, SourceMap]:
    """Parse one YAML document strictly; ``prefix`` roots the source map (for ``--set``)."""
    builder = _Builder(file, prefix, override)
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = None if override or mark is None else mark.line + 1
        problem = error.problem or error.context or "a syntax error"
        raise ScenarioError(
            f"expected valid YAML, got {problem}",
            file=file,
            line=line,
            path=".".join(str(p) for p in prefix),
            override=override,
        ) from None
    except yaml.YAMLError as error:
        raise ScenarioError(
            f"expected valid YAML, got {type(error).__name__}",
            file=file,
            path=".".join(str(p) for p in prefix),
            override=override,
        ) from None
    except RecursionError:
        raise ScenarioError(
            f"expected nesting at most {MAX_DEPTH} deep, got deeper",
            file=file,
            path=".".join(str(p) for p in prefix),
            override=override,
        ) from None
    if len(documents) > 1:
        raise ScenarioError(
            f"expected one YAML document, got {len(documents)} (separated by ---)",
            file=file,
            line=None if override else _separator_line(text, documents[0], documents[1]),
            override=override,
        )
    if not documents or documents[0] is None:
        return None, builder.source
    root = documents[0]
    value = builder.build(root, prefix)
    if isinstance(root, ScalarNode):
        builder.source.origins[prefix] = builder._origin(root, _Builder._raw(root))
    elif prefix not in builder.source.origins:
        builder.source.origins[prefix] = builder._origin(root)
    return value, builder.source


def read_yaml_file(path: Path, shown: str) -> tuple[Any, SourceMap]:
    """Read and parse a scenario file with the size, encoding and strictness checks."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(
            "expected an existing scenario file, got no such file", file=shown
        ) from None
    except IsADirectoryError:
        raise ScenarioError("expected a scenario file, got a directory", file=shown) from None
    except OSError as error:
        raise ScenarioError(f"expected a readable file, got {error.strerror}", file=shown) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"expected a scenario file of at most {MAX_FILE_BYTES // 1024} KiB, got a larger one",
            file=shown,
        )
    if b"\x00" in data:
        raise ScenarioError("expected a UTF-8 text file, got binary data", file=shown, line=1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioError(
            "expected UTF-8 text, got undecodable bytes", file=shown, line=line
        ) from None
    return parse_yaml_text(text, shown)

"""A strict, bounded YAML reader that remembers where every value came from.

PyYAML's safe loader is the parser, but construction is ours, so that:

* duplicate keys, merge keys (``<<``) and any tag beyond plain YAML data (``!!python/…``,
  ``!!binary``, custom ``!tags``) are errors naming the line;
* anchors and aliases are expanded with a node budget, so an alias bomb ("billion laughs")
  is refused after a bounded amount of work and memory, and recursive aliases are refused;
* only regular files are read (a FIFO, ``/dev/zero`` or a directory is refused before it
  is read, and the file is opened without blocking), and files over
  :data:`MAX_FILE_BYTES` are refused before they are read;
* plain numbers that YAML versions read differently are refused with "quote it": YAML
  1.1's base-60 (``1:30`` → 90), octal (``010`` → 8), hexadecimal, binary and
  underscored integers, and YAML 1.2's ``0o17``; exponents without a dot (``1e3``),
  text to YAML 1.1 but numbers to YAML 1.2 and JSON, are read as the numbers they look
  like;
* every value's line is kept in an :class:`Origin`, together with the original text of
  plain scalars that YAML 1.1 turned into something else (``10:00`` → 600, ``no`` →
  False), so a later error can say "quote it";
* no error shows more than :data:`MAX_EXCERPT` characters of any value, key or file
  (:func:`bounded`): a file that is not a scenario is named, never echoed.
"""

from __future__ import annotations

import os
import re
import stat
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simdata.errors import ScenarioError

#: Scenario files larger than this are refused unread (real scenarios are a few KiB).
MAX_FILE_BYTES = 1 << 20
#: Longest excerpt of a value, key or file that an error message shows.
MAX_EXCERPT = 80
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

#: Integers every YAML version and JSON read alike: decimal, no leading zero.
_DECIMAL_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
#: Plain text YAML 1.2 reads as an integer, YAML 1.1 as text: ``08``, ``0o17``.
_YAML12_ONLY_INT = re.compile(r"^[-+]?(?:[0-9]+|0o[0-7]+)$")
#: Plain text YAML 1.2 and JSON read as a float but YAML 1.1 as text: ``1e3``, ``2.5E-3``.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")


def excerpt(text: str, limit: int = MAX_EXCERPT) -> str:
    """``text`` if short, else its first ``limit - 1`` characters and "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def brief(value: Any) -> str:
    """``repr(value)`` cut to :data:`MAX_EXCERPT` characters, for "got …" in messages."""
    return excerpt(repr(value))


#: A quoted (repr) or bracketed segment, or a run of non-blank characters, in a message.
_SEGMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\[[^\[\]]*\]|\S+")


def bounded(error: ScenarioError) -> ScenarioError:
    """``error`` with every quoted or bracketed excerpt, long word and key cut short.

    The safety net behind :func:`brief`: whatever a message echoes from the file (a value,
    a key, a whole document read as one string) is at most :data:`MAX_EXCERPT` characters.
    """

    def cut(match: re.Match[str]) -> str:
        return excerpt(match[0])

    detail = _SEGMENT.sub(cut, error.detail)
    path = ".".join(excerpt(part) for part in error.path.split(".")) if error.path else ""
    if detail == error.detail and path == error.path:
        return error
    return ScenarioError(
        detail, file=error.file, line=error.line, path=path, override=error.override
    )


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
                raise self._error(
                    key_node, path, f"expected a text key (quote it), got {brief(shown)}"
                )
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
                f"expected a number or quoted text, got {excerpt(node.value)} (YAML 1.1 reads "
                f'it as the base-60 number {brief(value)}; quote it: "{excerpt(node.value)}")',
            )
        if node.style is None:
            surprise = _number_surprise(node)
            if surprise is not None:
                text = excerpt(node.value)
                raise self._error(
                    node,
                    path,
                    f"expected a number or quoted text, got {text} ({surprise}, or quote it: "
                    f'"{text}")',
                )
            if node.tag == "tag:yaml.org,2002:str" and _EXPONENT_FLOAT.match(node.value):
                return float(node.value)  # `1e3`: a number in YAML 1.2 and JSON
        try:
            value = self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            what = "a valid date" if node.tag.endswith("timestamp") else "a valid scalar"
            raise self._error(node, path, f"expected {what}, got {brief(node.value)}") from error
        return value

    @staticmethod
    def _raw(node: ScalarNode) -> str | None:
        """The source text of a plain scalar that YAML read as something other than text."""
        if node.style is None and (
            node.tag != "tag:yaml.org,2002:str" or _EXPONENT_FLOAT.match(node.value)
        ):
            return str(node.value)
        return None


def _number_surprise(node: ScalarNode) -> str | None:
    """Why a plain number's value depends on the YAML version, and what to write instead.

    YAML 1.1 (PyYAML) reads ``010`` as 8, ``0x10`` as 16, ``0b101`` as 5 and ``1_000`` as
    1000, where YAML 1.2 and JSON read ``010`` as 10 and ``0b101`` or ``1_000`` as text;
    YAML 1.2 reads ``08`` and ``0o17`` as numbers where YAML 1.1 reads text. Editors and
    the JSON Schema follow YAML 1.2, so such a value means different things to different
    readers: it is refused, naming the decimal number a planner most likely meant. None
    when the scalar reads the same everywhere.
    """
    text = node.value
    if node.tag == "tag:yaml.org,2002:int" and not _DECIMAL_INT.match(text):
        try:
            read = brief(yaml.constructor.SafeConstructor().construct_yaml_int(node))
        except ValueError:  # beyond Python's 4300-digit limit
            read = "a number too long to show"
        prefix = text.lstrip("+-")[:2].lower()
        if "_" in text:
            why = f"YAML 1.1 drops the underscores and reads {read}, YAML 1.2 reads text"
        elif prefix == "0x":
            why = f"YAML 1.1 reads it as the hexadecimal number {read}"
        elif prefix == "0b":
            why = f"YAML 1.1 reads it as the binary number {read}, YAML 1.2 as text"
        else:
            why = f"YAML 1.1 reads a leading 0 as octal: {read}"
    elif node.tag == "tag:yaml.org,2002:float" and "_" in text:
        number = float(text.replace("_", ""))
        return (
            f"YAML 1.1 drops the underscores and reads {number!r}, YAML 1.2 reads text; "
            f"write {number!r} for the number"
        )
    elif node.tag == "tag:yaml.org,2002:str" and _YAML12_ONLY_INT.match(text):
        why = f"YAML 1.2 reads it as the number {_meant(text)}, YAML 1.1 as text"
    else:
        return None
    return f"{why}; write {_meant(text)} for the number"


def _meant(text: str) -> str:
    """The integer a planner means by ``010``, ``0x10``, ``0b101``, ``0o17`` or ``1_000``.

    A leading zero is taken as decimal (``010`` → 10), prefixed bases as written.
    """
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace("_", "").lower()
    base = {"0x": 16, "0b": 2, "0o": 8}.get(digits[:2], 10)
    try:
        return brief(sign * int(digits[2:] if base != 10 else digits, base))
    except ValueError:  # beyond Python's 4300-digit limit for decimal conversion
        return "it in decimal"


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
    try:
        return _parse_yaml_text(text, file, prefix=prefix, override=override)
    except ScenarioError as error:
        raise bounded(error) from None


def _parse_yaml_text(
    text: str, file: str, *, prefix: Path_, override: bool
) -> tuple[Any, SourceMap]:
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


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is ("a FIFO (named pipe)"); None if regular."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def _read_regular(path: Path, name: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`, else one-line errors.

    The file is stat'ed before it is opened and opened without blocking: opening a FIFO
    for reading would otherwise wait for a writer for ever, and ``/dev/zero`` never ends.
    ``fstat`` on the open descriptor settles a file swapped in between.
    """
    try:
        kind = file_kind(os.stat(path).st_mode)
        if kind is None:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
            descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise ScenarioError(
            "expected an existing scenario file, got no such file", file=name
        ) from None
    except OSError as error:
        raise ScenarioError(f"expected a readable file, got {error.strerror}", file=name) from None
    if kind is not None:
        raise ScenarioError(f"expected a regular file, got {kind}", file=name)
    try:
        info = os.fstat(descriptor)
        kind = file_kind(info.st_mode)
        if kind is not None:
            raise ScenarioError(f"expected a regular file, got {kind}", file=name)
        limit = MAX_FILE_BYTES // 1024
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"expected a scenario file of at most {limit} KiB, got "
                f"{info.st_size / 2**20:.1f} MiB",
                file=name,
            )
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:  # the file may grow after fstat
            chunk = os.read(descriptor, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise ScenarioError(f"expected a readable file, got {error.strerror}", file=name) from None
    finally:
        os.close(descriptor)
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"expected a scenario file of at most {limit} KiB, got a larger one", file=name
        )
    return b"".join(chunks)


def read_yaml_file(path: Path, shown: str) -> tuple[Any, SourceMap]:
    """Read and parse a scenario file with the kind, size, encoding and strictness checks."""
    try:
        data = _read_regular(path, shown)
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
    except ScenarioError as error:
        raise bounded(error) from None

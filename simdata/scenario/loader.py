"""Load a scenario: strict YAML → ``extends`` chain → ``--set`` overrides → validation.

Every failure becomes one :class:`~simdata.errors.ScenarioError` line that names the file
and line (or the ``--set`` override) the bad value came from, its field path, what was
expected and what was found. Nothing here writes to disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simdata.errors import ScenarioError
from simdata.scenario.holiday_file import inline_holiday_files
from simdata.scenario.models import OPERATORS, Scenario
from simdata.scenario.schema import fields_at
from simdata.scenario.strict_yaml import (
    Origin,
    Path_,
    SourceMap,
    bounded,
    brief,
    excerpt,
    file_kind,
    parse_yaml_text,
    read_yaml_file,
)

#: Longest ``extends`` chain followed.
MAX_EXTENDS_DEPTH = 16


def _dotted(path: Path_) -> str:
    return ".".join(str(part) for part in path)


def _deep_merge(base: Any, child: Any) -> Any:
    """Mappings merge key by key (child wins); anything else, lists included, replaces.

    A mapping naming another family (``dist``/``model``) than the base's replaces it whole:
    the base's parameters belong to the other family and would be unknown fields.
    """
    if isinstance(base, dict) and isinstance(child, dict):
        if any(tag in child and child[tag] != base.get(tag) for tag in _UNION_TAGS):
            return child
        merged = dict(base)
        for key, value in child.items():
            merged[key] = _deep_merge(base[key], value) if key in base else value
        return merged
    return child


def _merge_sources(base: SourceMap, child_data: Any, child: SourceMap, path: Path_ = ()) -> None:
    """Overlay ``child``'s origins on ``base`` the way :func:`_deep_merge` merges values."""
    if isinstance(child_data, dict):
        if path in child.origins:
            base.origins[path] = child.origins[path]
        for key, value in child_data.items():
            _merge_sources(base, value, child, (*path, key))
        return
    sub = SourceMap({k: v for k, v in child.origins.items() if k[: len(path)] == path})
    base.replace_subtree(path, sub)


def _display(path: Path, cwd: Path) -> str:
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def _read_chain(path: Path, shown: str, chain: tuple[Path, ...]) -> tuple[Any, SourceMap]:
    """Read ``path`` and the scenarios it extends, merged, with their origins."""
    data, source = read_yaml_file(path, shown)
    _check_mapping(data, shown)
    if "extends" not in data or data["extends"] is None:
        data.pop("extends", None)
        return data, source
    parent_text = data.pop("extends")
    origin = source.origins.get(("extends",))
    parent = _parent_file(path, shown, parent_text, origin.line if origin else None, chain)
    base, base_source = _read_chain(parent, _display(parent, Path.cwd()), (*chain, path.resolve()))
    merged = _deep_merge(base, data)
    _merge_sources(base_source, data, source)
    return merged, base_source


def _check_mapping(data: Any, shown: str) -> None:
    """Refuse a scenario file that is not a mapping of fields."""
    if data is None:
        raise ScenarioError(
            "expected a mapping of scenario fields (name, run, resolution, …), "
            "got an empty document",
            file=shown,
            line=1,
        )
    if not isinstance(data, dict):
        # A file that is not a scenario (a system file, a large text) is one long scalar:
        # name it by an excerpt, never echo it.
        kind = "a list" if isinstance(data, list) else brief(data)
        raise ScenarioError(
            f"expected a mapping of scenario fields (name, run, resolution, …), got {kind}",
            file=shown,
            line=1,
        )


def _parent_file(
    path: Path, shown: str, parent_text: Any, line: int | None, chain: tuple[Path, ...]
) -> Path:
    """The file ``extends: parent_text`` names: a regular file, no cycle, not too deep."""

    def refused(message: str) -> ScenarioError:
        return ScenarioError(message, file=shown, line=line, path="extends")

    if not isinstance(parent_text, str) or not parent_text.strip():
        raise refused(f"expected a relative path to a scenario file, got {brief(parent_text)}")
    parent = (path.parent / parent_text).resolve()
    if parent in chain or parent == path.resolve():
        cycle = " → ".join(p.name for p in (*chain, path.resolve(), parent))
        raise refused(f"expected no cycle of extends, got {cycle}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise refused(f"expected at most {MAX_EXTENDS_DEPTH} levels of extends, got more")
    try:
        parent_kind = file_kind(parent.stat().st_mode)
    except OSError:  # missing, a dangling link, a path through a file, unreadable
        raise refused(
            f"expected an existing scenario file, got {brief(parent_text)} (no such file "
            f"beside {path.name})"
        ) from None
    if parent_kind is not None:
        raise refused(f"expected a scenario file, got {brief(parent_text)}, {parent_kind}")
    return parent


def _split_override(text: str, file: str) -> tuple[Path_, str]:
    # A target operator key ends in '<=' or '>=' ("targets.0.<=2 s"): that '=' is the key's.
    match = re.match(r"^([^=]*?[<>]=)(.*)$", text) or re.match(r"^([^=]*)(?:=(.*))?$", text)
    key = (match[1] if match else "").strip()
    value = match[2] if match and match[2] is not None else ""
    sep = match is not None and match[2] is not None
    if not sep or not key:
        raise ScenarioError(
            f"expected PATH=VALUE like run.replications=5, got {brief(text)}",
            file=file,
            override=True,
        )
    parts: list[str | int] = []
    for part in key.split("."):
        if not part:
            raise ScenarioError(
                f"expected a dotted field path like resolution.servers, got {key!r}",
                file=file,
                override=True,
            )
        parts.append(int(part) if part.isdecimal() and part.isascii() else part)
    if parts[0] == "extends":
        raise ScenarioError(
            "expected a field to override, got extends (edit the file instead)",
            file=file,
            path=key,
            override=True,
        )
    if not value.strip():
        # YAML reads nothing as null; `--set a.b=` is far likelier a forgotten value.
        raise ScenarioError(
            f"expected a value after '=' (write {key}=null to clear an optional field), "
            "got nothing",
            file=file,
            path=key,
            override=True,
        )
    return tuple(parts), value


def apply_override(data: dict[str, Any], source: SourceMap, text: str, file: str) -> None:
    """Apply one ``--set a.b.0.c=value`` (value parsed as strict YAML) in place."""
    try:
        _apply_override(data, source, text, file)
    except ScenarioError as error:
        raise bounded(error) from None


def _apply_override(data: dict[str, Any], source: SourceMap, text: str, file: str) -> None:
    path, value_text = _split_override(text, file)
    value, value_source = parse_yaml_text(value_text, file, prefix=path, override=True)
    container = _container_of(data, path, file)
    _assign(container, path, value, file)
    parsed = value_source.origins.get(path)  # none for a value that is only a comment
    value_source.origins[path] = Origin(file, None, parsed.raw if parsed else None, True)
    source.replace_subtree(path, value_source)


def _container_of(data: dict[str, Any], path: Path_, file: str) -> Any:
    """The mapping or list holding ``path``'s last part (missing mappings created)."""
    container: Any = data
    for depth, part in enumerate(path[:-1]):
        here = _dotted(path[: depth + 1])
        if isinstance(container, dict):
            if isinstance(part, int):
                raise ScenarioError(
                    f"expected a field name at {here}, got index {part}",
                    file=file,
                    path=_dotted(path),
                    override=True,
                )
            if container.get(part) is None:
                container[part] = {}
            container = container[part]
        elif isinstance(container, list):
            if not isinstance(part, int) or part >= len(container):
                raise ScenarioError(
                    f"expected a list index below {len(container)} at {here}, got {part!r}",
                    file=file,
                    path=_dotted(path),
                    override=True,
                )
            container = container[part]
        else:
            raise ScenarioError(
                f"expected a mapping or list at {_dotted(path[:depth])}, got {container!r}",
                file=file,
                path=_dotted(path),
                override=True,
            )
    return container


def _assign(container: Any, path: Path_, value: Any, file: str) -> None:
    """Set ``path``'s last part in ``container`` to ``value``."""
    last = path[-1]
    if isinstance(container, list):
        if not isinstance(last, int) or last >= len(container):
            raise ScenarioError(
                f"expected a list index below {len(container)}, got {last!r}",
                file=file,
                path=_dotted(path),
                override=True,
            )
        container[last] = value
    elif isinstance(container, dict):
        if isinstance(last, int):
            raise ScenarioError(
                f"expected a field name, got index {last}",
                file=file,
                path=_dotted(path),
                override=True,
            )
        container[last] = value
    else:
        raise ScenarioError(
            f"expected a mapping or list at {_dotted(path[:-1])}, got {container!r}",
            file=file,
            path=_dotted(path),
            override=True,
        )


#: Discriminator keys of the scenario's tagged unions (distributions, adoption models).
_UNION_TAGS = ("dist", "model")

_EXPECTED_BY_TYPE = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date like 2026-01-01",
    "date_parsing": "a date like 2026-01-01",
    "date_from_datetime_parsing": "a date like 2026-01-01",
    "date_from_datetime_inexact": "a date like 2026-01-01",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "missing": "a value (required)",
}


#: Errors of fields that want a number: quoting a YAML surprise there would not help.
_NUMBER_KINDS = frozenset(
    {
        "int_type",
        "int_parsing",
        "int_from_float",
        "float_type",
        "float_parsing",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }
)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _raw_hint(raw: str) -> str:
    """The unquoted source text, cut short, for "quote it" hints."""
    return excerpt(raw, 40)


def _field_loc(loc: tuple[Any, ...], data: Any) -> Path_:
    """Drop the union tags pydantic puts in locations (``…service_time.exponential.mean``)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        tagged = isinstance(node, dict) and part not in node
        if tagged and part in (node.get(key) for key in _UNION_TAGS):
            continue  # the tag pydantic adds for the chosen member of a tagged union
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        node = node[part] if in_mapping or in_list else None
        path.append(part)
    return tuple(path)


def _split_field(message: str) -> tuple[Path_, str]:
    """``"warmup: expected …"`` from a model validator → (('warmup',), "expected …")."""
    head, sep, rest = message.partition(": expected")
    if sep and re.fullmatch(r"[A-Za-z_<>=][\w.<>=-]*", head):
        return tuple(int(p) if p.isdigit() else p for p in head.split(".")), "expected" + rest
    return (), message


def _describe(error: Mapping[str, Any], model_fields: Iterable[str]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = _short(error.get("input"))
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", error["msg"]))
        if message.startswith("expected") or ": expected" in message:
            return message
        return f"expected {message}, got {got}"
    if kind == "extra_forbidden":
        known = ", ".join(model_fields)
        return f"expected a known field ({known}), got an unknown field"
    if kind == "missing":
        return "expected a value (required), got nothing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<"}.get(kind, "≤")
        bound = next(iter(ctx.values()))
        return f"expected a value {sign} {bound}, got {got}"
    if kind in ("literal_error", "enum"):
        return f"expected {ctx.get('expected', 'one of the listed values')}, got {got}"
    if kind == "union_tag_invalid":
        return f"expected dist one of {ctx.get('expected_tags')}, got {_short(ctx.get('tag'))}"
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "dist")).strip("'")
        return f"expected a mapping with a '{key}' key, got {got}"
    if kind == "too_short":
        return f"expected a list with at least {ctx.get('min_length')} item(s), got {got}"
    if kind == "too_long":
        return f"expected a list with at most {ctx.get('max_length')} item(s), got {got}"
    expected = _EXPECTED_BY_TYPE.get(kind, error["msg"].lower())
    return f"expected {expected}, got {got}"


def scenario_error(
    error: ValidationError, data: Any, source: SourceMap, file: str
) -> ScenarioError:
    """The first pydantic error as one line naming file, line and field path."""
    first = error.errors(include_url=False)[0]
    path = _field_loc(tuple(first["loc"]), data)
    fields = fields_at(path[:-1], data) if first["type"] == "extra_forbidden" else []
    sub, detail = _split_field(_describe(first, fields))
    path = (*path, *sub)
    origin = source.locate(path)
    value = first.get("input")
    if origin is not None and origin.raw is not None and source.origins.get(path) is origin:
        surprising = origin.raw != str(value) or isinstance(value, bool | dt.date)
        surprising = surprising or first["type"] == "string_type"
        # Quoting helps where text is read (names, durations), not for numbers or dates.
        quoting_helps = first["type"] not in _NUMBER_KINDS and not detail.startswith(
            ("expected a number", "expected a finite number", "expected a date")
        )
        if surprising and quoting_helps and not isinstance(value, dict | list):
            raw = _raw_hint(origin.raw)
            detail += f' (YAML read the unquoted {raw} as {_short(value)}; quote it: "{raw}")'
    return bounded(
        ScenarioError(
            detail,
            file=origin.file if origin else file,
            line=origin.line if origin else None,
            path=_dotted(path),
            override=bool(origin and origin.override),
        )
    )


class ScenarioCheckError(ValueError):
    """A check on a validated scenario failed at ``path`` (a field path, e.g.
    ``("targets", 2, "kpi")``); the loader names the line the value came from."""

    def __init__(self, path: Path_, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


#: A check run on the validated scenario by :func:`load_scenario` (raises ScenarioCheckError).
ScenarioCheck = Callable[[Scenario], None]


def kpi_context(kpi_units: Mapping[str, str] | None) -> dict[str, Any]:
    return {} if kpi_units is None else {"kpi_units": dict(kpi_units)}


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    kpi_units: Mapping[str, str] | None = None,
    checks: Iterable[ScenarioCheck] = (),
) -> Scenario:
    """Read, merge, override and validate a scenario file.

    ``kpi_units`` (KPI name → unit) lets targets be checked against the KPI registry, and
    ``checks`` run on the validated scenario (e.g. that every target is computable),
    their problems named by file and line; the public :func:`simdata.load_scenario`
    passes both, from the analysis layer this layer may not import.
    """
    path = Path(path)
    shown = str(path)
    try:
        data, source = _read_chain(path, shown, ())
    except ScenarioError as error:
        raise bounded(error) from None
    for text in overrides:
        apply_override(data, source, text, shown)
    try:
        inline_holiday_files(data, source, shown, scenario_error)
    except ScenarioError as error:
        raise bounded(error) from None
    try:
        scenario = Scenario.model_validate(data, context=kpi_context(kpi_units))
    except ValidationError as error:
        raise scenario_error(error, data, source, shown) from None
    for check in checks:
        try:
            check(scenario)
        except ScenarioCheckError as problem:
            origin = source.locate(problem.path)
            raise bounded(
                ScenarioError(
                    problem.message,
                    file=origin.file if origin else shown,
                    line=origin.line if origin else None,
                    path=_dotted(problem.path),
                    override=bool(origin and origin.override),
                )
            ) from None
    return scenario


def scenario_to_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML that loads back to an equal :class:`Scenario`."""
    data = scenario.data()
    data.pop("extends", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def scenario_sha256(scenario: Scenario) -> str:
    """Content hash of the resolved scenario (what makes two runs comparable)."""
    return hashlib.sha256(scenario_to_yaml(scenario).encode("utf-8")).hexdigest()


__all__ = [
    "OPERATORS",
    "ScenarioCheck",
    "ScenarioCheckError",
    "apply_override",
    "load_scenario",
    "scenario_sha256",
    "scenario_to_yaml",
]

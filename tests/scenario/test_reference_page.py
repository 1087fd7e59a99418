"""docs/scenario-reference.md tells the truth: types, whole sentences, readable defaults.

The page is generated from the models by ``simdata/scenario/schema.py``; these tests check
it against two independent sources — the JSON Schema editors read (structure: section,
list, mapping, optional, enum) and the field validators themselves (a field documented as
a ``duration`` must accept ``2 h`` and refuse ``3 workday``) — and read its defaults back
through the fields they document.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from simdata.scenario.models import Scenario
from simdata.scenario.schema import _models_in, reference_markdown
from simdata.scenario.schema import json_schema as _json_schema

pytestmark = pytest.mark.unit

_HEADING = re.compile(r"^## `(?P<path>[^`]+)`(?: (?:with|as) `(?P<form>[^`]+)`)?$")
_ROW = re.compile(
    r"^\| `(?P<field>[^`]+)` \| (?P<type>.+?) \| (?P<default>.+?) \| (?P<desc>.*) \|$"
)

#: A type word → (text it must accept, text it must refuse): a word that does not fit
#: the field's validator fails here whatever the generator says.
_PROBES: dict[str, tuple[Any, Any]] = {
    "duration": ("2 h", "3 workday"),
    "working time": ("3 workday", "30/workday"),
    "rate": ("4/month", "30/workday"),
    "rate per working time": ("30/workday", "2 h"),
    "share": ("80%", "2 h"),
    "growth": ("5%/month", "4/month"),
    "integer": (3, 2.5),
    "number": (2.5, "2 h"),
    "date": ("2025-06-30", "June"),
    "text": ("p99<=100ms", 3),
    "true/false": (True, "2 h"),
    "days or working days": ("20 workday", "2 h"),
    "duration or `auto`": ("auto", "3 workday"),
    "duration distribution": (
        {"dist": "constant", "value": "2 h"},
        {"dist": "constant", "value": "3 workday"},
    ),
    "working-time distribution": (
        {"dist": "constant", "value": "3 workday"},
        {"dist": "poisson", "mean": 2},
    ),
    "number distribution": ({"dist": "constant", "value": 2.5}, {"dist": "poisson", "mean": 2}),
    "integer distribution": ({"dist": "poisson", "mean": 2}, {"dist": "constant", "value": "2 h"}),
}


@cache
def json_schema() -> dict[str, Any]:
    return _json_schema()


@cache
def _page() -> str:
    return reference_markdown()


def _sections() -> list[tuple[str, str | None, str, list[dict[str, str]]]]:
    """(path, form, introduction, rows) of every field table on the page."""
    found = []
    lines = _page().splitlines()
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match is None:
            continue
        rows = []
        for row_line in lines[index + 6 :]:
            row = _ROW.match(row_line)
            if row is None:
                break
            rows.append(row.groupdict())
        found.append((match["path"], match["form"], lines[index + 2], rows))
    assert sum(len(rows) for *_, rows in found) > 100, "the page's tables were not read"
    return found


def _models() -> dict[str, type[BaseModel]]:
    """Every scenario model by name (the JSON Schema's ``$defs`` keys)."""
    seen: dict[str, type[BaseModel]] = {}
    queue: list[type[BaseModel]] = [Scenario]
    while queue:
        model = queue.pop()
        if model.__name__ not in seen:
            seen[model.__name__] = model
            for info in model.model_fields.values():
                queue += _models_in(info.annotation)
    return seen


def _refs(node: dict[str, Any], in_list: bool = False) -> list[tuple[str, bool]]:
    """Model names a schema node may hold, and whether as a list item."""
    if "$ref" in node:
        return [(node["$ref"].rsplit("/", 1)[1], in_list)]
    found = []
    for key in ("anyOf", "oneOf"):
        for branch in node.get(key, []):
            found += _refs(branch, in_list)
    if "items" in node:
        found += _refs(node["items"], True)
    return found


def _resolve(path: str, form: str | None) -> str:
    """The ``$defs`` name a section heading documents, walked through the JSON Schema."""
    schema = json_schema()
    if path == "(top level)":
        return "Scenario"
    name = None
    node: dict[str, Any] = schema
    for part in path.split("."):
        key = part.removesuffix("[]")
        choices = [r for r in _refs(node["properties"][key]) if r[1] == part.endswith("[]")]
        if form is not None and len(choices) > 1:
            tag, _, value = form.partition(": ")
            choices = [
                c
                for c in choices
                if (value and schema["$defs"][c[0]]["properties"][tag].get("const") == value)
                or (not value and set(schema["$defs"][c[0]]["properties"]) == _names(form))
            ]
        assert len(choices) == 1, f"{path}: heading matches {choices}"
        name = choices[0][0]
        node = schema["$defs"][name]
    assert name is not None
    return name


def _names(form: str) -> set[str]:
    return {part.strip() for part in form.strip("{}").split(",")}


def _field_type(model: type[BaseModel], field: str) -> Any:
    info = next(i for n, i in model.model_fields.items() if field in (n, i.alias))
    if not info.metadata:
        return info.annotation
    return Annotated[(info.annotation, *info.metadata)]  # type: ignore[valid-type]


def _structure_problem(word: str, prop: dict[str, Any], path: str, field: str) -> str | None:
    """What the JSON Schema says a field is that its type word contradicts, if anything."""
    branches = prop.get("anyOf", [prop])
    optional = {"type": "null"} in branches
    if optional != word.endswith(" (optional)"):
        return f"optional={optional} but documented {word!r}"
    word = word.removesuffix(" (optional)")
    main = [b for b in branches if b != {"type": "null"}]
    main = main[0] if len(main) == 1 else prop
    refs = _refs(main)
    if "discriminator" in main:
        tag = main["discriminator"]["propertyName"]
        if tag == "dist":
            whole = word.endswith("distribution")
            return None if whole else f"a distribution, documented {word!r}"
        values = sorted(main["discriminator"]["mapping"])
        wanted = f"mapping by `{tag}`: " + " or ".join(f"`{v}`" for v in values)
        return None if word == wanted else f"expected {wanted!r}, documented {word!r}"
    if main.get("type") == "array" and refs:
        noun = word.removeprefix("list of ")
        if noun == word or (noun == "targets") != (refs[0][0] == "Target"):
            return f"a list of {refs[0][0]}, documented {word!r}"
        if refs[0][0] != "Target" and f"## `{path}.{field}[]`" not in _page().replace(
            "## `(top level).", "## `"
        ):
            return f"no section documents the items of {path}.{field}"
        return None
    if main.get("type") == "array":
        return None if word.startswith("list of ") else f"a list, documented {word!r}"
    if main.get("type") == "object":
        return None if word.startswith("mapping of ") else f"a mapping, documented {word!r}"
    if "$ref" in main:
        return None if word == "section" else f"a section, documented {word!r}"
    if "enum" in main:
        wanted = "one of " + ", ".join(f"`{v}`" for v in main["enum"])
        return None if word == wanted else f"expected {wanted!r}, documented {word!r}"
    return None


def test_every_documented_type_agrees_with_the_schema() -> None:
    """Each field's type word matches the JSON Schema's structure and its validator's
    behaviour (lists of groups are not 'list of targets'; a 'duration' takes '2 h')."""
    schema = json_schema()
    models = _models()
    problems = []
    checked = 0
    for path, form, _, rows in _sections():
        name = _resolve(path, form)
        props = schema["properties"] if name == "Scenario" else schema["$defs"][name]["properties"]
        assert [row["field"] for row in rows] == list(props), f"{path}: fields differ"
        for row in rows:
            word, field = row["type"], row["field"]
            problem = _structure_problem(word, props[field], path, field)
            probe = _PROBES.get(word.removesuffix(" (optional)"))
            if problem is None and probe is not None:
                adapter = TypeAdapter(_field_type(models[name], field))
                good, bad = probe
                try:
                    adapter.validate_python(good)
                except ValidationError:
                    problem = f"documented {word!r} but refuses {good!r}"
                else:
                    try:
                        adapter.validate_python(bad)
                        problem = f"documented {word!r} but accepts {bad!r}"
                    except ValidationError:
                        pass
            if problem is not None:
                problems.append(f"{path}.{field}: {problem}")
            checked += 1
    assert checked > 100
    assert not problems, "\n".join(problems)


def test_no_sentence_on_the_page_is_cut() -> None:
    """Section introductions and descriptions end with a full stop, brackets balanced
    (a first docstring line alone left 'all three conditions on the' dangling)."""
    cut = []
    for path, _, introduction, rows in _sections():
        texts = [("introduction", introduction)] + [(r["field"], r["desc"]) for r in rows]
        for where, text in texts:
            whole = re.search(r"[.!?][)`*]*$", text.strip()) is not None
            # Half-open intervals ("[warmup, horizon)", "(0, 1]") pair a round and a square.
            opened = text.count("(") + text.count("[")
            balanced = opened == text.count(")") + text.count("]") and text.count(
                "{"
            ) == text.count("}")
            if not text.strip() or not whole or not balanced or text.startswith("|"):
                cut.append(f"{path} {where}: {text!r}")
    assert not cut, "\n".join(cut)


def _default_cells() -> list[tuple[str, str, str]]:
    models = _models()
    cells = []
    for path, form, _, rows in _sections():
        name = _resolve(path, form)
        for row in rows:
            cells.append((f"{name}.{row['field']}", path, row["default"]))
    assert models
    return cells


def test_defaults_are_shown_in_readable_units() -> None:
    """No default is an SI float (1.52e-06/s, 234000 s, 0.8): rates, working time, shares
    and durations read as a planner writes them."""
    long_numbers = re.compile(r"\d[eE][-+]?\d|\d\.\d{5,}|\b\d{5,} (?:s|ms)\b")
    unreadable = [cell for cell in _default_cells() if long_numbers.search(cell[2])]
    assert not unreadable, unreadable
    page = _page()
    for written in (
        "`{model: poisson, rate: 4/month, growth: 5%/month}`",
        "| `sla` | working time | `10 workday` |",
        "| `hit_ratio` | share | `80%` |",
        "`{dist: lognormal, mean: 2 ms, cv: 1}`",
        "rate: 30/workday",
        "| `rate` | rate (optional) | `0.5/year` |",
    ):
        assert written in page, written


def test_every_default_reads_back_as_the_default() -> None:
    """Each readable default, pasted into a scenario, validates to the field's default."""
    models = _models()
    for key, path, cell in _default_cells():
        if not (cell.startswith("`") and cell.endswith("`")):
            continue  # required, none, empty, see below
        name, field = key.rsplit(".", 1)
        model = models[name]
        info: FieldInfo = next(i for n, i in model.model_fields.items() if field in (n, i.alias))
        adapter = TypeAdapter(_field_type(model, field))
        text = cell[1:-1]
        data = text if text in ("auto", "daily", "busiest") else yaml.safe_load(text)
        default = info.get_default(call_default_factory=True)
        read = adapter.dump_python(adapter.validate_python(data), mode="json")
        assert read == adapter.dump_python(default, mode="json"), f"{path}.{field}: {cell}"


def test_units_page_lists_every_working_time_field() -> None:
    """docs/units.md names exactly the fields the reference page types as working time."""
    from pathlib import Path

    working = set()
    for path, _, _, rows in _sections():
        for row in rows:
            if "working" in row["type"]:
                working.add(f"{path}.{row['field']}")
    units = (Path(__file__).resolve().parents[2] / "docs" / "units.md").read_text("utf-8")
    section = units.split("## Working time", 1)[1].split("\n## ", 1)[0]
    paragraph = next(p for p in section.split("\n\n") if p.startswith("`"))  # the list
    listed = set(re.findall(r"`([a-z_]+(?:\.[a-z_\[\]]+)+)`", paragraph))
    assert working
    assert listed == working, listed ^ working

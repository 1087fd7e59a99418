"""Introspection of the scenario models: allowed fields, the reference page, the JSON Schema.

``docs/scenario-reference.md`` and ``simdata schema`` are generated from the models here,
so the documentation cannot drift from what the loader accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simdata.scenario.calendar_spec import FIRST_DATE, LAST_DATE
from simdata.scenario.distributions import MAX_CV, MAX_INTEGER_DRAW, MAX_SIGMA
from simdata.scenario.models import Scenario, Target
from simdata.scenario.readable import field_kind, readable_value
from simdata.scenario.units import (
    MAX_DURATION_TEXT,
    MAX_GROWTH_FACTOR,
    MAX_GROWTH_TEXT,
    MAX_NUMBER_TEXT,
    MAX_RATE_TEXT,
)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic model classes an annotation may hold (through Optional, list, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        return [model for arg in get_args(annotation) for model in _models_in(arg)]
    return []


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items() if not info.exclude]


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def fields_at(path: tuple[str | int, ...], data: Any) -> list[str]:
    """Field names the model at ``path`` accepts, given the scenario ``data`` for unions."""
    models: list[type[BaseModel]] = [Scenario]
    node = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        infos = [info for model in models if (info := _field(model, part)) is not None]
        if not infos:
            return []
        models = _models_in(infos[0].annotation)
        node = node.get(part) if isinstance(node, dict) else None
    if len(models) > 1 and isinstance(node, dict):
        tag = node.get("dist")
        chosen = [m for m in models if _field(m, "dist") and f"'{tag}'" in repr(_field(m, "dist"))]
        models = chosen or models
    return _field_names(models[0]) if len(models) == 1 else []


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (for yaml-language-server and editors)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "simdata scenario"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _default_text(info: FieldInfo, model: type[BaseModel], name: str) -> str:
    """The default as a planner writes it (``4/month``, ``10 workday``, ``80%``)."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel) and len(_models_in(info.annotation)) == 1:
        return "see below"
    if value is None or value == [] or value == {}:
        return "none" if value is None else "empty"
    return f"`{readable_value(value, info) or chr(34) * 2}`"  # empty text shows as ""


_VALIDATOR_WORDS = {
    "_non_negative_duration": "duration",
    "_one_form": "count, list of departments or `{count, size}`",
    "parse_warmup": "duration or `auto`",
    "_positive_rate": "rate",
    "parse_share": "share",
    "_real_number": "number",
    "parse_work_seconds": "working time",
    "parse_work_rate": "rate per working time",
    "_parse_growth_rate": "growth",
    "parse_design_day": "`busiest`, `final` or a date",
    "parse_window": "days or working days",
    "parse_judge_at": "`daily` or a list of dates",
    "_holiday_paths": "path or list of paths",
    "_count": "integer",
}


#: What the items of a list of sections are called on the page.
_LIST_NOUNS = {
    "Target": "targets",
    "RequesterGroup": "groups",
    "InitialEnterprise": "enterprises",
    "DepartmentSpec": "departments",
}


def _type_text(info: FieldInfo) -> str:
    """A planner's word for a field's type (duration, rate, integer, section, …)."""
    for item in info.metadata:
        func = getattr(item, "func", None)
        if func is not None and func.__name__ in _VALIDATOR_WORDS:
            optional = type(None) in get_args(info.annotation)
            return _VALIDATOR_WORDS[func.__name__] + (" (optional)" if optional else "")
    annotation = info.annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    optional = get_origin(annotation) in (Union, types.UnionType) and len(args) < len(
        get_args(annotation)
    )
    if optional and len(args) == 1:
        inner = FieldInfo.from_annotation(args[0])
        return f"{_type_text(inner)} (optional)"
    if get_origin(annotation) is Literal and len(get_args(annotation)) == 1:
        return f"`{get_args(annotation)[0]}`"
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(annotation))
    models = _models_in(annotation)
    if len(models) > 1:
        return _union_text(models)
    if get_origin(annotation) is list:
        item = get_args(annotation)[0]
        if models:
            return "list of " + _LIST_NOUNS.get(models[0].__name__, "sections")
        return "list of " + _plural(_type_text(FieldInfo.from_annotation(item)))
    if get_origin(annotation) is dict:
        value = _type_text(FieldInfo.from_annotation(get_args(annotation)[1]))
        return f"mapping of name → {value}"
    if models:
        return "section"
    names = {int: "integer", str: "text", float: "number", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    if annotation is dt.date:
        return "date"
    return getattr(annotation, "__name__", repr(annotation))


def _plural(word: str) -> str:
    plurals = {"text": "texts", "true/false": "true/false values", "share": "shares"}
    return plurals.get(word, word if word.endswith("s") else word + "s")


def _tag(model: type[BaseModel]) -> tuple[str, str] | None:
    """The discriminating field of a union member and its value (``("model", "bass")``)."""
    for name, info in model.model_fields.items():
        if get_origin(info.annotation) is Literal and len(get_args(info.annotation)) == 1:
            return info.alias or name, str(get_args(info.annotation)[0])
    return None


def _union_text(models: list[type[BaseModel]]) -> str:
    """A union of sections: a distribution, or a mapping chosen by a tag (``model``)."""
    tags = [_tag(model) for model in models]
    if all(tag is not None and tag[0] == "dist" for tag in tags):
        return _distribution_text(models, tags)
    if all(tag is not None for tag in tags) and len({tag[0] for tag in tags if tag}) == 1:
        key = tags[0][0] if tags[0] else ""
        return f"mapping by `{key}`: " + " or ".join(f"`{tag[1]}`" for tag in tags if tag)
    return "one of several forms"


#: The kind of value a distribution's parameters take → how the page names it.
_DISTRIBUTION_WORDS = {
    "duration": "duration distribution",
    "working time": "working-time distribution",
    None: "number distribution",
}


def _distribution_text(models: list[type[BaseModel]], tags: list[tuple[str, str] | None]) -> str:
    """``duration distribution``, ``working-time distribution``, ``number distribution``
    or ``integer distribution`` (the families that draw counts: poisson, geometric, …)."""
    if any(tag is not None and tag[1] == "poisson" for tag in tags):
        return "integer distribution"
    constant = next(m for m, tag in zip(models, tags, strict=True) if tag and tag[1] == "constant")
    kind = field_kind(constant.model_fields["value"])
    return _DISTRIBUTION_WORDS.get(kind, "distribution")


def reference_markdown() -> str:
    """``docs/scenario-reference.md``: every section and field with type, default, meaning."""
    lines = [
        "# Scenario reference",
        "",
        "Generated from the scenario models by `python -m simdata.reference_docs` "
        "(a test fails when this page is stale). Units: see `docs/units.md`.",
        "",
    ]
    seen: set[type[BaseModel]] = set()
    queue: list[tuple[str, type[BaseModel]]] = [("(top level)", Scenario)]
    while queue:
        title, model = queue.pop(0)
        if model not in seen:
            seen.add(model)
            lines += _section_lines(title, model, queue)
    return "\n".join(lines + _closing_lines())


def _section_lines(
    title: str, model: type[BaseModel], queue: list[tuple[str, type[BaseModel]]]
) -> list[str]:
    """One section's table; the sections its fields hold are queued after it."""
    lines = [f"## `{title}`", "", _introduction(model), ""]
    lines += ["| field | type | default | description |", "| --- | --- | --- | --- |"]
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = info.alias or name
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{key}` | {_type_text(info)} | {_default_text(info, model, name)} | {description} |"
        )
        queue += _nested_sections(title, key, info)
    lines.append("")
    return lines


def _introduction(model: type[BaseModel]) -> str:
    """The first paragraph of a model's docstring, whole (a sentence is never cut)."""
    paragraph = (model.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(paragraph.split()).replace("``", "`")


def _in_list(annotation: Any, model: type[BaseModel]) -> bool:
    """Whether ``model`` appears in ``annotation`` as the item of a list."""
    if get_origin(annotation) is list:
        return model in _models_in(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType, typing.Annotated):
        return any(_in_list(arg, model) for arg in get_args(annotation))
    return False


def _nested_sections(title: str, key: str, info: FieldInfo) -> list[tuple[str, type[BaseModel]]]:
    """The sections a field holds, titled by path (``[]`` for list items, the tag for
    one form of several); distributions and targets are explained once at the end."""
    nested = [m for m in _models_in(info.annotation) if m.__module__.startswith("simdata.scenario")]
    prefix = "" if title == "(top level)" else title + "."
    found = []
    for model in nested:
        tag = _tag(model)
        if model is Target or (tag is not None and tag[0] == "dist"):
            continue
        path = prefix + key + ("[]" if _in_list(info.annotation, model) else "")
        if len(nested) > 1 and tag is not None:
            path += f"` with `{tag[0]}: {tag[1]}"
        elif len(nested) > 1:
            path += f"` as `{{{', '.join(_field_names(model))}}}"
        found.append((path, model))
    return found


def _closing_lines() -> list[str]:
    """Bounds by kind, targets and distributions: what no single field says."""
    return [
        "## Bounds",
        "",
        "Every value is bounded so that a run that validates can finish: far beyond any "
        "real plan, yet finite. Field bounds are in the descriptions above; bounds by kind:",
        "",
        "| kind | bound |",
        "| --- | --- |",
        f"| duration, working time | 0 to {MAX_DURATION_TEXT} (also `run.horizon`; with "
        "`run.end_date`, less than 100 years after `run.start_date`) |",
        f"| rate, rate per working time | > 0 and ≤ {MAX_RATE_TEXT} |",
        f"| growth | above -100% and ≤ {MAX_GROWTH_TEXT} (as fast in other units); over "
        "warm-up + horizon the rate may change at most "
        f"10^{math.log10(MAX_GROWTH_FACTOR):.0f}-fold |",
        f"| plain number | finite, between -{MAX_NUMBER_TEXT} and {MAX_NUMBER_TEXT} |",
        f"| date | {FIRST_DATE} to {LAST_DATE} |",
        f"| distribution `cv` | > 0 and ≤ {MAX_CV:g}; lognormal `sigma` > 0 and ≤ {MAX_SIGMA:g} |",
        f"| integer draws | rounded and clipped to 0 … 10^{math.log10(MAX_INTEGER_DRAW):.0f} |",
        "",
        "YAML numbers that YAML 1.1 and 1.2 read differently (`010`, `0x10`, `0b101`, "
        '`0o17`, `1_000`, `1:30`) are refused with "quote it"; `1e3` is the number 1000.',
        "",
        "## Targets",
        "",
        "Each item of `targets` is `{kpi: NAME, OP: VALUE}` with exactly one OP among "
        "`<`, `<=`, `>`, `>=`. NAME is a KPI from `docs/kpis.md` (with any `@breakdown`); "
        'VALUE is in the KPI\'s dimension: `"1.2 s"` for seconds, `"7/s"` for rates, '
        '`0.9` or `"90%"` for fractions, a number for counts. Verdict: **pass** when the '
        "KPI's whole 95% CI satisfies the target, **fail** when none of it does, otherwise "
        "**undecided** (also with fewer than 2 replications). A target on a KPI the "
        "scenario cannot produce (a part it does not simulate, a breakdown value outside "
        "the run such as `@year=` a year it does not reach, a latency KPI without "
        "`@window=peak_hour` when latency is sampled in windows) is refused when the "
        "scenario is loaded, naming the closest KPIs it does produce.",
        "",
        "## Numbers and Chinese numerals",
        "",
        "Wherever a number, a rate's count or a target value is read, a number may carry one "
        "Chinese multiplier: `10万` (10 × 10⁴), `1.5亿` (1.5 × 10⁸), `3千`, `百`, `百万`, "
        '`千万`, `万亿` — e.g. `">=": 1亿`, `rate: "2万/month"`, `"1.5亿/day"`. Such values '
        "are written back into the resolved scenario.yaml as given; `1亿亿` (two "
        "multipliers) and `万` (no number) are refused. The unit `工作日` reads as "
        "`workday`.",
        "",
        "## Distributions",
        "",
        "A distribution is a mapping with `dist:` and its parameters; values take the unit of "
        "the field (durations need units). Families: `constant(value)`, `exponential(mean)`, "
        "`lognormal` (exactly one of mean+cv, median+cv, median+sigma), `gamma(mean, cv)`, "
        "`uniform(low, high)`, `triangular(low, mode, high)`, `empirical(values, weights)`. "
        "Integer fields also take `poisson(mean)`, `geometric(mean ≥ 1)` and "
        "`negbinomial(mean, cv)`; continuous families there are rounded to the nearest "
        "integer ≥ 0.",
        "",
    ]

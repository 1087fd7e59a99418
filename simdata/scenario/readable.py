"""Scenario values shown the way a planner writes them: ``4/month``, ``10 workday``, ``80%``.

Fields store SI values (seconds, events per second, fractions), and the resolved
``scenario.yaml`` of a run writes them so (``1.5210282150733896e-06/s``, ``234000 s``,
``0.8``): that text loads back to an equal scenario and keeps the run's hash stable.
People do not read it that way, so the reference page's defaults, a report's key
parameters and an export's parameter sheet show each value through this module.

The kind of a value (elapsed or working time, a rate per elapsed or working time, a share,
a growth) is not in its number — ``234000 s`` is 2.7 days in one field and 10 working days
in another — so it comes from the scenario models, by the parser each field declares (the
parsers that read scenario files). The unit is then chosen by one rule: a duration in the
largest unit, a rate per the smallest span, in which the number is at least 1 (working
time: or a fraction of a working day) and its short text reads back as *exactly* the stored
value (``2 h`` of working time is not an exact fraction of 6.5 h, so it stays ``2 h``). A
planner writes round numbers, so
this recovers what was written in nearly every case; it cannot tell ``7/week`` from
``1/d``, and a warm-up written in calendar months is shown in days (``2 month`` before
1 January is ``61 d``), which is what the run used. Values written with Chinese numerals
(``10万``) are kept as written by the scenario and pass through unchanged.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simdata.scenario.numerals import WrittenFloat, WrittenInt
from simdata.scenario.quantities import GrowthRate
from simdata.scenario.units import DURATION_UNITS, UnitError, parse_duration, parse_rate
from simdata.scenario.worktime import WORKDAY_S, office_day_seconds

#: The kind of value each field parser reads (the parser's function name → kind).
KIND_OF_PARSER = {
    "_non_negative_duration": "duration",
    "parse_warmup": "duration",
    "parse_work_seconds": "working time",
    "_positive_rate": "rate",
    "parse_work_rate": "rate per working time",
    "parse_share": "share",
    "_parse_growth_rate": "growth",
}
#: Elapsed units, largest first (``month``, ``year`` as the grammar reads them).
_ELAPSED = tuple(sorted(DURATION_UNITS.items(), key=lambda item: -item[1]))
#: Working time reads in working days and clock units, never calendar days or months.
_CLOCK = tuple((unit, size) for unit, size in _ELAPSED if unit in ("h", "min", "s", "ms"))


def number_text(value: float) -> str:
    """A number as a planner writes it: ``20000``, ``1.5``, ``0.01`` (no ``.0``, no exponent)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.10g}"
    if "e" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    return text


def _units(work: bool, workday_s: float) -> tuple[tuple[str, float], ...]:
    return (("workday", workday_s), *_CLOCK) if work else _ELAPSED


def duration_text(seconds: float, work: bool = False, workday_s: float | None = None) -> str:
    """Seconds (working seconds when ``work``) in the largest unit that reads back exactly."""
    if seconds == 0:
        return "0 s"
    for unit, size in _units(work, workday_s or WORKDAY_S.get()):
        text = number_text(seconds / size)
        # Working days are the unit of working time: 0.5 workday, not 3.25 h.
        if (seconds / size >= 1 or unit == "workday") and float(text) * size == seconds:
            return f"{text} {unit}"
    return f"{number_text(seconds)} s"


def rate_text(per_s: float, work: bool = False, workday_s: float | None = None) -> str:
    """Events per (working) second per the smallest span that gives an exact count ≥ 1."""
    exact = []
    for unit, size in reversed(_units(work, workday_s or WORKDAY_S.get())):
        text = number_text(per_s * size)
        if float(text) / size == per_s:
            exact.append((per_s * size >= 1, f"{text}/{unit}"))
    counted = [text for at_least_one, text in exact if at_least_one]
    if counted:
        return counted[0]
    return exact[-1][1] if exact else f"{per_s!r}/s"


def share_text(share: float) -> str:
    """A fraction as a percentage: ``0.8`` → ``80%``."""
    return f"{number_text(round(share * 100, 10))}%"


def quantity_text(value: float, kind: str | None, workday_s: float | None = None) -> str:
    """An SI number of ``kind`` as written (a plain number when ``kind`` is ``None``)."""
    if kind == "duration":
        return duration_text(value)
    if kind == "working time":
        return duration_text(value, work=True, workday_s=workday_s)
    if kind == "rate":
        return rate_text(value)
    if kind == "rate per working time":
        return rate_text(value, work=True, workday_s=workday_s)
    if kind == "share":
        return share_text(value)
    return number_text(value)


def readable(value: Any, kind: str | None, workday_s: float | None = None) -> str:
    """One value of a resolved ``scenario.yaml`` (text or number) as a planner writes it.

    Text that is not an SI quantity of its kind (``10万``, ``auto``, ``p99<=100ms``) is
    returned as it is.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    try:
        if isinstance(value, str) and kind in ("duration", "working time"):
            return quantity_text(parse_duration(value), kind, workday_s)
        if isinstance(value, str) and kind in ("rate", "rate per working time"):
            return quantity_text(parse_rate(value), kind, workday_s)
        if isinstance(value, str) and kind == "growth":
            number, _, unit = value.partition("%")
            return f"{number_text(float(number))}%{unit}"
    except (UnitError, ValueError):
        return str(value)
    if isinstance(value, int | float) and kind in ("share", None):
        return quantity_text(float(value), kind)
    return str(value)


def _kind(annotation: Any, metadata: Sequence[Any] = ()) -> str | None:
    """The kind an annotation's parser reads, or ``None`` (not a quantity)."""
    for item in metadata:
        name = getattr(getattr(item, "func", None), "__name__", "")
        if name in KIND_OF_PARSER:
            return KIND_OF_PARSER[name]
    for alternative in _alternatives(annotation):
        if get_origin(alternative) is typing.Annotated:
            found = _kind(get_args(alternative)[0], alternative.__metadata__)
            if found is not None:
                return found
    return None


def field_kind(info: FieldInfo) -> str | None:
    """The kind of value a model field holds (``None``: not a quantity)."""
    return _kind(info.annotation, info.metadata)


def readable_value(value: Any, info: FieldInfo | None = None) -> str:
    """A field's value (a default: numbers, sections, lists) in flow YAML as written.

    A section shows the fields it was built with (``{dist: lognormal, mean: 2 ms, cv: 1}``);
    each number in the unit its field reads (see the module text).
    """
    if isinstance(value, WrittenFloat | WrittenInt):
        return value.text
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        items = [
            f"{fields[name].alias or name}: {readable_value(getattr(value, name), fields[name])}"
            for name in fields
            if name in value.model_fields_set
        ]
        return "{" + ", ".join(items) + "}"
    if isinstance(value, Mapping):
        inner = _item_info(info, dict)
        return "{" + ", ".join(f"{k}: {readable_value(v, inner)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        inner = _item_info(info, list)
        return "[" + ", ".join(readable_value(v, inner) for v in value) + "]"
    if isinstance(value, GrowthRate):
        return f"{number_text(value.percent)}%/{value.unit}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return quantity_text(float(value), field_kind(info) if info is not None else None)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "null" if value is None else str(value)


def _item_info(info: FieldInfo | None, container: type) -> FieldInfo | None:
    """The field info of a list's items or a mapping's values (for their kind)."""
    if info is None:
        return None
    for alternative in _alternatives(info.annotation):
        if get_origin(alternative) is container:
            return FieldInfo.from_annotation(get_args(alternative)[-1])
    return None


def _alternatives(annotation: Any) -> list[Any]:
    """The alternatives of an annotation (through Optional and unions)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for arg in get_args(annotation) for a in _alternatives(arg)]
    return [annotation]


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _inner(annotation: Any, key: str | int, node: Any) -> list[Any]:
    """The annotations of ``annotation``'s child ``key`` (a field, list item or dict value)."""
    found: list[Any] = []
    for alternative in _alternatives(annotation):
        if get_origin(alternative) is typing.Annotated:
            found += _inner(get_args(alternative)[0], key, node)
        elif isinstance(alternative, type) and issubclass(alternative, BaseModel):
            tag = node.get("dist", node.get("model")) if isinstance(node, Mapping) else None
            own = _field(alternative, "dist") or _field(alternative, "model")
            if tag is not None and own is not None and tag not in get_args(own.annotation):
                continue  # another family of a tagged union
            info = None if isinstance(key, int) else _field(alternative, key)
            if info is not None:
                found.append(
                    typing.Annotated[info.annotation, *info.metadata]
                    if info.metadata
                    else info.annotation
                )
        elif get_origin(alternative) is list and isinstance(key, int):
            found += list(get_args(alternative)[:1])
        elif get_origin(alternative) is dict and isinstance(key, str):
            found += list(get_args(alternative)[1:2])
    return found


def kind_at(raw: Mapping[str, Any], path: Sequence[str | int]) -> str | None:
    """The kind of the value at ``path`` of a raw scenario mapping (``None``: plain)."""
    from simdata.scenario.models import Scenario  # the models import this module's users

    annotations: list[Any] = [Scenario]
    node: Any = raw
    for key in path:
        annotations = [inner for a in annotations for inner in _inner(a, key, node)]
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            node = None
    kinds = {_kind(a) for a in annotations}
    return kinds.pop() if len(kinds) == 1 else None


def workday_seconds(raw: Mapping[str, Any]) -> float:
    """Office seconds in one ``workday`` under a raw scenario's calendar (6.5 h default)."""
    calendar = raw.get("calendar")
    if not isinstance(calendar, Mapping):
        return office_day_seconds(None)
    return office_day_seconds(calendar.get("office_hours"), calendar.get("always_open", False))


def value_at(raw: Mapping[str, Any], path: str) -> Any:
    """The raw value at a dotted ``path`` (``None`` when absent)."""
    node: Any = raw
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def readable_at(raw: Mapping[str, Any], path: str) -> str | None:
    """The value at dotted ``path`` of a raw scenario as written, ``None`` when absent."""
    value = value_at(raw, path)
    if value is None or isinstance(value, Mapping | list):
        return None
    return readable(value, kind_at(raw, path.split(".")), workday_seconds(raw))


def readable_leaves(raw: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every value set in a raw scenario as ``(path, text as written)``, in file order.

    A list of plain values is one text (``[0.1, 0.1, …]``); a switched-off section
    (``null``), empty lists and empty texts are left out.
    """
    workday_s = workday_seconds(raw)

    def walk(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, str]]:
        if isinstance(node, Mapping):
            for key, child in node.items():
                yield from walk(child, (*path, str(key)))
        elif isinstance(node, list) and any(isinstance(i, Mapping | list) for i in node):
            for index, child in enumerate(node):
                yield from walk(child, (*path, index))
        elif node is not None and node not in ([], {}, ""):
            kind = kind_at(raw, path)
            if isinstance(node, list):
                text = "[" + ", ".join(readable(v, kind, workday_s) for v in node) + "]"
            else:
                text = readable(node, kind, workday_s)
            yield ".".join(str(p) for p in path), text

    yield from walk(raw, ())

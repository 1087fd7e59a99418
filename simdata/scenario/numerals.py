"""Chinese numeral multipliers in quantities: ``10万``, ``1.5亿``, ``3千``, ``2万/month``.

Planners copy targets and rules from Chinese documents, which write large numbers with a
multiplier character: 10万 (10⁵ identifiers), 1亿 (10⁸ registrations). Wherever the units
grammar reads a number (a target value, a rate's count, a plain number field) it also reads
a number followed by **one** multiplier of :data:`MULTIPLIERS` (``1千万`` is one compound
multiplier, 10⁷). ``1亿亿`` (two multipliers) and ``万`` (no number) are refused with a
message that shows the form.

A value written with a multiplier is stored as :class:`WrittenFloat` / :class:`WrittenInt`:
a float or int that remembers its text, so the resolved ``scenario.yaml`` keeps ``10万`` as
the planner wrote it (a value without one is written back as before, so existing resolved
scenarios keep their bytes and hashes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import PlainSerializer, ValidatorFunctionWrapHandler, WithJsonSchema, WrapValidator

#: Multiplier characters (and compounds read as one), longest first for matching.
MULTIPLIERS: dict[str, int] = {
    "万亿": 10**12,
    "千万": 10**7,
    "百万": 10**6,
    "亿": 10**8,
    "万": 10**4,
    "千": 10**3,
    "百": 10**2,
}

#: A regular expression for one multiplier (alternatives longest first).
NUMERAL = "(?:" + "|".join(MULTIPLIERS) + ")"
_CHARS = frozenset("".join(MULTIPLIERS))
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_WITH_NUMERAL = re.compile(rf"^\s*({_DECIMAL})\s*({NUMERAL})\s*$")

NUMERAL_EXAMPLE = "'10万', '1.5亿' or '3千'"


def has_numeral(text: object) -> bool:
    """Whether ``text`` is a string containing a multiplier character."""
    return isinstance(text, str) and any(char in _CHARS for char in text)


def multiplier(suffix: str | None) -> int:
    """The factor of a matched multiplier (1 for none)."""
    return 1 if not suffix else MULTIPLIERS[suffix]


def parse_numeral(text: str) -> float | None:
    """``"1.5亿"`` → 150000000.0; None when ``text`` is not a number with one multiplier."""
    match = _WITH_NUMERAL.match(text)
    if match is None:
        return None
    return float(match[1]) * MULTIPLIERS[match[2]]


def numeral_error(text: str) -> str:
    """Why ``text``, which holds a multiplier character, is not a valid numeral."""
    return (
        f"expected a number with one Chinese multiplier ({'/'.join(MULTIPLIERS)}) like "
        f"{NUMERAL_EXAMPLE}, got {text!r}"
    )


class WrittenFloat(float):
    """A float that remembers the text it was written as (``"2万/month"``)."""

    text: str

    def __new__(cls, value: float, text: str) -> WrittenFloat:
        number = super().__new__(cls, value)
        number.text = text.strip()
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return WrittenFloat, (float(self), self.text)


class WrittenInt(int):
    """An int that remembers the text it was written as (``"10万"``)."""

    text: str

    def __new__(cls, value: int, text: str) -> WrittenInt:
        number = super().__new__(cls, value)
        number.text = text.strip()
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return WrittenInt, (int(self), self.text)


def as_written(value: object, serialise: Callable[[Any], Any] | None = None) -> Any:
    """The text of a written value, else ``serialise(value)`` (or the value itself)."""
    if isinstance(value, WrittenFloat | WrittenInt):
        return value.text
    return value if serialise is None else serialise(value)


def keep_text(parse: Callable[[Any], Any]) -> WrapValidator:
    """A validator that parses with ``parse`` and, for numeral text, keeps the text."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, WrittenFloat | WrittenInt):
            return value
        result = handler(parse(value))
        if not has_numeral(value):
            return result
        if isinstance(result, int):
            return WrittenInt(result, value)
        return WrittenFloat(result, value)

    # The reference page names a field's type by its parser's name (scenario/schema.py).
    validate.__name__ = validate.__qualname__ = parse.__name__
    return WrapValidator(validate)


def _count(value: Any) -> Any:
    """An integer count: a YAML integer, or numeral text (``"10万"``) that is a whole number."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r} (a boolean)")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and has_numeral(value):
        number = parse_numeral(value)
        if number is None:
            raise ValueError(numeral_error(value))
        if number != int(number):
            raise ValueError(f"expected a whole number, got {value!r} (= {number:g})")
        return int(number)
    raise ValueError(f"expected an integer like 100000 or {NUMERAL_EXAMPLE}, got {value!r}")


#: An integer count that also reads ``10万`` / ``1.5亿`` (and writes them back as given).
#: Bounds go in ``Field(ge=…, le=…)`` as for ``StrictInt``.
Count = Annotated[
    int,
    keep_text(_count),
    PlainSerializer(lambda v: as_written(v), return_type=Any),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer"},
                {"type": "string", "pattern": rf"^\s*[0-9.]+\s*{NUMERAL}\s*$"},
            ],
            "examples": [100000, "10万"],
        }
    ),
]

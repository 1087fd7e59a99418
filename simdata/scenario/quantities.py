"""Pydantic field types for the units grammar, so models say ``Seconds`` and not ``float``.

Each type parses the scenario text (``"2 h"``), stores the SI float, serialises back to
text that parses to the same float, and documents itself in the JSON Schema as a string
with an example. Bare numbers are refused where a unit is needed, with the right form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from simdata.scenario.numerals import (
    NUMERAL,
    as_written,
    has_numeral,
    keep_text,
    numeral_error,
    parse_numeral,
)
from simdata.scenario.units import (
    MAX_DURATION_S,
    MAX_DURATION_TEXT,
    MAX_GROWTH_PER_S,
    MAX_GROWTH_TEXT,
    MAX_NUMBER,
    MAX_NUMBER_TEXT,
    MAX_RATE_PER_S,
    MAX_RATE_TEXT,
    format_duration,
    format_rate,
    parse_duration,
    parse_growth,
    parse_rate,
    parse_share,
)

#: Largest day-type traffic multiplier (weekday, weekend, holiday factors).
MAX_DAY_FACTOR = 1000.0


def check_duration_bound(seconds: float, value: object, what: str = "a duration") -> float:
    """``seconds`` if within [0, 100 year]: a longer span cannot be simulated to its end."""
    if seconds < 0:
        raise ValueError(f"expected {what} ≥ 0, got {value!r}")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"expected {what} ≤ {MAX_DURATION_TEXT}, got {value!r}")
    return seconds


def check_rate_bound(rate: float, value: object, example: str = "'7.2/s'") -> float:
    """``rate`` if in (0, 1e9/s]: more events per second than any node or office sees."""
    if rate <= 0:
        raise ValueError(f"expected a rate > 0 like {example}, got {value!r}")
    if rate > MAX_RATE_PER_S:
        raise ValueError(f"expected a rate ≤ {MAX_RATE_TEXT}, got {value!r}")
    return rate


def _non_negative_duration(value: object) -> float:
    return check_duration_bound(parse_duration(value), value)


def _positive_rate(value: object) -> float:
    return check_rate_bound(parse_rate(value), value)


def _real_number(value: object) -> float:
    """A YAML number (never a boolean, never text but numerals like ``"10万"``) as a
    finite float within ±1e15."""
    if has_numeral(value):
        assert isinstance(value, str)  # has_numeral holds for text only
        number = parse_numeral(value)
        if number is None:
            raise ValueError(numeral_error(value))
        value = number
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    if abs(number) > MAX_NUMBER:
        raise ValueError(
            f"expected a number between -{MAX_NUMBER_TEXT} and {MAX_NUMBER_TEXT}, got {value!r}"
        )
    return number


def _schema(pattern_doc: str, examples: list[Any]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": pattern_doc, "examples": examples})


#: Elapsed time in [0, 100 year] in float seconds; scenario text ``"30 s"``, ``"2 h"``.
Seconds = Annotated[
    float,
    BeforeValidator(_non_negative_duration),
    PlainSerializer(format_duration, return_type=str),
    _schema(
        "duration: NUMBER UNIT with UNIT in ms s min h d week month year; "
        f"0 to {MAX_DURATION_TEXT}",
        ["30 s", "2 h"],
    ),
]

#: Events per second in (0, 1e9/s]; scenario text ``"7.2/s"``, ``"1000/d"``.
RatePerS = Annotated[
    float,
    keep_text(_positive_rate),
    PlainSerializer(lambda v: as_written(v, format_rate), return_type=str),
    _schema(
        f"rate: NUMBER/UNIT with UNIT in ms s min h d week month year; > 0 and ≤ {MAX_RATE_TEXT}",
        ["7.2/s", "1000/d"],
    ),
]

#: A fraction in [0, 1]; scenario text ``0.9`` or ``"90%"``.
Share = Annotated[
    float,
    BeforeValidator(parse_share),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^\s*[0-9.]+\s*%\s*$"},
            ],
            "examples": [0.9, "90%"],
        }
    ),
]

#: A plain finite number within ±1e15 (YAML booleans refused, unlike pydantic's lax float);
#: also ``"10万"``-style numeral text, written back as given.
Number = Annotated[
    float,
    keep_text(_real_number),
    PlainSerializer(as_written, return_type=Any),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": rf"^\s*[0-9.]+\s*{NUMERAL}\s*$"},
            ],
            "examples": [1000, "10万"],
        }
    ),
]


def check_mix_sums_to_one(mix: dict[str, float], field: str) -> None:
    """Refuse a mix of shares (``{name: share}``) whose shares do not sum to 1."""
    total = sum(mix.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"{field}: expected shares summing to 1 (100%), got {total:.6g}")


@dataclass(frozen=True, slots=True)
class GrowthRate:
    """A compounding growth ``percent``%/``unit``, kept as written so it reads back exactly."""

    percent: float
    unit: str

    @property
    def per_s(self) -> float:
        """Continuous growth rate g: the quantity is multiplied by exp(g·t)."""
        return parse_growth(str(self))

    def __str__(self) -> str:
        return f"{self.percent!r}%/{self.unit}"


def _parse_growth_rate(value: Any) -> GrowthRate:
    """A growth above -100% and at most 1000%/month (or as fast in another unit).

    Faster compounding overflows any run of more than a few months; how far a rate may
    compound over the whole run is checked against the run's span by the scenario.
    """
    if isinstance(value, GrowthRate):
        return value
    if parse_growth(value) > MAX_GROWTH_PER_S:  # validates, with the grammar's message
        raise ValueError(
            f"expected a growth ≤ {MAX_GROWTH_TEXT} (or as fast in another unit), got {value!r}"
        )
    number, _, unit = str(value).partition("%")
    return GrowthRate(float(number), unit.strip().lstrip("/").strip())


Growth = Annotated[
    GrowthRate,
    BeforeValidator(_parse_growth_rate),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": f"growth: NUMBER%/UNIT, above -100% and ≤ {MAX_GROWTH_TEXT}",
            "examples": ["3%/month"],
        }
    ),
]

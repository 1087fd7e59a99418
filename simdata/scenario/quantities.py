"""Pydantic field types for the units grammar, so models say ``Seconds`` and not ``float``.

Each type parses the scenario text (``"2 h"``), stores the SI float, serialises back to
text that parses to the same float, and documents itself in the JSON Schema as a string
with an example. Bare numbers are refused where a unit is needed, with the right form.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from simdata.scenario.units import (
    format_duration,
    format_rate,
    parse_duration,
    parse_rate,
    parse_share,
)


def _non_negative_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds < 0:
        raise ValueError(f"expected a duration ≥ 0, got {value!r}")
    return seconds


def _positive_rate(value: object) -> float:
    rate = parse_rate(value)
    if rate <= 0:
        raise ValueError(f"expected a rate > 0 like '7.2/s', got {value!r}")
    return rate


def _real_number(value: object) -> float:
    """A YAML number (never a boolean, never text) as a finite float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _schema(pattern_doc: str, examples: list[Any]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": pattern_doc, "examples": examples})


#: Elapsed time ≥ 0 in float seconds; scenario text ``"30 s"``, ``"2 h"``, ``"1 month"``.
Seconds = Annotated[
    float,
    BeforeValidator(_non_negative_duration),
    PlainSerializer(format_duration, return_type=str),
    _schema("duration: NUMBER UNIT with UNIT in ms s min h d week month year", ["30 s", "2 h"]),
]

#: Events per second, > 0; scenario text ``"7.2/s"``, ``"1000/d"``.
RatePerS = Annotated[
    float,
    BeforeValidator(_positive_rate),
    PlainSerializer(format_rate, return_type=str),
    _schema("rate: NUMBER/UNIT with UNIT in ms s min h d week month year", ["7.2/s", "1000/d"]),
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

#: A plain finite number (YAML booleans refused, unlike pydantic's lax float).
Number = Annotated[float, BeforeValidator(_real_number)]

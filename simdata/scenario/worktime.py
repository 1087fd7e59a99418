"""Working time in scenario files: efforts, waits and SLAs measured in office hours.

A review that takes "2 h" takes two *working* hours; a sign-off wait of "3 workday" is three
working days. Fields of this kind store **working seconds**: any duration unit counts as
working time, and ``workday`` is the length of one day's office hours under the scenario's
own calendar (6.5 h with the default 09:00–12:00 and 14:00–17:30). Because that length
depends on another section, :class:`~simdata.scenario.models.Scenario` sets it for the
duration of its validation through :data:`WORKDAY_S`; outside a scenario the default
applies. The calendar turns working seconds into elapsed time where the model uses them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from simdata.scenario.distributions import (
    Constant,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)
from simdata.scenario.numerals import as_written, has_numeral, keep_text, numeral_error
from simdata.scenario.units import (
    DAY_S,
    HOUR_S,
    MAX_DURATION_S,
    MAX_DURATION_TEXT,
    MAX_RATE_PER_S,
    MAX_RATE_TEXT,
    MINUTE_S,
    WorkDuration,
    format_duration,
    parse_number_text,
    parse_span,
)

#: Office seconds per working day under the default office hours (09:00–12:00, 14:00–17:30).
DEFAULT_WORKDAY_S = 6.5 * HOUR_S

#: Working seconds in one ``workday`` for the scenario being validated.
WORKDAY_S: contextvars.ContextVar[float] = contextvars.ContextVar(
    "simdata_workday_s", default=DEFAULT_WORKDAY_S
)


@contextmanager
def workday_length(seconds: float) -> Iterator[None]:
    """Validate with ``1 workday`` = ``seconds`` working seconds."""
    token = WORKDAY_S.set(seconds)
    try:
        yield
    finally:
        WORKDAY_S.reset(token)


def parse_work_seconds(value: object) -> float:
    """A working-time span in working seconds (``"2 h"`` → 7200, ``"1 workday"`` → 23400)."""
    span = parse_span(value, allow_workday=True)
    seconds = span.workdays * WORKDAY_S.get() if isinstance(span, WorkDuration) else span
    if seconds < 0:
        raise ValueError(f"expected working time ≥ 0, got {value!r}")
    if seconds > MAX_DURATION_S:
        raise ValueError(f"expected working time ≤ {MAX_DURATION_TEXT}, got {value!r}")
    return seconds


def parse_work_rate(value: object) -> float:
    """A rate per working time (``"50/workday"``, ``"6/h"``) in events per working second."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"expected a rate like '50/workday' or '8/h', got {value!r}")
    count_text, _, per_text = value.partition("/")
    count = parse_number_text(count_text)
    if count is None and has_numeral(count_text):
        raise ValueError(numeral_error(value))
    if count is None:
        raise ValueError(f"expected a rate like '50/workday' or '8/h', got {value!r}")
    per_text = per_text.strip()
    span = parse_work_seconds(per_text if per_text[:1].isdigit() else f"1 {per_text}")
    if not count > 0 or not span > 0:
        raise ValueError(f"expected a rate > 0 like '50/workday', got {value!r}")
    rate = count / span
    if not rate <= MAX_RATE_PER_S:  # also refuses an overflow to infinity
        raise ValueError(f"expected a rate ≤ {MAX_RATE_TEXT} per working second, got {value!r}")
    return rate


#: Working time in [0, 100 year] in working seconds; scenario text ``"2 h"``, ``"3 workday"``.
WorkSeconds = Annotated[
    float,
    BeforeValidator(parse_work_seconds),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "working time: NUMBER UNIT with UNIT in ms s min h d week "
            f"workday; counted in office hours; 0 to {MAX_DURATION_TEXT}",
            "examples": ["2 h", "3 workday"],
        }
    ),
]


def _format_work_rate(rate: float) -> str:
    return f"{rate!r}/s"


#: Events per working second, > 0; scenario text ``"50/workday"``.
WorkRate = Annotated[
    float,
    keep_text(parse_work_rate),
    PlainSerializer(lambda v: as_written(v, _format_work_rate), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "rate per working time: NUMBER/UNIT, e.g. 50/workday; arrivals "
            f"happen in office hours only; > 0 and ≤ {MAX_RATE_TEXT}",
            "examples": ["50/workday", "6/h"],
        }
    ),
]


def office_day_seconds(office_hours: Any, always_open: Any = False) -> float:
    """Seconds of office time in one day from ``"HH:MM-HH:MM"`` strings (default if bad).

    With ``always_open`` (the calendar's switch, when it is literally ``True``) a whole
    day, 86,400 s.
    """
    if always_open is True:
        return DAY_S
    if not isinstance(office_hours, list) or not office_hours:
        return DEFAULT_WORKDAY_S
    total = 0.0
    for item in office_hours:
        if not isinstance(item, str) or "-" not in item:
            return DEFAULT_WORKDAY_S
        try:
            start, end = (_clock_s(part) for part in item.split("-", 1))
        except ValueError:
            return DEFAULT_WORKDAY_S
        total += max(end - start, 0.0)
    return total or DEFAULT_WORKDAY_S


def _clock_s(text: str) -> float:
    hours, _, minutes = text.strip().partition(":")
    return int(hours) * HOUR_S + int(minutes or 0) * MINUTE_S


def _work_distribution() -> Any:
    families = (
        Constant[WorkSeconds]
        | Exponential[WorkSeconds]
        | LogNormal[WorkSeconds]
        | Gamma[WorkSeconds]
        | Uniform[WorkSeconds]
        | Triangular[WorkSeconds]
        | Empirical[WorkSeconds]
    )
    return Annotated[families, Field(discriminator="dist")]


#: A distribution of working time (values in working seconds, never negative).
WorkDistribution = _work_distribution()

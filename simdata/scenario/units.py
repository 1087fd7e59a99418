"""The units grammar of scenario files: durations, working time, rates, growth, shares.

Inside simdata every quantity is SI: durations and times are float seconds, rates are per
second, shares are fractions in [0, 1]. Scenario files must say their units, because a bare
``30`` is ambiguous (seconds? days?) and planners copy numbers from documents that use
working days, months and percentages.

Grammar (whitespace between number and unit optional)::

    duration  := NUMBER UNIT            "30 s", "2.5 h", "1 month"
    workdays  := NUMBER "workday(s)"    kept as working time; the calendar converts it
    rate      := NUMBER "/" [NUMBER] UNIT   "7.2/s", "50/workday", "1000/d"
    growth    := NUMBER "%/" UNIT       "5%/month"
    share     := NUMBER in [0, 1] | NUMBER "%"

``month`` is 30.4375 d and ``year`` 365.25 d (Julian averages) wherever a span is not tied
to a date; run spans (``run.horizon``, ``run.warmup``) use calendar months and years when
``run.start_date`` is set.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from simdata.scenario.numerals import NUMERAL, has_numeral, numeral_error, parse_numeral

MINUTE_S = 60.0
HOUR_S = 3_600.0
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S

#: Number of equal-width time bins of the recorded time series (queue length, utilisation).
SERIES_BINS = 500

#: Seconds per unit. ``month`` and ``year`` are the Julian averages (see module docstring).
DURATION_UNITS: dict[str, float] = {
    "ms": 1e-3,
    "s": 1.0,
    "min": MINUTE_S,
    "h": HOUR_S,
    "d": DAY_S,
    "week": WEEK_S,
    "month": 30.4375 * DAY_S,
    "year": 365.25 * DAY_S,
}

_ALIASES: dict[str, str] = {
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
    "hour": "h",
    "hours": "h",
    "day": "d",
    "days": "d",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "workdays": "workday",
    "工作日": "workday",
}

WORKDAY_UNIT = "workday"

YEAR_S = DURATION_UNITS["year"]
MONTH_S = DURATION_UNITS["month"]

# --- bounds every scenario field of a kind obeys ------------------------------------------
# Far beyond any real plan, yet small enough that a run stays finite: times stay exact
# float seconds, rates times spans stay countable, compounding stays representable.

#: Longest duration (or working time) any field takes: 100 years.
MAX_DURATION_S = 100 * YEAR_S
MAX_DURATION_TEXT = "100 year"
#: Highest rate any field takes, per (working) second.
MAX_RATE_PER_S = 1e9
MAX_RATE_TEXT = "1e9/s"
#: Fastest growth a field takes, as a continuous rate: 1000 %/month (×11 a month).
MAX_GROWTH_PER_S = math.log(11.0) / MONTH_S
MAX_GROWTH_TEXT = "1000%/month"
#: Most a growing (or declining) rate may change over a run's warm-up plus horizon.
MAX_GROWTH_FACTOR = 1e9
#: Largest magnitude of a plain number (exact as an integer in float64, and within what
#: numpy's Poisson sampler accepts).
MAX_NUMBER = 1e15
MAX_NUMBER_TEXT = "1e15"

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
#: A number with an optional Chinese multiplier (``10万``): simdata/scenario/numerals.py.
_NUMBER_X = rf"{_NUMBER}\s*{NUMERAL}?"
_UNIT = r"(?:[A-Za-z]+|工作日)"
_NUMBER_RE = re.compile(rf"^\s*{_NUMBER}\s*$")
_QUANTITY_RE = re.compile(rf"^\s*(?P<num>{_NUMBER_X})\s*(?P<unit>{_UNIT})\s*$")
_RATE_RE = re.compile(
    rf"^\s*(?P<num>{_NUMBER_X})\s*/\s*(?P<per>{_NUMBER})?\s*(?P<unit>{_UNIT})\s*$"
)
_GROWTH_RE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*%\s*/\s*(?P<unit>[A-Za-z]+)\s*$")
_PERCENT_RE = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*%\s*$")

DURATION_EXAMPLE = "'30 s', '2 h' or '1.5 d'"
RATE_EXAMPLE = "'7.2/s', '1000/d' or '4/month'"


class UnitError(ValueError):
    """A quantity string does not follow the units grammar; the message says what would."""


def _canonical_unit(unit: str) -> str:
    return _ALIASES.get(unit, unit)


def _known_units(allow_workday: bool) -> str:
    units = list(DURATION_UNITS)
    if allow_workday:
        units.append(WORKDAY_UNIT)
    return ", ".join(units)


@dataclass(frozen=True, slots=True)
class WorkDuration:
    """A span of working time (``3 workday``), converted to elapsed time by the calendar."""

    workdays: float

    def __str__(self) -> str:
        return f"{_format_number(self.workdays)} workday"


def _format_number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` (integers without ``.0``)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def parse_number_text(text: str) -> float | None:
    """``text`` as a decimal number of the grammar (``1.5``, ``1e3``), else None.

    Python's ``float()`` also reads ``inf``, ``nan`` and ``1_000``; scenario text must not.
    A Chinese multiplier is read (``"10万"`` → 100000.0; see :mod:`.numerals`).
    """
    if has_numeral(text):
        return parse_numeral(text)
    if _NUMBER_RE.match(text) is None:
        return None
    return float(text)


def _matched_number(match: re.Match[str] | None, value: str) -> float | None:
    """The number a quantity match starts with (its multiplier applied); refuses a
    misplaced or repeated multiplier (``1亿亿``, ``万``) with the numeral's message."""
    if match is None:
        head = re.sub(rf"\s*{_UNIT}\s*$", "", value.split("/", 1)[0])
        if has_numeral(head) and parse_numeral(head) is None:
            raise UnitError(numeral_error(value))
        return None
    return parse_number_text(match["num"])


def _require_text(value: object, what: str, example: str) -> str:
    """The quantity text, or a message that shows the right form (bare numbers refused)."""
    if isinstance(value, bool):
        raise UnitError(f"expected {what} like {example}, got {value!r} (a boolean)")
    if isinstance(value, int | float):
        raise UnitError(f"expected {what} with a unit, like {example}, got {value!r}")
    if not isinstance(value, str):
        raise UnitError(f"expected {what} like {example}, got {value!r}")
    return value


def parse_span(value: object, *, allow_workday: bool = False) -> float | WorkDuration:
    """Parse a duration; ``workday`` spans come back as :class:`WorkDuration` if allowed."""
    value = _require_text(value, "a duration", DURATION_EXAMPLE)
    match = _QUANTITY_RE.match(value)
    number = _matched_number(match, value)
    if match is None or number is None:
        raise UnitError(f"expected a duration like {DURATION_EXAMPLE}, got {value!r}")
    unit = _canonical_unit(match["unit"])
    if not math.isfinite(number):
        raise UnitError(f"expected a finite duration, got {value!r}")
    if unit == WORKDAY_UNIT:
        if not allow_workday:
            raise UnitError(
                f"expected elapsed time (units {_known_units(False)}); working time "
                f"needs the calendar, which this field does not use, got {value!r}"
            )
        return WorkDuration(number)
    if unit not in DURATION_UNITS:
        raise UnitError(
            f"expected a duration unit among {_known_units(allow_workday)}, got {value!r}"
        )
    seconds = number * DURATION_UNITS[unit]
    if not math.isfinite(seconds):
        raise UnitError(f"expected a finite duration, got {value!r} (too large in seconds)")
    return seconds


def parse_duration(value: object) -> float:
    """Parse an elapsed duration into float seconds (``"2 h"`` → 7200.0)."""
    seconds = parse_span(value, allow_workday=False)
    if isinstance(seconds, WorkDuration):  # unreachable: workday refused above
        raise UnitError(f"expected elapsed time, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """Seconds as duration text that :func:`parse_duration` reads back exactly."""
    return f"{_format_number(seconds)} s"


def parse_rate(value: object) -> float:
    """Parse a rate ``N/<unit>`` or ``N/<k><unit>`` into events per second."""
    value = _require_text(value, "a rate", RATE_EXAMPLE)
    match = _RATE_RE.match(value)
    count = _matched_number(match, value)
    if match is None or count is None:
        raise UnitError(f"expected a rate like {RATE_EXAMPLE}, got {value!r}")
    unit = _canonical_unit(match["unit"])
    if unit == WORKDAY_UNIT:
        raise UnitError(
            f"expected a rate per elapsed time (units {_known_units(False)}); rates per "
            f"workday need the calendar, which this field does not use, got {value!r}"
        )
    if unit not in DURATION_UNITS:
        raise UnitError(f"expected a rate unit among {_known_units(False)}, got {value!r}")
    per = float(match["per"]) if match["per"] else 1.0
    span = per * DURATION_UNITS[unit]
    if span <= 0:
        raise UnitError(f"expected a rate over a positive span, got {value!r}")
    rate = count / span
    if not math.isfinite(rate):
        raise UnitError(f"expected a finite rate, got {value!r} (too large per second)")
    return rate


def format_rate(rate_per_s: float) -> str:
    """A rate per second as text that :func:`parse_rate` reads back exactly."""
    return f"{_format_number(rate_per_s)}/s"


def parse_growth(value: object) -> float:
    """Parse a growth ``"5%/month"`` into a continuous rate per second (log-growth).

    ``x%/unit`` means the quantity is multiplied by ``1 + x/100`` each ``unit``; the
    returned ``g`` satisfies ``exp(g · unit_s) = 1 + x/100``.
    """
    example = "'5%/month'"
    value = _require_text(value, "a growth", example)
    match = _GROWTH_RE.match(value)
    if match is None:
        raise UnitError(f"expected a growth like {example}, got {value!r}")
    unit = _canonical_unit(match["unit"])
    if unit not in DURATION_UNITS:
        raise UnitError(f"expected a growth per unit among {_known_units(False)}, got {value!r}")
    factor = 1.0 + float(match["num"]) / 100.0
    if not math.isfinite(factor):
        raise UnitError(f"expected a finite growth, got {value!r}")
    if factor <= 0:
        raise UnitError(f"expected a growth above -100%, got {value!r}")
    return math.log(factor) / DURATION_UNITS[unit]


def parse_share(value: object) -> float:
    """Parse a share ``0.9`` or ``"90%"`` into a fraction in [0, 1]."""
    if isinstance(value, bool):
        raise UnitError(f"expected a share like 0.9 or '90%', got {value!r} (a boolean)")
    if isinstance(value, int | float):
        share = float(value)
    elif isinstance(value, str):
        match = _PERCENT_RE.match(value)
        if match is not None:
            share = float(match["num"]) / 100.0
        else:
            number = parse_number_text(value)
            if number is None:
                raise UnitError(f"expected a share like 0.9 or '90%', got {value!r}")
            share = number
    else:
        raise UnitError(f"expected a share like 0.9 or '90%', got {value!r}")
    if not 0.0 <= share <= 1.0:
        raise UnitError(f"expected a share between 0 and 1 (0% to 100%), got {value!r}")
    return share


def parse_quantity(value: object) -> tuple[float, str]:
    """Parse a number of any dimension by its form: ``(value_si, dimension)``.

    Used for target values, whose dimension comes from the KPI they judge: ``"1.2 s"`` →
    (1.2, ``"s"``), ``"7/s"`` → (7.0, ``"1/s"``), ``"90%"`` → (0.9, ``"fraction"``),
    ``12`` → (12.0, ``"number"``), ``"1.5亿"`` → (150000000.0, ``"number"``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UnitError(f"expected a number or a quantity like '1.2 s', got {value!r}")
    if isinstance(value, str):
        if _PERCENT_RE.match(value):
            return parse_share(value), "fraction"
        if "/" in value:
            return parse_rate(value), "1/s"
        if _QUANTITY_RE.match(value):
            return parse_duration(value), "s"
    try:
        number = parse_number_text(value) if isinstance(value, str) else float(value)
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if number is None and has_numeral(value):
        raise UnitError(numeral_error(str(value)))
    if number is None:
        raise UnitError(
            f"expected a number or a quantity like '1.2 s', '7/s' or '90%', got {value!r}"
        )
    if not math.isfinite(number):
        raise UnitError(f"expected a finite number, got {value!r}")
    return number, "number"

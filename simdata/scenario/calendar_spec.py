"""The scenario section ``calendar``: which days are worked and when the office is open.

Public-data requests are handled by people, so their service clock stops at night, at
weekends and over statutory holidays, and runs on adjusted Saturdays or Sundays (调休). The
statutory schedule comes from the ``chinese-calendar`` package for the years it covers; this
section lets a planner type in the announced schedule for later years (or override it) and
set the office hours. :class:`simdata.model.calendar.WorkCalendar` turns it into a clock.

``always_open: true`` switches office hours off: every day is a working day and the office
never closes, so working time *is* elapsed time (one ``workday`` = 24 h). That is the
setting for validating the model against queueing theory and for 24/7 services.

Office hours are written ``"HH:MM-HH:MM"`` and should be quoted: YAML 1.1 reads an unquoted
``10:00`` as the base-60 integer 600, which is refused here with a message that says so.

Dates anywhere in a scenario (``run.start_date``, holidays, a subsidy's deadline) are read by
:func:`as_date`, between :data:`FIRST_DATE` and :data:`LAST_DATE`.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import re
from typing import Annotated, Any, Self

from pydantic import (
    BeforeValidator,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_serializer,
    model_validator,
)

from simdata.scenario.section import Section
from simdata.scenario.units import DAY_S, MINUTE_S

DAY_MINUTES = 24 * 60

#: Dates a scenario may name: the calendar arithmetic of a 100-year run stays in range.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def as_date(value: Any) -> dt.date:
    """``value`` as a calendar date: a date, midnight datetime or ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time() and value.tzinfo is None:
            value = value.date()
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        with contextlib.suppress(ValueError):  # 2026-02-30: refused below as not a date
            value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(f"expected a date from {FIRST_DATE} to {LAST_DATE}, got {value}")
        return value
    raise ValueError(f"expected a date like 2026-01-01, got {value!r}")


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus ``months`` calendar months (day clipped to the month's length)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


_INTERVAL_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_INTERVAL_FORM = '"HH:MM-HH:MM"'


def parse_office_interval(value: object) -> tuple[int, int]:
    """``"09:00-12:00"`` → (540, 720): opening and closing minute after midnight.

    Refuses non-text (YAML's base-60 integers), times outside 00:00–24:00 and empty or
    reversed intervals, each with an "expected …, got …" message.
    """
    if not isinstance(value, str):
        raise ValueError(f"expected a quoted {_INTERVAL_FORM} string, got {value!r}")
    match = _INTERVAL_RE.match(value)
    if match is None:
        raise ValueError(f"expected an interval like {_INTERVAL_FORM}, got {value!r}")
    h0, m0, h1, m1 = (int(part) for part in match.groups())
    start, end = h0 * 60 + m0, h1 * 60 + m1
    if m0 > 59 or m1 > 59 or start > DAY_MINUTES or end > DAY_MINUTES:
        raise ValueError(f"expected times between 00:00 and 24:00, got {value!r}")
    if end <= start:
        raise ValueError(f"expected an interval that ends after it starts, got {value!r}")
    return start, end


def _office_interval(value: object) -> str:
    """A validated interval, kept as written (without surrounding blanks)."""
    parse_office_interval(value)
    assert isinstance(value, str)  # checked by parse_office_interval
    return value.strip()


#: A calendar date: YAML's unquoted date or quoted ISO text ``"2027-10-01"``.
CalendarDate = Annotated[dt.date, BeforeValidator(as_date)]

#: Longest range of days one ``FIRST..LAST`` entry may span (a year and a day).
MAX_RANGE_DAYS = 366
RANGE_SEPARATOR = ".."


def expand_days(value: Any) -> list[dt.date]:
    """One ``holidays``/``extra_workdays`` entry as its days: a date, or an inclusive range
    ``"2027-02-05..2027-02-11"`` of at most :data:`MAX_RANGE_DAYS` days."""
    if isinstance(value, str) and RANGE_SEPARATOR in value:
        first_text, _, last_text = value.partition(RANGE_SEPARATOR)
        try:
            first, last = as_date(first_text), as_date(last_text)
        except ValueError:
            raise ValueError(
                f"expected a date or a range like 2027-02-05..2027-02-11, got {value!r}"
            ) from None
        if last < first:
            raise ValueError(
                f"expected a range whose last day is not before its first, got {value!r}"
            )
        days = (last - first).days + 1
        if days > MAX_RANGE_DAYS:
            raise ValueError(f"expected a range of at most {MAX_RANGE_DAYS} days, got {days} days")
        return [first + dt.timedelta(days=k) for k in range(days)]
    return [as_date(value)]


def _expand_lists(data: Any) -> Any:
    """``holidays`` and ``extra_workdays`` with ranges expanded to days, errors naming the
    entry as written (its index in the file)."""
    if not isinstance(data, dict):
        return data
    resolved = dict(data)
    for key in ("holidays", "extra_workdays"):
        entries = data.get(key)
        if not isinstance(entries, list):
            continue
        days: list[dt.date] = []
        for index, entry in enumerate(entries):
            try:
                days.extend(expand_days(entry))
            except ValueError as error:
                raise ValueError(f"{key}.{index}: {error}") from None
        resolved[key] = days
    off = set(resolved.get("holidays") or []) if isinstance(data.get("holidays"), list) else set()
    entries = data.get("extra_workdays")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        clash = sorted(off.intersection(expand_days(entry)))
        if clash:
            raise ValueError(
                f"extra_workdays.{index}: expected a date not also in holidays, got "
                f"{clash[0].isoformat()}"
            )
    return resolved


def _holiday_paths(value: Any) -> Any:
    """A holiday file's path or a list of them (read and inlined by the loader)."""
    return value


def _days_schema(example: list[str]) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "array",
            "items": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$",
            },
            "examples": [example],
        }
    )


#: One office interval ``"HH:MM-HH:MM"`` of a working day.
OfficeInterval = Annotated[str, BeforeValidator(_office_interval)]


class CalendarSpec(Section):
    """Working days and office hours, for service times written in working time."""

    holidays: Annotated[
        list[CalendarDate], _days_schema(["2027-01-01", "2027-02-05..2027-02-11"])
    ] = Field(
        default_factory=list,
        description="Extra non-working days, overriding chinese-calendar: days or inclusive "
        "ranges `FIRST..LAST`. Type in the announced schedule for years the package does "
        "not cover (it covers 2004–2026) and declare them in `covered_years`, or correct it. "
        "Written back as single days.",
    )
    extra_workdays: Annotated[list[CalendarDate], _days_schema(["2027-02-14"])] = Field(
        default_factory=list,
        description="Adjusted working days (调休), e.g. a Saturday that is worked; days or "
        "ranges `FIRST..LAST`; override chinese-calendar. A date may not also be in "
        "`holidays`.",
    )
    covered_years: list[Annotated[StrictInt, Field(ge=FIRST_DATE.year, le=LAST_DATE.year)]] = Field(
        default_factory=list,
        description="Years whose holidays and 调休 days the scenario lists completely "
        "(beyond chinese-calendar's years). A simulated year neither the package nor "
        "this list covers is assumed Monday–Friday, with a warning from `simdata "
        "validate` and the run; listing a few days of a year does not cover it.",
        examples=[[2027]],
    )
    holiday_file: Annotated[StrictStr | list[StrictStr] | None, BeforeValidator(_holiday_paths)] = (
        Field(
            default=None,
            description="A year's schedule in a small YAML file (path relative to the scenario "
            "file; format: scenarios/calendars/TEMPLATE.yaml), or a list of them. The loader "
            "adds its days to `holidays`/`extra_workdays` and its year to `covered_years`, so "
            "the resolved scenario.yaml holds them and the run directory stays self-contained.",
            examples=["calendars/2027.yaml"],
        )
    )
    office_hours: list[OfficeInterval] = Field(
        default_factory=lambda: ["09:00-12:00", "14:00-17:30"],
        description='Office intervals of every working day, each a quoted "HH:MM-HH:MM" '
        "(24:00 allowed as an end), ascending and not overlapping. Their total is one "
        "`workday` of working time (6.5 h by default).",
        examples=[["08:30-12:00", "13:30-17:00"]],
    )

    always_open: bool = Field(
        default=False,
        description="Every day is a working day and offices never close (working time = "
        "elapsed time, one `workday` = 24 h): for validating against queueing theory and "
        "for 24/7 services. `holidays`, `extra_workdays` and `office_hours` are then ignored.",
    )

    @model_validator(mode="before")
    @classmethod
    def _ranges(cls, data: Any) -> Any:
        return _expand_lists(data)

    @model_serializer(mode="wrap")
    def _without_empty_additions(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The file is inlined by the loader; an empty `covered_years` is left out, so a
        resolved scenario without them reads (and hashes) as before they existed."""
        data: dict[str, Any] = handler(self)
        data.pop("holiday_file", None)
        if not self.covered_years:
            data.pop("covered_years", None)
        return data

    @model_validator(mode="after")
    def _check_lists(self) -> Self:
        if self.holiday_file is not None:
            raise ValueError(
                "holiday_file: expected the scenario loader to read it (load the scenario "
                "from its file, e.g. simdata.load_scenario), got a path left unread"
            )
        if not self.office_hours:
            raise ValueError(
                f"office_hours: expected at least one {_INTERVAL_FORM} interval, got none"
            )
        previous_end = -1
        for index, text in enumerate(self.office_hours):
            start, end = parse_office_interval(text)
            if start < previous_end:
                raise ValueError(
                    f"office_hours.{index}: expected intervals ascending and not "
                    f"overlapping, got {text!r} after {self.office_hours[index - 1]!r}"
                )
            previous_end = end
        holidays = set(self.holidays)
        for index, day in enumerate(self.extra_workdays):
            if day in holidays:
                raise ValueError(
                    f"extra_workdays.{index}: expected a date not also in holidays, "
                    f"got {day.isoformat()}"
                )
        return self

    def office_intervals_s(self) -> list[tuple[float, float]]:
        """Office intervals as (open, close) seconds after midnight, in order.

        With ``always_open`` the whole day, ``[(0, 86400)]``.
        """
        if self.always_open:
            return [(0.0, DAY_S)]
        intervals = (parse_office_interval(text) for text in self.office_hours)
        return [(start * MINUTE_S, end * MINUTE_S) for start, end in intervals]

    def workday_s(self) -> float:
        """Office seconds in one working day: the length of one ``workday``."""
        return sum(end - start for start, end in self.office_intervals_s())

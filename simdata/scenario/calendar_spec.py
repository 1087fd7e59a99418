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

from pydantic import BeforeValidator, Field, model_validator

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

#: One office interval ``"HH:MM-HH:MM"`` of a working day.
OfficeInterval = Annotated[str, BeforeValidator(_office_interval)]


class CalendarSpec(Section):
    """Working days and office hours, for service times written in working time."""

    holidays: list[CalendarDate] = Field(
        default_factory=list,
        description="Extra non-working days, overriding chinese-calendar: type in the "
        "announced schedule for years the package does not cover (it covers 2004–2026), "
        "or correct it.",
        examples=[["2027-01-01", "2027-10-01"]],
    )
    extra_workdays: list[CalendarDate] = Field(
        default_factory=list,
        description="Adjusted working days (调休), e.g. a Saturday that is worked; "
        "override chinese-calendar. A date may not also be in `holidays`.",
        examples=[["2027-09-26"]],
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

    @model_validator(mode="after")
    def _check_lists(self) -> Self:
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

"""Scenario section ``subsidy``: Zhanjiang's identifier subsidy rule [004:70].

An enterprise on the local secondary node qualifies with ≥ 100,000 registered identifiers,
≥ 1,000 resolutions a day on average and ≥ 1 innovative application case, all together,
valid until 2025-12-31 [004:98]. :mod:`simdata.model.identifiers.subsidy` judges it.

The averaging window is written as a subsidy office would state it: ``30 d`` (the trailing
calendar days, today's included), ``20 workday`` (the last 20 working days, weekends and
holidays left out) or ``1 year`` (365 calendar days). Applications are judged every day
(``judge_at: daily``) or on listed application dates (e.g. each quarter's end).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from simdata.scenario.calendar_spec import CalendarDate, as_date
from simdata.scenario.identifiers.enterprises import MAX_CASES, MAX_IDENTIFIERS
from simdata.scenario.numerals import Count
from simdata.scenario.quantities import Number
from simdata.scenario.section import Section
from simdata.scenario.units import DAY_S, WorkDuration, parse_span

#: Calendar days of ``1 year`` in a window: a subsidy office's year is 365 days, not the
#: Julian 365.25 d of elapsed-time fields.
WINDOW_YEAR_DAYS = 365
_YEAR_UNIT = re.compile(r"years?\s*$")
WINDOW_EXAMPLE = "'30 d', '20 workday' or '1 year'"


@dataclass(frozen=True)
class SubsidyWindow:
    """The span a daily average is taken over: ``count`` calendar days (``unit = "d"``) or
    ``count`` working days (``unit = "workday"``), written back as ``text``."""

    count: int
    unit: Literal["d", "workday"]
    text: str

    @property
    def calendar_days(self) -> int:
        """Calendar days the window spans: ``count`` for days; about 7/5 of ``count`` for
        working days (more across holidays), for plots and the check against the run."""
        return self.count if self.unit == "d" else math.ceil(self.count * 7 / 5)

    def __str__(self) -> str:
        return self.text


def parse_window(value: object) -> SubsidyWindow:
    """``"30 d"`` / ``"1 week"`` / ``"20 workday"`` / ``"1 year"`` (365 d) → a window of a
    whole number ≥ 1 of calendar or working days."""
    if isinstance(value, SubsidyWindow):
        return value
    span = parse_span(value, allow_workday=True)
    text = str(value).strip()
    if isinstance(span, WorkDuration):
        count = span.workdays
        if not (count >= 1 and count == math.floor(count)):
            raise ValueError(
                f"expected a whole number of working days ≥ 1 like '20 workday', got {text!r}"
            )
        return SubsidyWindow(int(count), "workday", text)
    days = span / DAY_S
    if _YEAR_UNIT.search(text):
        days = span / (365.25 * DAY_S) * WINDOW_YEAR_DAYS
    if not (days >= 1 and days == math.floor(days)):
        raise ValueError(
            f"expected a whole number of days ≥ 1 like {WINDOW_EXAMPLE}, got {days:g} d"
        )
    return SubsidyWindow(int(days), "d", text)


#: The averaging window of the subsidy rule (see :class:`SubsidyWindow`).
Window = Annotated[
    SubsidyWindow,
    BeforeValidator(parse_window),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "averaging window: N d (trailing calendar days, today's "
            "included), N workday (the last N working days) or N year (365 d each); a whole "
            "number ≥ 1",
            "examples": ["30 d", "20 workday", "1 year"],
        }
    ),
]


def parse_judge_at(value: Any) -> Any:
    """``daily`` or a non-empty list of dates (one message for a bad date, not one per
    member of the union)."""
    if isinstance(value, str) and value.strip() == "daily":
        return "daily"
    if not isinstance(value, list):
        raise ValueError(
            f"expected 'daily' or a list of application dates like [2025-03-31], got {value!r}"
        )
    if not value:
        raise ValueError("expected 'daily' or at least one application date, got []")
    dates = []
    for index, item in enumerate(value):
        try:
            dates.append(as_date(item))
        except ValueError as error:
            raise ValueError(f"application date {index + 1}: {error}") from None
    return dates


#: When applications are judged: every day, or on listed application dates.
JudgeAt = Annotated[Literal["daily"] | list[dt.date], BeforeValidator(parse_judge_at)]


class SubsidySpec(Section):
    """Zhanjiang's subsidy rule [004:70], judged per enterprise: all three conditions on the
    same day — every day, or on each application date — by the deadline [004:98]."""

    min_registrations: Count = Field(
        default=100_000,
        ge=0,
        le=MAX_IDENTIFIERS,
        description="Identifiers registered in total (0 to 10^12; S [004:70]: ≥ 10万).",
    )
    min_daily_resolutions: Number = Field(
        default=1000.0,
        ge=0,
        description="Resolutions a day on average over `window` (S [004:70]: ≥ 1000).",
    )
    min_cases: StrictInt = Field(
        default=1,
        ge=0,
        le=MAX_CASES,
        description="Innovative application cases (0 to 10^9; S [004:70]: ≥ 1).",
    )
    window: Window = Field(
        default_factory=lambda: parse_window("30 d"),
        description="What the daily average is taken over (A: 30 d; the document does not "
        "say): `N d` = the sum of the N calendar days ending on the judged day (inclusive) "
        "÷ N; `N workday` = the mean over the last N working days up to the judged day "
        "(weekends and holidays left out, the run's calendar); `1 year` = 365 d. Judged "
        "only once the enterprise has the whole window on the node, counted from its "
        "joining day. At most the run's length.",
        examples=["30 d", "20 workday", "1 year"],
    )
    judge_at: JudgeAt = Field(
        default="daily",
        description="When applications are judged: `daily` (an enterprise qualifies on "
        "the first day all three conditions hold) or a list of application dates on or "
        "before the deadline, e.g. each quarter's end (it qualifies on the first listed "
        "date on which all three hold).",
        examples=["daily", ["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]],
    )
    deadline: CalendarDate = Field(
        default=dt.date(2025, 12, 31),
        description="Last day an enterprise can qualify (S [004:98]: valid to 2025-12-31); "
        "within the run (on or after run.start_date, on or before its last day).",
    )
    amount: Number | None = Field(
        default=None,
        ge=0,
        description="Subsidy per qualifying enterprise in 元 (the document does not say); "
        "the outlay (`subsidy.outlay`, and per year of qualifying `@year=YYYY`) is reported "
        "only when given.",
    )

    @model_validator(mode="after")
    def _dates_by_deadline(self) -> Self:
        dates = self.application_dates
        if dates is None:
            return self
        if len(set(dates)) != len(dates) or dates != sorted(dates):
            raise ValueError(
                f"judge_at: expected application dates in increasing order, each once, got "
                f"{', '.join(map(str, dates))}"
            )
        if dates[-1] > self.deadline:
            raise ValueError(
                f"judge_at: expected application dates on or before the deadline "
                f"({self.deadline}), got {dates[-1]}"
            )
        return self

    @property
    def application_dates(self) -> list[dt.date] | None:
        """The listed application dates, or None when judged daily."""
        return None if isinstance(self.judge_at, str) else list(self.judge_at)

    @property
    def last_judgement(self) -> dt.date:
        """The last day an application is judged: the deadline, or the last listed date."""
        dates = self.application_dates
        return self.deadline if dates is None else dates[-1]

    @property
    def window_days(self) -> int:
        """Calendar days the averaging window spans (about, for working days)."""
        return self.window.calendar_days


def check_deadline(
    spec: SubsidySpec, start_date: dt.date | None, horizon_s: float | None = None
) -> None:
    """The rule against the run (a scenario-level check, one line naming the field): the
    deadline and application dates lie within the simulated days, and the window is no
    longer than the run — otherwise the rule would be judged silently at the horizon."""
    if start_date is None:
        return
    if spec.deadline < start_date:
        raise ValueError(
            f"deadline: expected a date on or after run.start_date ({start_date}), "
            f"got {spec.deadline}"
        )
    dates = spec.application_dates
    if dates is not None and dates[0] < start_date:
        raise ValueError(
            f"judge_at: expected application dates on or after run.start_date ({start_date}), "
            f"got {dates[0]}"
        )
    if horizon_s is None:
        return
    run_days = max(math.ceil(horizon_s / DAY_S - 1e-9), 1)
    last_day = start_date + dt.timedelta(days=run_days - 1)
    if spec.deadline > last_day:
        raise ValueError(
            f"deadline: expected a date on or before the run's last day ({last_day}; "
            f"lengthen run.end_date or move the deadline), got {spec.deadline}"
        )
    window = spec.window
    # Working days of the run, Monday to Friday (statutory holidays make it a few fewer).
    room = (
        run_days
        if window.unit == "d"
        else int(np.busday_count(start_date, last_day + dt.timedelta(days=1)))
    )
    if window.count > room:
        unit = "days" if window.unit == "d" else "working days (Monday–Friday)"
        raise ValueError(f"window: expected at most the run's {room} {unit}, got {window.text}")

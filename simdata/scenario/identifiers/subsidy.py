"""Scenario section ``subsidy``: Zhanjiang's identifier subsidy rule [004:70].

An enterprise on the local secondary node qualifies with ≥ 100,000 registered identifiers,
≥ 1,000 resolutions a day on average and ≥ 1 innovative application case, all together,
valid until 2025-12-31 [004:98]. :mod:`simdata.model.identifiers.subsidy` judges it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Self

from pydantic import Field, StrictInt, model_validator

from simdata.scenario.calendar_spec import CalendarDate
from simdata.scenario.identifiers.enterprises import MAX_CASES, MAX_IDENTIFIERS
from simdata.scenario.quantities import Number, Seconds
from simdata.scenario.section import Section
from simdata.scenario.units import DAY_S, parse_duration


def _default_window() -> float:
    return parse_duration("30 d")


class SubsidySpec(Section):
    """Zhanjiang's subsidy rule [004:70], judged per enterprise per day: all three
    conditions on the same day, by the deadline [004:98]."""

    min_registrations: StrictInt = Field(
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
    window: Seconds = Field(
        default_factory=_default_window,
        description="Days the daily average is taken over, a whole number of days ≥ 1 "
        "(A: 30 d; the document does not say). The average is judged only once the "
        "enterprise has that many days on the node.",
        examples=["30 d", "10 d"],
    )
    deadline: CalendarDate = Field(
        default=dt.date(2025, 12, 31),
        description="Last day an enterprise can qualify (S [004:98]: valid to 2025-12-31).",
    )
    amount: Number | None = Field(
        default=None,
        ge=0,
        description="Subsidy per qualifying enterprise in 元 (the document does not say); "
        "the outlay is reported only when given.",
    )

    @model_validator(mode="after")
    def _whole_days(self) -> Self:
        days = self.window / DAY_S
        if not (days >= 1 and days == math.floor(days)):
            raise ValueError(
                f"window: expected a whole number of days ≥ 1 like '30 d', got {days:g} d"
            )
        return self

    @property
    def window_days(self) -> int:
        """The averaging window in days."""
        return round(self.window / DAY_S)


def check_deadline(spec: SubsidySpec, start_date: dt.date | None) -> None:
    """Refuse a deadline before ``run.start_date`` (a scenario-level check, one line)."""
    if start_date is not None and spec.deadline < start_date:
        raise ValueError(
            f"deadline: expected a date on or after run.start_date ({start_date}), "
            f"got {spec.deadline}"
        )

"""The scenario section ``capacity``: the design day a capacity search scales.

With enterprises, the node's traffic is generated day by day, and ``simdata capacity``
scales one day's traffic to find the load the node carries within its SLA. Which day
matters little for the *amount* (the search scales it) but a lot for the *mix*: a
registration write costs 5 ms against 0.4 ms for a cached resolution, and whether a weekly
registration batch happened to land on one day moved Zhanjiang's write share from 11 % to
34 % and its capacity's CI to [30, 1234]/s (issue 12). So the load is a stated design day:

* ``design_day`` — ``busiest`` (the default: the day with the most requests among the last
  ``mix_days`` days of the run), ``final`` (the run's last day) or a date ``YYYY-MM-DD``
  within the run;
* ``mix_days`` — the window the write share is averaged over: the ``mix_days`` days ending
  on the run's last day (``busiest``, ``final``) or on the given date, counting only the
  days of the design day's type (weekday, weekend or holiday: batches land on workdays, so
  a weekend in the average would understate a workday's writes).

``design_day: final`` with ``mix_days: 1`` is the profile used before 2026-12. A scenario
without enterprises is searched over its own run window and takes no ``capacity`` section.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictInt

from simdata.scenario.calendar_spec import as_date
from simdata.scenario.section import Section
from simdata.scenario.units import DAY_S

#: Longest mix window: a year (an older mix is not the node's load today).
MAX_MIX_DAYS = 366
DesignDayRule = Literal["busiest", "final"]
_EXPECTED = "expected busiest, final or a date YYYY-MM-DD within the run"


def parse_design_day(value: Any) -> Any:
    """``busiest``/``final`` as written; any other text, or a YAML date, as a date."""
    if isinstance(value, str) and value.strip() in ("busiest", "final"):
        return value.strip()
    try:
        return as_date(value)
    except ValueError:
        raise ValueError(f"{_EXPECTED}, got {value!r}") from None


DesignDay = Annotated[DesignDayRule | dt.date, BeforeValidator(parse_design_day)]


class CapacitySpec(Section):
    """The design day a capacity search scales (scenarios with enterprises)."""

    design_day: DesignDay = Field(
        default="busiest",
        description="The day whose traffic `simdata capacity` scales: `busiest` (most "
        "requests among the last `mix_days` days), `final` (the run's last day) or a date "
        "`YYYY-MM-DD` within the run.",
        examples=["busiest", "final", "2025-12-15"],
    )
    mix_days: StrictInt = Field(
        default=30,
        ge=1,
        le=MAX_MIX_DAYS,
        description="Days (1 to 366) the write share is averaged over, ending on the run's "
        "last day (or on the date given as `design_day`); only days of the design day's "
        "type (weekday, weekend, holiday) count.",
    )

    def describe(self) -> str:
        """The rule in words, e.g. ``busiest of the last 30 days``."""
        if self.design_day == "busiest":
            return f"busiest of the last {self.mix_days} days"
        return "final day" if self.design_day == "final" else f"{self.design_day}"


def check_design_day(spec: CapacitySpec, start: dt.date | None, horizon_s: float) -> None:
    """A dated design day lies within the measured run ``[start, start + horizon)``.

    Raises ``ValueError("capacity.design_day: expected …")`` (the loader turns the prefix
    into the field's path and line).
    """
    day = spec.design_day
    if not isinstance(day, dt.date):
        return
    if start is None:
        raise ValueError(f"capacity.design_day: {_EXPECTED} (the run has no start_date), got {day}")
    last = last_run_day(start, horizon_s)
    if not start <= day <= last:
        raise ValueError(f"capacity.design_day: {_EXPECTED} ({start} to {last}), got {day}")


def last_run_day(start: dt.date, horizon_s: float) -> dt.date:
    """The last calendar day a dated run measures (its horizon may end mid-day)."""
    return start + dt.timedelta(days=max(math.ceil(horizon_s / DAY_S), 1) - 1)

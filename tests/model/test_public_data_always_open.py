"""Office hours switched off (``calendar.always_open``): the working clock is elapsed time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simdata
from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.worktime import office_day_seconds

pytestmark = pytest.mark.unit

DAY_S = 86_400.0
START = dt.date(2026, 1, 1)
FIRST_S = -10 * DAY_S

SCENARIO = """\
name: open-all-day
run: {start_date: 2026-01-01, horizon: 3 d, seed: 1}
calendar: {always_open: true}
catalogue: {departments: 1, datasets: 10}
requesters:
  groups:
    - {name: gov, kind: government, rate: 24/workday, channel: sharing}
policy:
  sla: 2 workday
  review_effort: {dist: constant, value: 0.5 workday}
"""


def always_open() -> WorkCalendar:
    return WorkCalendar(CalendarSpec(always_open=True), START, FIRST_S, 30 * DAY_S)


def test_the_always_open_clock_is_the_identity_on_holidays_nights_and_weekends() -> None:
    """work_s(t) = t − first_s and elapsed_s is its exact inverse, over Spring Festival nights."""
    calendar = always_open()
    # Friday 2026-02-13 17:00, a Sunday 03:00 inside the Spring Festival break, New Year's Day.
    times = np.array([43 * DAY_S + 17 * 3600, 45 * DAY_S + 3 * 3600, 0.0, FIRST_S, 1e9])
    np.testing.assert_array_equal(calendar.work_s(times), times - FIRST_S)
    np.testing.assert_array_equal(calendar.elapsed_s(times - FIRST_S), times)
    assert calendar.work_s(123.25) == 123.25 - FIRST_S
    assert calendar.elapsed_s(5.0) == FIRST_S + 5.0
    np.testing.assert_array_equal(calendar.next_open(times), times)
    assert calendar.next_open(45 * DAY_S + 3 * 3600) == 45 * DAY_S + 3 * 3600
    np.testing.assert_array_equal(calendar.add_work(times, 7200.0), times + 7200.0)
    assert calendar.work_between(0.0, 3 * DAY_S) == 3 * DAY_S
    assert calendar.add_workdays(0.0, 2.5) == 2.5 * DAY_S


def test_always_open_has_24_hour_workdays_every_day_and_no_warnings() -> None:
    """One workday is 86,400 s, every day (even a holiday in an uncovered year) is worked."""
    calendar = WorkCalendar(CalendarSpec(always_open=True), dt.date(2031, 1, 1), 0.0, 400 * DAY_S)
    assert calendar.workday_s == DAY_S
    assert calendar.warnings == []  # 2031 has no holiday data, but nothing is assumed
    assert calendar.is_workday(dt.date(2031, 1, 1))
    assert calendar.is_workday(dt.date(2031, 1, 4))  # a Saturday
    assert calendar.is_open(3.0 * 3600)  # 03:00
    assert calendar.is_open(np.array([0.0, 86_399.0])).all()
    assert CalendarSpec(always_open=True).workday_s() == DAY_S


def test_office_hours_on_is_still_the_default() -> None:
    """Without always_open the clock stops at night (the switch defaults to off)."""
    calendar = WorkCalendar(CalendarSpec(), START, 0.0, 30 * DAY_S)
    assert not CalendarSpec().always_open
    assert calendar.workday_s == 6.5 * 3600
    assert calendar.work_s(2 * DAY_S + 3 * 3600) == calendar.work_s(2 * DAY_S)  # 03:00 Fri


def test_always_open_rejects_non_finite_times() -> None:
    """A NaN or infinite time is refused by the identity clock too."""
    with pytest.raises(ValueError, match="finite"):
        always_open().work_s(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="finite"):
        always_open().elapsed_s(float("inf"))


def test_office_day_seconds_is_a_whole_day_when_always_open() -> None:
    """The scenario's workday length is 24 h with always_open, office hours otherwise."""
    assert office_day_seconds(["09:00-12:00"], True) == DAY_S
    assert office_day_seconds(["09:00-12:00"], False) == 3 * 3600
    assert office_day_seconds(None, "yes") == 6.5 * 3600  # not a bool: the field reports it


def test_a_scenario_with_always_open_reads_workdays_as_24_hours(
    write_scenario: Callable[[str], Path],
) -> None:
    """In a scenario with always_open, '2 workday' is 172,800 s and '24/workday' is 1/h."""
    scenario = simdata.load_scenario(write_scenario(SCENARIO))
    assert scenario.calendar is not None
    assert scenario.calendar.always_open
    assert scenario.policy is not None
    assert scenario.policy.sla == 2 * DAY_S
    assert scenario.policy.review_effort.mean == 0.5 * DAY_S
    assert scenario.requesters is not None
    assert scenario.requesters.groups[0].rate == pytest.approx(1 / 3600)
    office = simdata.load_scenario(write_scenario(SCENARIO.replace("always_open: true", "")))
    assert office.policy is not None
    assert office.policy.sla == 2 * 6.5 * 3600


def test_always_open_arrivals_come_at_night_and_on_holidays(
    write_scenario: Callable[[str], Path],
) -> None:
    """With offices never closing, requests arrive around the clock on New Year's Day too."""
    from simdata.model.world import simulate

    scenario = simdata.load_scenario(write_scenario(SCENARIO))
    arrivals = simulate(scenario, 0).frames["data_requests"]["arrival_s"].to_numpy()
    hour = (arrivals % DAY_S) // 3600
    assert 40 < len(arrivals) < 110  # Poisson(72)
    assert ((hour < 9) | (hour >= 18)).sum() > 10  # about 3/8 of them at night
    assert (arrivals < DAY_S).sum() > 5  # 2026-01-01 is a holiday

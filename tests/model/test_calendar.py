"""The working-day calendar: statutory days, 调休, office hours and the working-time clock."""

from __future__ import annotations

import datetime as dt
import functools
import time

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec

DAY_S = 86_400.0
HOUR_S = 3_600.0

#: Time 0 of the shared calendar; its span runs over two covered years, 2025 and 2026.
START = dt.date(2025, 1, 1)
FIRST_S = -14 * DAY_S  # a two-week warm-up before the start date
LAST_S = (dt.date(2026, 12, 31) - START).days * DAY_S


@functools.cache
def shared() -> WorkCalendar:
    """One default calendar for the property tests (built once: hypothesis reruns a lot)."""
    return WorkCalendar(CalendarSpec(), START, FIRST_S, LAST_S)


def at(moment: dt.datetime, start: dt.date = START) -> float:
    """Elapsed seconds of a wall-clock moment (Asia/Shanghai, naive)."""
    return (moment.date() - start).days * DAY_S + (
        moment - dt.datetime.combine(moment.date(), dt.time())
    ).total_seconds()


def wall(t: float, start: dt.date = START) -> dt.datetime:
    """Wall-clock moment of elapsed seconds ``t``."""
    return dt.datetime.combine(start, dt.time()) + dt.timedelta(seconds=t)


def in_closed_office_interval(calendar: WorkCalendar, t: float) -> bool:
    """Oracle independent of the arrays: a working day and a time in [open, close]."""
    day = calendar.date_of(t)
    second = t - (day - calendar.start_date).days * DAY_S
    return calendar.is_workday(day) and any(
        open_s <= second <= close_s for open_s, close_s in calendar.spec.office_intervals_s()
    )


def brute_work(calendar: WorkCalendar, t0: float, t1: float) -> float:
    """Working seconds in [t0, t1] by walking day by day (the slow, obvious way)."""
    total = 0.0
    day = calendar.date_of(t0)
    while (day - calendar.start_date).days * DAY_S <= t1:
        midnight = (day - calendar.start_date).days * DAY_S
        if calendar.is_workday(day):
            for open_s, close_s in calendar.spec.office_intervals_s():
                lo, hi = max(t0, midnight + open_s), min(t1, midnight + close_s)
                total += max(0.0, hi - lo)
        day += dt.timedelta(days=1)
    return total


# -- day types -------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 1, 1), False),  # New Year's Day, a Thursday
        (dt.date(2026, 10, 1), False),  # National Day, a Thursday
        (dt.date(2026, 10, 7), False),  # last day of the National Day break, a Wednesday
        (dt.date(2026, 2, 14), True),  # Saturday worked before Spring Festival (调休)
        (dt.date(2026, 9, 20), True),  # Sunday worked for National Day (调休)
        (dt.date(2026, 10, 10), True),  # Saturday worked after National Day (调休)
        (dt.date(2026, 3, 10), True),  # an ordinary Tuesday
        (dt.date(2026, 3, 14), False),  # an ordinary Saturday
        (dt.date(2026, 3, 15), False),  # an ordinary Sunday
    ],
)
def test_statutory_days(day: dt.date, working: bool) -> None:
    """Holidays are off, 调休 weekend days are worked, ordinary weeks are Monday–Friday."""
    assert shared().is_workday(day) is working


@pytest.mark.unit
def test_adjusted_saturday_accrues_working_time() -> None:
    """The 调休 Saturday 2026-02-14 carries a full working day; 2026-02-16 (holiday) none."""
    calendar = shared()
    saturday = at(dt.datetime(2026, 2, 14))
    holiday = at(dt.datetime(2026, 2, 16))
    assert calendar.work_between(saturday, saturday + DAY_S) == calendar.workday_s == 23_400.0
    assert calendar.work_between(holiday, holiday + DAY_S) == 0.0


# -- the hand-computed example -----------------------------------------------------------


@pytest.mark.unit
def test_friday_before_spring_festival_hand_computed() -> None:
    """A 2 h review arriving Fri 2026-02-13 17:00 ends on the 调休 Saturday at 10:30."""
    calendar = shared()
    arrival = at(dt.datetime(2026, 2, 13, 17, 0))  # Friday; Spring Festival break is 15–23
    # 17:00–17:30 Friday gives 0.5 h; Saturday 2026-02-14 is a make-up workday (调休), so
    # the remaining 1.5 h run 09:00–10:30 that Saturday — not Monday, not after the break.
    assert wall(calendar.add_work(arrival, 2 * HOUR_S)) == dt.datetime(2026, 2, 14, 10, 30)
    # With 8 h: 0.5 h Friday + 6.5 h Saturday (a full office day) leaves 1 h; 15–23 Feb
    # are off, so it runs 09:00–10:00 on Tuesday 2026-02-24, the first day after the break.
    assert wall(calendar.add_work(arrival, 8 * HOUR_S)) == dt.datetime(2026, 2, 24, 10, 0)


@pytest.mark.unit
def test_work_ending_at_closing_time_ends_then() -> None:
    """Work that ends exactly as the office closes finishes at closing, not next opening."""
    calendar = shared()
    arrival = at(dt.datetime(2026, 3, 10, 11, 0))  # a Tuesday
    assert wall(calendar.add_work(arrival, HOUR_S)) == dt.datetime(2026, 3, 10, 12, 0)
    assert wall(calendar.add_workdays(arrival, 1)) == dt.datetime(2026, 3, 11, 11, 0)
    assert wall(calendar.next_open(at(dt.datetime(2026, 3, 10, 12, 0)))) == dt.datetime(
        2026, 3, 10, 14, 0
    )


@pytest.mark.unit
def test_opening_maps_back_to_the_previous_closing() -> None:
    """The working time reached at an opening was already reached at the last closing."""
    calendar = shared()
    monday = at(dt.datetime(2026, 3, 9, 9, 0))
    friday_close = at(dt.datetime(2026, 3, 6, 17, 30))
    assert calendar.work_s(monday) == calendar.work_s(friday_close)
    assert calendar.elapsed_s(calendar.work_s(monday)) == friday_close
    assert calendar.add_work(monday, 60.0) == monday + 60.0


@pytest.mark.unit
def test_open_hours_boundaries() -> None:
    """Opening is inside office hours, closing is not; nights and holidays are closed."""
    calendar = shared()
    assert calendar.is_open(at(dt.datetime(2026, 3, 10, 9, 0)))
    assert not calendar.is_open(at(dt.datetime(2026, 3, 10, 12, 0)))
    assert not calendar.is_open(at(dt.datetime(2026, 3, 10, 13, 0)))
    assert calendar.is_open(at(dt.datetime(2026, 3, 10, 17, 29)))
    assert not calendar.is_open(at(dt.datetime(2026, 10, 1, 10, 0)))
    assert calendar.date_of(at(dt.datetime(2026, 3, 10, 23, 59))) == dt.date(2026, 3, 10)
    assert calendar.date_of(-1.0) == dt.date(2024, 12, 31)


@pytest.mark.unit
def test_custom_office_hours_set_the_workday() -> None:
    """Office hours 08:00–12:00 and 13:00–17:00 make one workday 8 h, and 12:30 closed."""
    spec = CalendarSpec(office_hours=["08:00-12:00", "13:00-17:00"])
    calendar = WorkCalendar(spec, START, 0.0, 30 * DAY_S)
    assert calendar.workday_s == 8 * HOUR_S
    assert not calendar.is_open(at(dt.datetime(2025, 1, 2, 12, 30)))
    assert wall(calendar.add_workdays(at(dt.datetime(2025, 1, 2, 8, 0)), 2)) == dt.datetime(
        2025, 1, 3, 17, 0
    )


# -- vectorised queries --------------------------------------------------------------------


@pytest.mark.unit
def test_vector_queries_equal_scalar_ones() -> None:
    """Array queries give element by element what scalar ones give; empty arrays stay empty."""
    calendar = shared()
    times = np.random.default_rng(3).uniform(FIRST_S, LAST_S, 200)
    works = calendar.work_s(times)
    assert works.shape == times.shape
    assert works.tolist() == [calendar.work_s(float(t)) for t in times]
    assert calendar.elapsed_s(works).tolist() == [calendar.elapsed_s(float(w)) for w in works]
    assert calendar.is_open(times).tolist() == [calendar.is_open(float(t)) for t in times]
    assert calendar.next_open(times).tolist() == [calendar.next_open(float(t)) for t in times]
    empty = np.array([], dtype=np.float64)
    assert calendar.add_work(empty, empty).shape == calendar.is_open(empty).shape == (0,)
    days = np.arange(200, dtype=np.float64) % 7
    assert calendar.add_workdays(times, days).tolist() == [
        calendar.add_workdays(float(t), float(n)) for t, n in zip(times, days, strict=True)
    ]


@pytest.mark.unit
def test_build_three_years_is_fast() -> None:
    """A 3-year calendar builds in well under 0.5 s; a million conversions take under 1 s."""
    began = time.perf_counter()
    calendar = WorkCalendar(CalendarSpec(), dt.date(2024, 1, 1), -7 * DAY_S, 3 * 365 * DAY_S)
    assert time.perf_counter() - began < 0.5
    times = np.random.default_rng(1).uniform(0.0, 3 * 365 * DAY_S, 1_000_000)
    began = time.perf_counter()
    calendar.elapsed_s(calendar.work_s(times))
    assert time.perf_counter() - began < 1.0


@pytest.mark.unit
def test_queries_past_the_horizon_extend_the_calendar() -> None:
    """Working days far past last_s are still counted (National Day 2026 skipped)."""
    calendar = WorkCalendar(CalendarSpec(), START, 0.0, 10 * DAY_S)
    # Wed 2026-09-30 11:00 + 1 workday (6.5 h): 4.5 h that day (11–12, 14–17:30), then
    # 1–7 October are off, so the last 2 h run 09:00–11:00 on Thursday 2026-10-08.
    done = calendar.add_workdays(at(dt.datetime(2026, 9, 30, 11, 0)), 1)
    assert wall(done) == dt.datetime(2026, 10, 8, 11, 0)
    assert calendar.warnings == []


@pytest.mark.unit
def test_times_before_the_first_day_are_refused() -> None:
    """Asking about a time before the calendar's first day is an error, not a guess."""
    with pytest.raises(ValueError, match="first day"):
        shared().work_s(FIRST_S - DAY_S)
    with pytest.raises(ValueError, match="finite"):
        shared().work_s(float("nan"))


# -- properties ------------------------------------------------------------------------------

times_in_span = st.floats(FIRST_S, LAST_S, allow_nan=False)
#: Times on whole minutes, so office openings and closings are hit exactly.
minute_times = st.integers(int(FIRST_S // 60), int(LAST_S // 60)).map(lambda m: m * 60.0)
any_time = st.one_of(times_in_span, minute_times)


@pytest.mark.property
@settings(max_examples=300, deadline=None)
@given(any_time)
def test_round_trip_lands_in_office_hours(t: float) -> None:
    """elapsed_s(work_s(t)) lies in a closed office interval, and is t when the office is open."""
    calendar = shared()
    back = calendar.elapsed_s(calendar.work_s(t))
    assert in_closed_office_interval(calendar, back)
    assert back <= calendar.next_open(t)
    assert calendar.work_between(back, t) == pytest.approx(0.0, abs=1e-6)
    if calendar.is_open(t) and t != calendar.next_open(t - 1e-3):
        assert back == pytest.approx(t, abs=1e-6)
    elif calendar.is_open(t):  # t is an opening: the work was already done at last closing
        assert back < t
        assert not calendar.is_open(back)


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(any_time, st.integers(1, 40), st.integers(1, 40))
def test_add_workdays_monotone_in_n(t: float, n1: int, n2: int) -> None:
    """add_workdays(t, n) strictly grows with n > 0 and always ends in office hours."""
    calendar = shared()
    low, high = sorted((n1, n2))
    end_low, end_high = calendar.add_workdays(t, low), calendar.add_workdays(t, high)
    assert in_closed_office_interval(calendar, end_low)
    assert in_closed_office_interval(calendar, end_high)
    assert end_low > t
    if low < high:
        assert end_low < end_high
    assert calendar.work_between(t, end_high) == pytest.approx(high * calendar.workday_s)


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(any_time, any_time, st.floats(0.01, 30.0))
def test_add_workdays_monotone_in_t(t1: float, t2: float, n: float) -> None:
    """A later start never finishes earlier: add_workdays is non-decreasing in t."""
    calendar = shared()
    early, late = sorted((t1, t2))
    assert calendar.add_workdays(early, n) <= calendar.add_workdays(late, n)
    assert in_closed_office_interval(calendar, calendar.add_workdays(late, n))


@pytest.mark.property
@settings(max_examples=100, deadline=None)
@given(st.lists(any_time, min_size=2, max_size=50))
def test_work_s_is_monotone_with_slope_at_most_one(times: list[float]) -> None:
    """work_s never decreases and never runs faster than the wall clock."""
    ordered = np.sort(np.array(times))
    work = shared().work_s(ordered)
    assert np.all(np.diff(work) >= 0)
    assert np.all(np.diff(work) <= np.diff(ordered) + 1e-6)


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(any_time)
def test_no_work_accrues_while_closed(t: float) -> None:
    """Over a closed stretch (t to the next opening) work_between is exactly 0."""
    calendar = shared()
    opening = calendar.next_open(t)
    assert calendar.work_between(t, opening) == 0.0
    if not calendar.is_open(t):
        assert opening > t
        assert calendar.is_open(opening)


@pytest.mark.property
@settings(max_examples=100, deadline=None)
@given(any_time, st.floats(0.0, 20 * DAY_S))
def test_work_between_equals_day_by_day_sum(t0: float, span: float) -> None:
    """work_between agrees with walking the days one by one and summing office overlaps."""
    calendar = shared()
    t1 = min(t0 + span, LAST_S)
    assert calendar.work_between(t0, t1) == pytest.approx(brute_work(calendar, t0, t1), abs=1e-6)


# -- years the package does not cover --------------------------------------------------------

START_2027 = dt.date(2026, 12, 1)
END_2027_S = (dt.date(2027, 12, 31) - START_2027).days * DAY_S


@pytest.mark.unit
def test_scenario_schedule_for_2027_is_respected() -> None:
    """With 2027's holidays and 调休 day typed in they apply; 2027 draws no warning only
    once declared complete in covered_years (issue 13 §10)."""
    data = {
        "holidays": [dt.date(2027, 1, 1), "2027-10-01..2027-10-07"],
        "extra_workdays": ["2027-09-26"],
    }
    partial = WorkCalendar(CalendarSpec.model_validate(data), START_2027, 0.0, END_2027_S)
    assert len(partial.warnings) == 1
    assert "2027" in partial.warnings[0]
    spec = CalendarSpec.model_validate({**data, "covered_years": [2027]})
    calendar = WorkCalendar(spec, START_2027, 0.0, END_2027_S)
    assert calendar.warnings == []
    assert not calendar.is_workday(dt.date(2027, 1, 1))  # a Friday, declared a holiday
    assert not calendar.is_workday(dt.date(2027, 10, 4))  # a Monday, declared a holiday
    assert calendar.is_workday(dt.date(2027, 9, 26))  # a Sunday, declared worked
    assert calendar.is_workday(dt.date(2027, 10, 8))  # an ordinary Friday
    oct1 = at(dt.datetime(2027, 10, 1), START_2027)
    assert calendar.work_between(oct1, oct1 + 7 * DAY_S) == 0.0
    sunday = at(dt.datetime(2027, 9, 26, 9, 0), START_2027)
    assert calendar.work_between(sunday, sunday + DAY_S) == calendar.workday_s


@pytest.mark.unit
def test_uncovered_year_falls_back_to_weekdays_and_warns() -> None:
    """Without data for 2027 its days are Monday–Friday and warnings names 2027 once."""
    calendar = WorkCalendar(CalendarSpec(), START_2027, 0.0, END_2027_S)
    assert calendar.is_workday(dt.date(2027, 10, 1))  # a Friday: no holiday data
    assert not calendar.is_workday(dt.date(2027, 10, 2))  # a Saturday
    assert not calendar.is_workday(dt.date(2026, 12, 5))  # 2026 still from the package
    assert len(calendar.warnings) == 1
    assert "2027" in calendar.warnings[0]
    assert "Monday–Friday" in calendar.warnings[0]


@pytest.mark.unit
def test_no_warning_for_a_year_reached_only_by_a_query() -> None:
    """A 2026 run draws no warning when a query (the drain) reaches 2030 (issue 13 §10)."""
    calendar = WorkCalendar(CalendarSpec(), dt.date(2026, 1, 1), 0.0, 300 * DAY_S)
    done = calendar.add_workdays(0.0, 4 * 261)  # about four years of weekdays
    assert calendar.date_of(done).year == 2030
    assert calendar.warnings == []


# -- the scenario section ---------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (["09:00-12:00", "11:00-13:00"], "ascending and not overlapping"),
        (["14:00-17:30", "09:00-12:00"], "ascending and not overlapping"),
        (["12:00-09:00"], "ends after it starts"),
        (["09:00-09:00"], "ends after it starts"),
        (["25:00-26:00"], "between 00:00 and 24:00"),
        (["09:60-10:00"], "between 00:00 and 24:00"),
        (["9-12"], 'like "HH:MM-HH:MM"'),
        ([], "at least one"),
    ],
)
def test_bad_office_hours_are_refused(hours: list[str], message: str) -> None:
    """Overlapping, reversed, empty or out-of-day office hours fail validation."""
    with pytest.raises(ValidationError, match=message):
        CalendarSpec(office_hours=hours)


@pytest.mark.unit
def test_unquoted_yaml_time_is_refused_with_expected() -> None:
    """YAML 1.1 reads an unquoted 10:00 as 600; the message starts with "expected"."""
    data = yaml.safe_load("office_hours: [10:00]")
    assert data == {"office_hours": [600]}
    with pytest.raises(ValidationError) as caught:
        CalendarSpec.model_validate(data)
    error = caught.value.errors()[0]
    assert error["loc"] == ("office_hours", 0)
    assert str(error["ctx"]["error"]) == 'expected a quoted "HH:MM-HH:MM" string, got 600'


@pytest.mark.unit
def test_date_in_both_lists_is_refused() -> None:
    """A day cannot be both a holiday and an adjusted working day."""
    with pytest.raises(ValidationError, match=r"extra_workdays\.0: expected a date not also"):
        CalendarSpec.model_validate(
            {"holidays": [dt.date(2027, 10, 1)], "extra_workdays": ["2027-10-01"]}
        )


@pytest.mark.unit
def test_dates_accept_yaml_dates_and_quoted_text() -> None:
    """Unquoted YAML dates and quoted ISO text both read as dates; a number does not."""
    data = yaml.safe_load("holidays: [2027-10-01, '2027-10-02']\noffice_hours: ['08:00-24:00']")
    spec = CalendarSpec.model_validate(data)
    assert spec.holidays == [dt.date(2027, 10, 1), dt.date(2027, 10, 2)]
    assert spec.workday_s() == 16 * HOUR_S
    with pytest.raises(ValidationError, match="expected a date"):
        CalendarSpec.model_validate({"holidays": [20271001]})

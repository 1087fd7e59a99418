"""Zhanjiang's subsidy rule: hand-computed qualifying dates, the window, the deadline, input.

The rule is judged from an ``enterprise_days`` frame built by hand here (the counting model
draws Poisson counts, so exact dates are only computable for given counts). Working days
of the hand-built frames come from chinese-calendar, so the National Day break of 2024
(1–7 Oct off; Sunday 29 Sep and Saturday 12 Oct worked, 调休) lies inside the window.
"""

from __future__ import annotations

import datetime as dt
import math

import chinese_calendar
import polars as pl
import pytest
from pydantic import ValidationError

from simdata.model.identifiers.subsidy import judge_days, judge_subsidy, subsidy_summary
from simdata.scenario.identifiers import SubsidySpec, check_deadline

JOINED = dt.date(2024, 9, 23)  # a Monday, one week before the National Day break


def frame(rows: list[tuple[int, dt.date, int, int, int]]) -> pl.DataFrame:
    """An enterprise_days frame from (enterprise, date, registrations, resolutions, cases)."""
    return pl.DataFrame(
        rows,
        schema={
            "enterprise": pl.Int64,
            "date": pl.Date,
            "registrations": pl.Int64,
            "resolutions": pl.Int64,
            "cases": pl.Int64,
        },
        orient="row",
    )


def national_day_enterprise(
    enterprise: int = 0, case_day: dt.date | None = dt.date(2024, 10, 15)
) -> list[tuple[int, dt.date, int, int, int]]:
    """From 2024-09-23 to 2024-12-31: 10,000 registrations and 1,400 resolutions on each
    working day, 200 resolutions on each day off, one case on ``case_day``."""
    rows = []
    day = JOINED
    while day <= dt.date(2024, 12, 31):
        working = chinese_calendar.is_workday(day)
        rows.append(
            (
                enterprise,
                day,
                10_000 if working else 0,
                1_400 if working else 200,
                1 if day == case_day else 0,
            )
        )
        day += dt.timedelta(days=1)
    return rows


@pytest.mark.unit
def test_hand_computed_qualifying_date_across_national_day() -> None:
    """Registrations on 10 Oct, the case on 15 Oct, the 30-day average on 1 Nov: qualifies 1 Nov."""
    judged = judge_subsidy(frame(national_day_enterprise()), SubsidySpec())
    row = judged.row(0, named=True)
    # Working days from Mon 23 Sep: 23–27 Sep (5), Sun 29 Sep 调休 (6), 30 Sep (7), then
    # 1–7 Oct off, 8 Oct (8), 9 Oct (9), 10 Oct (10): 10 × 10,000 = 100,000 on 10 Oct.
    assert row["first_registrations"] == dt.date(2024, 10, 10)
    assert row["first_cases"] == dt.date(2024, 10, 15)
    # The average is judged from the 30th day on the node, 22 Oct. Window ending 31 Oct
    # (2 Oct–31 Oct): 19 working days, 11 days off → (19·1400 + 11·200)/30 = 28,800/30 = 960.
    # Window ending 1 Nov (3 Oct–1 Nov): working 8–11 Oct (4), Sat 12 Oct 调休 (1), 14–18
    # (5), 21–25 (5), 28 Oct–1 Nov (5) = 20; off 3–7 Oct (5) + 13, 19, 20, 26, 27 Oct (5) =
    # 10 → (20·1400 + 10·200)/30 = 30,000/30 = 1000 ≥ 1000. Every window ending 22–31 Oct
    # holds ≤ 19 working days (the break sits inside), so 1 Nov is the first.
    assert row["first_resolutions"] == dt.date(2024, 11, 1)
    assert row["qualified_date"] == dt.date(2024, 11, 1)
    assert row["qualified"] is True
    assert row["days_to_qualify"] == 39  # 23 Sep → 1 Nov: 7 + 31 + 1


@pytest.mark.unit
def test_deadline_one_day_early_fails_on_resolutions_only() -> None:
    """With the deadline on 31 Oct the enterprise does not qualify, and only the average
    is unmet then (960 < 1000); at the horizon it has qualified."""
    spec = SubsidySpec(deadline=dt.date(2024, 10, 31), amount=500_000)
    judged = judge_subsidy(frame(national_day_enterprise()), spec)
    summary = subsidy_summary(judged, spec)
    assert summary.qualified_count == 0
    assert summary.qualified_count_at_horizon == 1
    assert summary.failed_share == {"registrations": 0.0, "resolutions": 1.0, "cases": 0.0}
    assert summary.outlay == 0.0
    assert summary.time_to_qualify_p50_s == 39 * 86_400.0


@pytest.mark.unit
def test_all_three_must_hold_on_the_same_day() -> None:
    """An average that met the threshold in October and has fallen by the case's day does
    not qualify: the conditions are judged together, not each once."""
    rows = [
        (0, d, reg, res if d < dt.date(2024, 11, 10) else 0, case)
        for (_, d, reg, res, case) in national_day_enterprise(case_day=dt.date(2024, 12, 20))
    ]
    judged = judge_subsidy(frame(rows), SubsidySpec())
    row = judged.row(0, named=True)
    assert row["first_resolutions"] == dt.date(2024, 11, 1)
    assert row["first_cases"] == dt.date(2024, 12, 20)
    assert row["qualified_date"] is None
    assert row["qualified"] is False


@pytest.mark.unit
def test_window_needs_full_history() -> None:
    """A single busy first day (30,000 resolutions) does not make a 30-day average of 1000
    until the enterprise has 30 days on the node, and then only on that day (the busy day
    leaves the window the next day); with a 10-day window, on the 10th day."""
    start = dt.date(2025, 3, 3)
    rows = [(0, start + dt.timedelta(days=k), 0, 30_000 if k == 0 else 0, 0) for k in range(40)]
    days = judge_days(frame(rows), SubsidySpec())
    met = days.filter(pl.col("resolutions_met"))["date"].to_list()
    # Only the 30th day (k = 29) holds the whole first day in its 30-day window.
    assert met == [start + dt.timedelta(days=29)]
    ten = judge_days(frame(rows), SubsidySpec(window="10 d"))
    assert ten.filter(pl.col("resolutions_met"))["date"].to_list() == [
        start + dt.timedelta(days=9)  # 30,000/10 = 3,000 on day 10, nothing after
    ]


@pytest.mark.unit
def test_initial_stock_counts_and_summary_over_enterprises() -> None:
    """Identifiers and cases held before the first row count; failed shares overlap; the
    outlay is amount × qualifiers; initial enterprises are left out of time to qualify."""
    start = dt.date(2025, 1, 6)
    rows = []
    for k in range(60):
        day = start + dt.timedelta(days=k)
        rows.append((0, day, 0, 2_000, 0))  # busy, stock given below: qualifies on day 30
        rows.append((1, day, 0, 2_000, 0))  # busy, no identifiers, no case
        rows.append((2, day, 100, 10, 0))  # nothing but small registrations
    enterprises = pl.DataFrame(
        {
            "enterprise": [0, 1, 2],
            "initial": [True, False, False],
            "initial_identifiers": [150_000, 0, 0],
            "initial_cases": [1, 0, 0],
        }
    )
    spec = SubsidySpec(amount=300_000)
    judged = judge_subsidy(frame(rows), spec, enterprises)
    assert judged["qualified_date"].to_list() == [start + dt.timedelta(days=29), None, None]
    summary = subsidy_summary(judged, spec)
    assert summary.qualified_count == 1
    assert summary.outlay == 300_000.0
    assert summary.on_node_by_deadline == 3
    # Over all three on the node (the qualifier 0 included): 1 and 2 lack identifiers and
    # cases; only 2 lacks the average. Nobody misses exactly one condition.
    third = 1 / 3
    assert summary.failed_share == {"registrations": 2 * third, "resolutions": third,
                                    "cases": 2 * third}  # fmt: skip
    assert summary.failed_only_share == dict.fromkeys(
        ("registrations", "resolutions", "cases"), 0.0
    )
    assert math.isnan(summary.time_to_qualify_p50_s)  # the only qualifier was initial


@pytest.mark.validation
@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"window": "0 d"}, "window", "whole number of days ≥ 1"),
        ({"window": "36 h"}, "window", "whole number of days ≥ 1"),
        ({"window": 30}, "window", "with a unit"),
        ({"deadline": 20251231}, "deadline", "expected a date"),
        ({"deadline": "31/12/2025"}, "deadline", "expected a date"),
        ({"min_cases": -1}, "min_cases", "greater than or equal to 0"),
        ({"min_daily_resolutions": "1000/d"}, "min_daily_resolutions", "expected a number"),
        ({"amount": -5}, "amount", "greater than or equal to 0"),
        ({"threshold": 3}, "threshold", "Extra inputs"),
    ],
)
def test_bad_subsidy_input(data: dict[str, object], field: str, expected: str) -> None:
    """Each bad subsidy field is one ValidationError that names the field."""
    with pytest.raises(ValidationError) as caught:
        SubsidySpec.model_validate(data)
    errors = caught.value.errors()
    assert len(errors) == 1
    where = ".".join(str(part) for part in errors[0]["loc"])
    assert field in where or errors[0]["msg"].startswith(f"Value error, {field}:")
    assert expected in errors[0]["msg"]


@pytest.mark.validation
def test_deadline_before_start_is_refused() -> None:
    """A deadline before run.start_date is a one-line error naming the field."""
    check_deadline(SubsidySpec(), dt.date(2024, 1, 1))  # fine
    with pytest.raises(ValueError, match=r"^deadline: expected a date on or after"):
        check_deadline(SubsidySpec(), dt.date(2026, 1, 1))


def _workdays(first: dt.date, last: dt.date) -> list[dt.date]:
    """chinese-calendar's working days from ``first`` to ``last``, inclusive."""
    days = (first + dt.timedelta(days=k) for k in range((last - first).days + 1))
    return [d for d in days if chinese_calendar.is_workday(d)]


@pytest.mark.unit
def test_hand_computed_failed_only_share() -> None:
    """Four enterprises on the node by the deadline and one after it: the qualifier counts in
    the denominator, failed shares overlap, failed-only shares name who a relaxation of one
    condition alone would qualify (hand-computed: 1/4, 1/4, 0)."""
    start = dt.date(2025, 1, 6)
    deadline = start + dt.timedelta(days=59)
    rows = []
    for k in range(70):
        day = start + dt.timedelta(days=k)
        rows.append((0, day, 0, 2_000, 0))  # stock and a case: qualifies on day 30
        rows.append((1, day, 0, 10, 0))  # stock and a case, too few resolutions: only those
        rows.append((2, day, 0, 10, 0))  # stock, no case, too few resolutions: two missed
        rows.append((3, day, 0, 2_000, 0))  # busy with a case, no identifiers: only those
        if k >= 65:
            rows.append((4, day, 0, 0, 0))  # joins after the deadline: not counted
    enterprises = pl.DataFrame(
        {
            "enterprise": [0, 1, 2, 3, 4],
            "initial": [True, True, True, True, False],
            "initial_identifiers": [150_000, 150_000, 150_000, 0, 0],
            "initial_cases": [1, 1, 0, 1, 0],
        }
    )
    spec = SubsidySpec(deadline=deadline, amount=1_000)
    judged = judge_subsidy(frame(rows), spec, enterprises)
    summary = subsidy_summary(judged, spec)
    assert summary.on_node_by_deadline == 4
    assert summary.qualified_count == 1
    # Missed: registrations by 3; resolutions by 1 and 2; cases by 2.
    assert summary.failed_share == {"registrations": 0.25, "resolutions": 0.5, "cases": 0.25}
    # Missed only that one: registrations by 3, resolutions by 1; nobody only the cases.
    assert summary.failed_only_share == {
        "registrations": 0.25,
        "resolutions": 0.25,
        "cases": 0.0,
    }
    assert summary.outlay_by_year == {2025: 1_000.0}


@pytest.mark.unit
def test_quarter_end_application_dates() -> None:
    """Judged only on application dates: the enterprise that meets all three from 1 Nov
    qualifies on the quarter's end, 31 Dec (99 days after joining), where the 30-day window
    2 Dec–31 Dec holds 22 working days and 8 off: (22·1400 + 8·200)/30 = 1080 ≥ 1000."""
    quarters = [dt.date(2024, 9, 30), dt.date(2024, 12, 31)]
    spec = SubsidySpec(judge_at=quarters, deadline=dt.date(2024, 12, 31))
    row = judge_subsidy(frame(national_day_enterprise()), spec).row(0, named=True)
    assert row["first_resolutions"] == dt.date(2024, 11, 1)  # the conditions, every day
    assert row["qualified_date"] == dt.date(2024, 12, 31)  # the application, quarterly
    assert row["qualified"] is True
    assert row["days_to_qualify"] == 99
    # Judged on 31 Oct alone (960 < 1000), it does not qualify and misses the average only.
    october = SubsidySpec(judge_at=[dt.date(2024, 10, 31)], deadline=dt.date(2024, 11, 30))
    judged = judge_subsidy(frame(national_day_enterprise()), october)
    assert judged["qualified_date"].to_list() == [None]
    summary = subsidy_summary(judged, october)
    assert summary.failed_only_share == {"registrations": 0.0, "resolutions": 1.0, "cases": 0.0}
    # On 30 Nov (1 Nov–30 Nov: 21 working days, 9 off → 1040) it does.
    november = SubsidySpec(
        judge_at=[dt.date(2024, 10, 31), dt.date(2024, 11, 30)], deadline=dt.date(2024, 11, 30)
    )
    qualified = judge_subsidy(frame(national_day_enterprise()), november)["qualified_date"]
    assert qualified.to_list() == [dt.date(2024, 11, 30)]


@pytest.mark.unit
def test_workday_window_leaves_days_off_out() -> None:
    """``20 workday``: the mean over the last 20 working days. Days off with 100,000
    resolutions do not count, the 20th working day on the node (23 Oct: 23–27 Sep, 29 and
    30 Sep, 8–12 Oct, 14–18 Oct, 21–23 Oct) is the first judged, and a day off carries the
    window of the working day before it."""
    rows = [
        (e, d, reg, res if reg else 100_000, case)
        for (e, d, reg, res, case) in national_day_enterprise()
    ]
    workdays = _workdays(JOINED, dt.date(2024, 12, 31))
    spec = SubsidySpec(window="20 workday")
    days = judge_days(frame(rows), spec, workdays=workdays)
    met = days.filter(pl.col("resolutions_met"))["date"]
    assert met.min() == dt.date(2024, 10, 23)
    means = dict(zip(days["date"].to_list(), days["window_mean"].to_list(), strict=True))
    assert means[dt.date(2024, 10, 22)] is None  # 19 working days on the node
    assert means[dt.date(2024, 10, 26)] == means[dt.date(2024, 10, 25)] == 1_400.0
    # A 30-day window counts the busy days off and passes on the 30th day on the node.
    calendar_days = judge_days(frame(rows), SubsidySpec(), workdays=workdays)
    first = calendar_days.filter(pl.col("resolutions_met"))["date"].min()
    assert first == dt.date(2024, 10, 22)
    with pytest.raises(ValueError, match="working-day window needs"):
        judge_days(frame(rows), spec)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "count", "unit"),
    [("30 d", 30, "d"), ("1 week", 7, "d"), ("1 year", 365, "d"), ("2 years", 730, "d"),
     ("20 workday", 20, "workday"), ("5 workdays", 5, "workday")],
)  # fmt: skip
def test_window_forms(text: str, count: int, unit: str) -> None:
    """Windows are whole calendar days (a year is 365) or working days, written back as given."""
    spec = SubsidySpec(window=text)
    assert (spec.window.count, spec.window.unit) == (count, unit)
    assert spec.model_dump(mode="json")["window"] == text


@pytest.mark.validation
@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"window": "1 month"}, "window", "whole number of days"),
        ({"window": "2.5 workday"}, "window", "whole number of working days"),
        ({"window": "0 workday"}, "window", "whole number of working days"),
        ({"judge_at": "weekly"}, "judge_at", "'daily' or a list of application dates"),
        ({"judge_at": []}, "judge_at", "at least one application date"),
        ({"judge_at": ["2025-06-30", "2025-03-31"]}, "judge_at", "increasing order"),
        ({"judge_at": ["2026-03-31"]}, "judge_at", "on or before the deadline"),
        ({"judge_at": ["2025-02-30"]}, "judge_at", "expected a date"),
    ],
)
def test_bad_window_and_application_dates(
    data: dict[str, object], field: str, expected: str
) -> None:
    """Each bad window or judge_at is one ValidationError that names the field."""
    with pytest.raises(ValidationError) as caught:
        SubsidySpec.model_validate(data)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    where = ".".join(str(part) for part in errors[0]["loc"])
    assert field in where or errors[0]["msg"].startswith(f"Value error, {field}:")
    assert expected in errors[0]["msg"]


@pytest.mark.validation
def test_the_rule_must_lie_within_the_run() -> None:
    """A deadline after the run's last day, a window longer than the run or an application
    date before the start is refused, never judged silently at the horizon."""
    start, year = dt.date(2024, 1, 1), 366 * 86_400.0  # 2024 is a leap year
    check_deadline(SubsidySpec(deadline=dt.date(2024, 12, 31)), start, year)  # fine
    with pytest.raises(ValueError, match=r"^deadline: .*last day \(2024-12-31;.*2025-12-31"):
        check_deadline(SubsidySpec(), start, year)
    short = SubsidySpec(deadline=dt.date(2024, 1, 14))
    with pytest.raises(ValueError, match=r"^window: expected at most the run's 14 days, got 30 d"):
        check_deadline(short, start, 14 * 86_400.0)
    workdays = short.model_copy(update={"window": SubsidySpec(window="11 workday").window})
    with pytest.raises(ValueError, match=r"^window: .* 10 working days"):
        check_deadline(workdays, start, 14 * 86_400.0)
    early = SubsidySpec(judge_at=[dt.date(2023, 12, 31)], deadline=dt.date(2024, 12, 31))
    with pytest.raises(ValueError, match=r"^judge_at: .*on or after run.start_date"):
        check_deadline(early, start, year)

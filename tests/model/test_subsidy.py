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
    # Non-qualifiers 1 and 2: both lack identifiers and cases; only 2 lacks the average.
    assert summary.failed_share == {"registrations": 1.0, "resolutions": 0.5, "cases": 1.0}
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

"""Enterprises on a secondary node, counted in vectors: registrations, day types, common
random numbers, Bass adoption against its closed form, counts against an event-by-event
simulation of the same process, and bad section input."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import chinese_calendar
import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError
from scipy import stats

from simdata.engine.streams import Streams
from simdata.model.calendar import WorkCalendar
from simdata.model.identifiers.enterprises import (
    HOLIDAY,
    MONTH_S,
    WEEKDAY,
    WEEKEND,
    DailyCounts,
    Enterprises,
    bass_cumulative,
    daily_counts,
    day_types,
    draw_enterprises,
    enterprise_frame,
    joining_times,
)
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.identifiers import EnterprisesSpec

DAY_S = 86_400.0
START = dt.date(2024, 1, 1)
END_S = (dt.date(2026, 1, 1) - START).days * DAY_S  # two simulated years, 2024 and 2025

#: A population that finishes its ramps well inside two years: joins in the first months.
QUICK = {
    "adoption": {"model": "bass", "p": 0.2, "q": 0.3, "market_size": 60},
    "ramp_time": {"dist": "constant", "value": "3 month"},
}


@functools.cache
def calendar() -> WorkCalendar:
    """The default working calendar over 2024–2025 (built once)."""
    return WorkCalendar(CalendarSpec(), START, 0.0, END_S)


def spec(**changes: Any) -> EnterprisesSpec:
    """An enterprises section from ``QUICK`` with ``changes`` on top."""
    return EnterprisesSpec.model_validate(QUICK | changes)


def run(
    section: EnterprisesSpec, seed: int = 1, replication: int = 0
) -> tuple[Enterprises, DailyCounts]:
    """Draw the enterprises and count their two years."""
    streams = Streams(seed, replication)
    enterprises = draw_enterprises(section, calendar(), streams, 0.0, END_S, START)
    return enterprises, daily_counts(enterprises, section, calendar(), streams, 0.0, END_S)


# -- registrations -----------------------------------------------------------------------


@pytest.mark.unit
def test_registrations_sum_to_final_count_on_working_days_only() -> None:
    """Every enterprise whose ramp ends in the span registers exactly its final count, in
    batches on working days only, never before filing."""
    enterprises, counts = run(spec())
    days = counts.enterprise_days
    assert enterprises.size > 30
    totals = days.group_by("enterprise").agg(pl.col("registrations").sum()).sort("enterprise")
    done = enterprises.filed_s + enterprises.ramp_s + 14 * DAY_S < END_S
    assert done.sum() > 30
    registered = totals["registrations"].to_numpy()
    np.testing.assert_array_equal(registered[done], enterprises.final_identifiers[done])
    assert np.all(registered <= enterprises.final_identifiers)
    np.testing.assert_array_equal(counts.identifiers_end, registered)
    batch_days = days.filter(pl.col("registrations") > 0)["date"].unique().to_list()
    assert batch_days
    assert all(chinese_calendar.is_workday(day) for day in batch_days)
    first_batch = (
        days.filter(pl.col("registrations") > 0).group_by("enterprise").agg(pl.col("date").min())
    )
    filed = pl.DataFrame(
        {
            "enterprise": np.arange(enterprises.size),
            "filed": [
                START + dt.timedelta(days=math.floor(t / DAY_S)) for t in enterprises.filed_s
            ],
        }
    )
    assert (
        first_batch.join(filed, on="enterprise").filter(pl.col("date") < pl.col("filed")).height
        == 0
    )


@pytest.mark.unit
def test_batches_every_k_working_days() -> None:
    """With batches every 5 working days, consecutive batches of one enterprise are 5
    working days apart (weekly, or longer across a holiday break)."""
    _, counts = run(spec())
    workdays = [
        START + dt.timedelta(days=k)
        for k in range(int(END_S / DAY_S))
        if chinese_calendar.is_workday(START + dt.timedelta(days=k))
    ]
    position = {day: i for i, day in enumerate(workdays)}
    batches = counts.enterprise_days.filter(pl.col("registrations") > 0)
    for (enterprise,), group in batches.group_by("enterprise"):
        gaps = np.diff([position[d] for d in sorted(group["date"].to_list())])
        assert np.all(gaps == 5), (enterprise, gaps)


@pytest.mark.unit
def test_day_types_from_the_statutory_calendar() -> None:
    """Spring Festival Saturday is a holiday, the 调休 Sunday before it a weekday, an
    ordinary Saturday a weekend day, National Day Thursday a holiday."""
    cases = {
        dt.date(2024, 2, 10): HOLIDAY,  # Saturday inside the Spring Festival break
        dt.date(2024, 2, 4): WEEKDAY,  # Sunday worked (调休)
        dt.date(2024, 3, 2): WEEKEND,  # ordinary Saturday
        dt.date(2024, 10, 3): HOLIDAY,  # Thursday, National Day
        dt.date(2024, 3, 5): WEEKDAY,  # ordinary Tuesday
    }
    types = day_types(calendar(), 0, int(END_S / DAY_S))
    for day, expected in cases.items():
        assert types[(day - START).days] == expected, day
    always = WorkCalendar(CalendarSpec(always_open=True), START, 0.0, END_S)
    np.testing.assert_array_equal(day_types(always, 0, len(types)), types)


# -- common random numbers ---------------------------------------------------------------


@pytest.mark.unit
def test_same_seed_same_enterprises_and_counts() -> None:
    """Same seed and replication: identical enterprises and daily counts; another
    replication: different ones."""
    a, counts_a = run(spec())
    b, counts_b = run(spec())
    np.testing.assert_array_equal(a.joined_s, b.joined_s)
    np.testing.assert_array_equal(a.final_identifiers, b.final_identifiers)
    assert counts_a.enterprise_days.equals(counts_b.enterprise_days)
    c, _ = run(spec(), replication=1)
    assert c.size != a.size or not np.array_equal(c.joined_s, a.joined_s)


@pytest.mark.unit
def test_intensity_variant_keeps_joining_dates_and_identifiers() -> None:
    """A variant with three times the usage intensity sees the same enterprises joining,
    filing and registering on the same days (common random numbers), only more resolutions."""
    base, counts = run(spec())
    variant_spec = spec(usage_intensity={"dist": "lognormal", "median": 0.03, "sigma": 1.0})
    variant, variant_counts = run(variant_spec)
    for name in ("joined_s", "filed_s", "final_identifiers", "ramp_s"):
        np.testing.assert_array_equal(getattr(base, name), getattr(variant, name))
    np.testing.assert_allclose(variant.intensity, 3 * base.intensity, rtol=1e-12)
    columns = ["enterprise", "date", "registrations"]
    assert counts.enterprise_days.select(columns).equals(
        variant_counts.enterprise_days.select(columns)
    )
    ratio = variant_counts.node_days["resolutions"].sum() / counts.node_days["resolutions"].sum()
    assert 2.9 < ratio < 3.1


@pytest.mark.unit
def test_initial_enterprises_keep_their_stock_and_leave_joiners_alone() -> None:
    """Listed enterprises come first with their identifiers and intensity, register no more
    without a final count, and the joiners after them are those of the run without them."""
    initial = [
        {"identifiers": 150_000, "usage_intensity": 0.02, "cases": 1},
        {"identifiers": 1_000, "final_identifiers": 5_000},
    ]
    with_initial, counts = run(spec(initial=initial))
    without, _ = run(spec())
    assert with_initial.initial.tolist()[:3] == [True, True, False]
    np.testing.assert_array_equal(with_initial.joined_s[2:], without.joined_s)
    np.testing.assert_array_equal(with_initial.final_identifiers[2:], without.final_identifiers)
    assert counts.identifiers_end[:2].tolist() == [150_000, 5_000]
    table = enterprise_frame(with_initial, START, counts)
    first = table.row(0, named=True)
    assert first["usage_intensity"] == 0.02
    assert first["cases_total"] >= 1
    # 150,000 identifiers × 0.02 = 3,000 a working day before any day factor: about 2.5k a day.
    assert 2_000 < first["resolutions_total"] / (END_S / DAY_S) < 3_000


# -- adoption ----------------------------------------------------------------------------


@pytest.mark.validation
def test_bass_mean_matches_closed_form() -> None:
    """Mean joined by 3, 6, 12 and 24 months over 400 replications is market·F(t) within
    the 99% t-interval (F = (1 − e^{−(p+q)t}) / (1 + (q/p)e^{−(p+q)t}))."""
    section = EnterprisesSpec.model_validate(
        {"adoption": {"model": "bass", "p": 0.01, "q": 0.3, "market_size": 200}}
    )
    months = np.array([3.0, 6.0, 12.0, 24.0])
    reps = 400
    joined = np.array(
        [
            np.searchsorted(joining_times(section, Streams(11, r), 0.0, END_S), months * MONTH_S)
            for r in range(reps)
        ]
    )
    expected = 200 * bass_cumulative(0.01, 0.3, months)
    half = stats.t.ppf(0.995, reps - 1) * joined.std(axis=0, ddof=1) / math.sqrt(reps)
    assert np.all(np.abs(joined.mean(axis=0) - expected) <= half), (joined.mean(axis=0), expected)
    assert expected[-1] > 150  # the test reaches the saturating part of the curve


@pytest.mark.validation
def test_growing_poisson_mean_matches_integrated_rate() -> None:
    """Joiners of '4/month' growing 5%/month over two years average
    4·(1.05^m − 1)/ln 1.05 with m = 24 calendar-average months (99% t-interval)."""
    section = EnterprisesSpec()  # the default adoption
    reps = 300
    counts = np.array([len(joining_times(section, Streams(5, r), 0.0, END_S)) for r in range(reps)])
    m = END_S / MONTH_S
    expected = 4 * (1.05**m - 1) / math.log(1.05)
    half = stats.t.ppf(0.995, reps - 1) * counts.std(ddof=1) / math.sqrt(reps)
    assert abs(counts.mean() - expected) <= half, (counts.mean(), expected)


# -- counting vs events ------------------------------------------------------------------


def _event_count(rng: np.random.Generator, hourly_rates: np.ndarray) -> int:
    """Resolutions in one day, event by event: exponential gaps at each hour's rate."""
    count = 0
    for rate in hourly_rates:
        t = rng.exponential(1.0 / rate)
        while t < 3_600.0:
            count += 1
            t += rng.exponential(1.0 / rate)
    return count


@pytest.mark.validation
def test_daily_counts_match_event_simulation() -> None:
    """Daily resolution counts of the vectorised counting and of an event-by-event
    simulation of the same non-homogeneous process agree (chi-square, α = 0.01)."""
    section = EnterprisesSpec.model_validate(
        {"initial": [{"identifiers": 4_000, "usage_intensity": 0.003}] * 12}
    )
    span = 91 * DAY_S  # Q1 2024, Spring Festival included
    streams = Streams(3, 0)
    enterprises = draw_enterprises(section, calendar(), streams, 0.0, span, START)
    counts = daily_counts(enterprises, section, calendar(), streams, 0.0, span)
    factor = {"weekday": 1.0, "weekend": 0.4, "holiday": 0.4}
    day_factor = dict(zip(counts.node_days["date"], counts.node_days["day_type"], strict=True))
    shares = np.array(section.hourly_shares())
    rng = np.random.default_rng(20240101)
    rows = counts.enterprise_days.filter(pl.col("enterprise") < 12)  # the listed ones
    counted = rows["resolutions"].to_numpy()
    simulated = np.array(
        [
            _event_count(rng, 4_000 * 0.003 * factor[day_factor[day]] * shares / 3_600.0)
            for day in rows["date"]
        ]
    )
    assert rows.height == 12 * 91
    edges = [0, 3, 5, 7, 9, 11, 13, 15, 100]
    table = np.array([np.histogram(counted, edges)[0], np.histogram(simulated, edges)[0]])
    result = stats.chi2_contingency(table)
    assert result.pvalue > 0.01, table
    # And both agree with the day's mean (12 on working days, 4.8 otherwise).
    means = np.array([12.0 * factor[day_factor[d]] for d in rows["date"]])
    assert abs(counted.sum() - means.sum()) < 4 * math.sqrt(means.sum())


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.validation
@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        (
            {"adoption": {"model": "bass", "p": 1.5, "q": 0.3, "market_size": 9}},
            "p",
            "between 0 and 1",
        ),
        (
            {"adoption": {"model": "bass", "p": 0.01, "q": -0.1, "market_size": 9}},
            "q",
            "between 0 and 1",
        ),
        ({"adoption": {"model": "bass", "p": 0, "q": 0.3, "market_size": 9}}, "p", "(0, 1]"),
        ({"adoption": {"model": "bass", "p": 0.01, "q": 0.3}}, "market_size", "Field required"),
        ({"adoption": {"model": "bass", "q": 0.3, "market_size": 9}}, "p", "Field required"),
        ({"adoption": {"model": "poisson", "growth": "5%/month"}}, "rate", "Field required"),
        ({"adoption": {"model": "logistic"}}, "adoption", "tag"),
        ({"hourly_weights": [1.0] * 23}, "hourly_weights", "expected 24 weights"),
        ({"hourly_weights": [1.0] * 23 + [-1.0]}, "hourly_weights", "weights ≥ 0"),
        ({"batch_every_workdays": 0}, "batch_every_workdays", "greater than or equal to 1"),
        ({"weekend_factor": -0.5}, "weekend_factor", "greater than or equal to 0"),
        ({"cases": {"rate": None}}, "cases", "expected rate, per_identifier or both"),
        ({"filing_delay": {"dist": "constant", "value": 5}}, "filing_delay", "with a unit"),
        (
            {"initial": [{"identifiers": 10, "final_identifiers": 5}]},
            "final_identifiers",
            "≥ identifiers",
        ),
    ],
)
def test_bad_enterprises_input(data: dict[str, Any], field: str, expected: str) -> None:
    """Each bad enterprises field is one ValidationError naming the field."""
    with pytest.raises(ValidationError) as caught:
        EnterprisesSpec.model_validate(data)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    where = ".".join(str(part) for part in errors[0]["loc"])
    assert field in where or f"{field}:" in errors[0]["msg"], (where, errors[0]["msg"])
    assert expected in errors[0]["msg"]

"""Synthetic arrival logs with day-type effects and 调休, generated with simdata's calendar.

Each workday d of the log draws its count per kind from a Poisson (or, with ``alpha > 0``,
a negative binomial NB2 with Var = μ + α μ²) of mean ``rate × factor[type(d)]``, the day
types being those of :func:`simdata.experiments.fit.day_counts.day_types`; the arrivals are
uniform over that day's office time. The scenario's rate the fit should recover is the mean
expected count over the log's workdays, :func:`expected_rate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import polars as pl

from simdata.experiments.fit.counts import log_workdays
from simdata.experiments.fit.day_counts import day_types
from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec

#: All of 2025: 调休 Sundays/Saturdays Jan 26, Feb 8, Apr 27, Sep 28, Oct 11.
START = dt.date(2025, 1, 1)
DAYS = 365


@dataclass(frozen=True)
class DayTruth:
    """Per kind: regular-day rate and NB2 alpha (0 = Poisson); factors per day type."""

    rates: dict[str, float] = field(
        default_factory=lambda: {"government": 30.0, "enterprise": 12.0}
    )
    alphas: dict[str, float] = field(default_factory=lambda: {"government": 0.0, "enterprise": 0.1})
    factors: dict[str, float] = field(
        default_factory=lambda: {"regular": 1.0, "after_break": 1.3, "makeup": 0.7}
    )
    days: int = DAYS


def calendar_of(truth: DayTruth) -> WorkCalendar:
    """The default calendar over the log's span."""
    return WorkCalendar(CalendarSpec(), START, 0.0, truth.days * 86_400.0 - 1.0)


def expected_rate(truth: DayTruth, kind: str) -> float:
    """Mean expected count per workday over the log's workdays: the scenario's rate."""
    types = layout(truth.days)[1]
    return truth.rates[kind] * float(np.mean([truth.factors[t] for t in types]))


@cache
def layout(days: int) -> tuple[WorkCalendar, list[str], np.ndarray]:
    """The calendar of a log of ``days`` days, its workdays' types and opening work times
    (computed once: the calendar's day-by-day queries are the slow part)."""
    calendar = calendar_of(DayTruth(days=days))
    workdays = log_workdays(calendar)
    opening = np.array([calendar.work_s(float((day - START).days * 86_400.0)) for day in workdays])
    return calendar, day_types(calendar, workdays), opening


def day_arrivals(seed: int, truth: DayTruth = DayTruth()) -> tuple[np.ndarray, list[str]]:
    """Arrival times (seconds from START 00:00) and their kinds."""
    rng = np.random.default_rng(seed)
    calendar, types, opening = layout(truth.days)
    factor = np.array([truth.factors[t] for t in types])
    times, kinds = [], []
    for kind, rate in truth.rates.items():
        mean = rate * factor
        alpha = truth.alphas.get(kind, 0.0)
        if alpha > 0:  # NB2 as a gamma-mixed Poisson
            mean = rng.gamma(1 / alpha, alpha * mean)
        counts = rng.poisson(mean)
        start = np.repeat(opening, counts)
        work = start + rng.uniform(0, calendar.workday_s, start.size)
        times.append(calendar.elapsed_s(work))
        kinds += [kind] * start.size
    return np.concatenate(times), kinds


def day_log(seed: int, truth: DayTruth = DayTruth()) -> pl.DataFrame:
    """The log as text columns ``arrival``, ``requester_kind``."""
    t, kinds = day_arrivals(seed, truth)
    origin = dt.datetime.combine(START, dt.time())
    stamps = [(origin + dt.timedelta(seconds=float(s))).isoformat(" ") for s in t]
    return pl.DataFrame({"arrival": stamps, "requester_kind": kinds})

"""Arrival rates per working day and shares of decisions, each with a 95 % CI.

Rates: each arrival is counted on the working day it reaches the office (an arrival in the
evening, at a weekend or on a holiday waits for the next opening, as in the model), with
simdata's calendar so that 调休 Saturdays count as workdays and holidays do not. The rate
is the mean expected count per workday of a count regression with day-type effects
(:mod:`simdata.experiments.fit.day_counts`: Poisson, or negative binomial when the counts are
over-dispersed), with its delta-method CI; the Student-t interval over the daily counts is
the fallback when no model can be fitted. The dispersion index var/mean is reported beside.

Shares: requests are independent units, so a Wilson score interval is right for them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from simdata.analysis.stats import t_interval
from simdata.arrays import FloatArray
from simdata.experiments.fit.day_counts import CountModel, HourProfile, count_model
from simdata.model.calendar import WorkCalendar
from simdata.scenario.units import DAY_S

#: z for two-sided 95 % intervals.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class RateFit:
    """Requests per workday for one requester kind."""

    kind: str
    n: int
    workdays: int
    per_workday: float
    ci: tuple[float, float]
    dispersion: float
    #: The count regression the rate and CI come from (None: the t-interval fallback).
    model: CountModel | None = None
    #: Hour-of-day profile of the raw arrivals (a diagnostic).
    hours: HourProfile | None = None


@dataclass(frozen=True)
class ShareFit:
    """A share with its Wilson 95 % CI."""

    hits: int
    n: int
    share: float
    ci: tuple[float, float]


def wilson(hits: int, n: int, z: float = Z95) -> ShareFit:
    """Share ``hits / n`` with its Wilson score interval."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ShareFit(hits, n, p, (max(0.0, centre - half), min(1.0, centre + half)))


def log_workdays(calendar: WorkCalendar) -> list[dt.date]:
    """The workdays from the calendar's start date to the day of its last instant."""
    last_day = calendar.date_of(calendar.last_s)
    days = [
        calendar.start_date + dt.timedelta(days=i)
        for i in range((last_day - calendar.start_date).days + 1)
    ]
    return [day for day in days if calendar.is_workday(day)]


def workday_index(calendar: WorkCalendar, arrival_s: FloatArray) -> tuple[FloatArray, int]:
    """Each arrival's working day (index among the log's workdays) and the workday count.

    Arrivals that would be served on a workday after the log's last day are dropped
    (index −1): that day is not observed whole.
    """
    workdays = log_workdays(calendar)
    position = {(day - calendar.start_date).days: i for i, day in enumerate(workdays)}
    opened = np.floor(calendar.next_open(arrival_s) / DAY_S).astype(np.int64)
    index = np.array([position.get(int(day), -1) for day in opened], dtype=np.float64)
    return index, len(workdays)


def rate_per_workday(
    kind: str,
    index: FloatArray,
    workdays: int,
    types: list[str] | None = None,
    hours: HourProfile | None = None,
) -> RateFit:
    """Arrivals per workday of one kind: the count regression on the day ``types`` when
    given (its mean and CI), else the mean with a t-interval over the daily counts."""
    counts = np.bincount(index[index >= 0].astype(np.int64), minlength=workdays).astype(float)
    estimate = t_interval(counts)
    mean = estimate.mean
    dispersion = float(counts.var(ddof=1) / mean) if workdays > 1 and mean > 0 else math.nan
    model = count_model(counts, types) if types is not None else None
    rate, ci = mean, (max(0.0, estimate.ci_low), estimate.ci_high)
    if model is not None:
        rate, ci = model.rate, model.rate_ci
    return RateFit(kind, int(counts.sum()), workdays, rate, ci, dispersion, model, hours)

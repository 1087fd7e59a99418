"""What the fit page draws that a fit result does not keep: the samples and the profile.

A fit result (:class:`~simdata.experiments.fit.RequestsFit`, ``NodeFit``) carries
estimates, not data; the histogram, Q–Q and P–P plots need the fitted durations, and the
arrival profile the arrival times. They are taken from the log again here, with the same
parsing and the same selection as the fit (ended and still-open reviews in working hours;
hits' and misses' latencies, timeouts censored, in ms), so the page shows exactly what
was fitted. ``tests/fit/test_fit_report.py`` checks the counts agree with the fit's n.

The arrival profile is the mean count per hour of the day over the log's days, with a 95 %
CI over days stratified by weekday/weekend, and per day of the week, with a Student-t 95 %
CI over weeks: honest when counts are over-dispersed, like the fit's own rate intervals.
Coverage is measured in docs/fit.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simdata.analysis.stats import t_interval, t_quantile
from simdata.arrays import BoolArray, FloatArray
from simdata.experiments.fit.node_log import parse_node
from simdata.experiments.fit.reading import read_log
from simdata.experiments.fit.requests_log import parse_requests
from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.loader import load_scenario
from simdata.scenario.units import DAY_S, HOUR_S

HOURS = 24
WEEKDAYS = 7
#: Saturday and Sunday (``date.weekday()`` 5 and 6): the model's weekend factor.
WEEKEND = 5


@dataclass(frozen=True)
class Sample:
    """Durations as fitted (in the fit's unit): ended ones and right-censored ones."""

    done: FloatArray
    censored: FloatArray


@dataclass(frozen=True)
class Band:
    """A mean per slot (hour or weekday) with its 95 % CI and the days behind each slot."""

    mean: FloatArray
    low: FloatArray
    high: FloatArray
    days: list[int]


@dataclass(frozen=True)
class Profile:
    """Arrivals per hour of the day and per day of the week, with CI bands."""

    n: int
    days: int
    hourly: Band
    weekday: Band


@dataclass
class FitSamples:
    """Per fitted duration field (dotted path), its sample; and the arrival profile."""

    durations: dict[str, Sample] = field(default_factory=dict)
    profile: Profile | None = None


def _band(rows: FloatArray) -> Band:
    """Column means of ``rows`` (days × slots) with a t-interval over the rows."""
    means, lows, highs, days = [], [], [], []
    for column in rows.T:
        estimate = t_interval(column)
        means.append(estimate.mean)
        lows.append(max(0.0, estimate.ci_low) if math.isfinite(estimate.ci_low) else math.nan)
        highs.append(estimate.ci_high)
        days.append(int(np.isfinite(column).sum()))
    return Band(np.array(means), np.array(lows), np.array(highs), days)


def _stratified_band(rows: FloatArray, weekend: BoolArray) -> Band:
    """Column means of ``rows`` (days × hours) over all days, with a CI stratified by
    weekday/weekend: the model's day factor makes the two kinds of day differ, and a
    t-interval over all days counts that difference as noise (measured: 99.8 % coverage
    for a nominal 95 %). Unstratified when a stratum has fewer than 2 days."""
    strata = [rows[~weekend], rows[weekend]]
    if min(len(x) for x in strata) < 2:
        return _band(rows)
    n = rows.shape[0]
    mean = rows.mean(axis=0)
    variance = sum((len(x) / n) ** 2 * x.var(axis=0, ddof=1) / len(x) for x in strata)
    half = t_quantile(0.95, n - 2) * np.sqrt(variance)
    return Band(mean, np.maximum(0.0, mean - half), mean + half, [n] * rows.shape[1])


def arrival_profile(start: dt.date, t_s: FloatArray) -> Profile:
    """Hour-of-day and day-of-week profile of arrivals ``t_s`` (seconds from ``start``)."""
    t = t_s[np.isfinite(t_s)]
    day = np.floor(t / DAY_S).astype(np.int64)
    days = int(day.max()) + 1 if day.size else 0
    hour = np.clip(np.floor((t - day * DAY_S) / HOUR_S).astype(np.int64), 0, HOURS - 1)
    grid = np.bincount(day * HOURS + hour, minlength=days * HOURS).astype(np.float64)
    counts = grid.reshape(days, HOURS)
    daily = counts.sum(axis=1)
    weekday_of = np.array([(start + dt.timedelta(days=d)).weekday() for d in range(days)])
    by_weekday = [daily[weekday_of == w] for w in range(WEEKDAYS)]
    size = max((len(x) for x in by_weekday), default=0)
    padded = np.full((size, WEEKDAYS), np.nan)
    for w, values in enumerate(by_weekday):
        padded[: len(values), w] = values
    weekend = weekday_of >= WEEKEND
    return Profile(int(t.size), days, _stratified_band(counts, weekend), _band(padded))


def requests_samples(
    data: Path, base: Path | None = None, renames: Mapping[str, str] = {}
) -> FitSamples:
    """The review times (working hours) and arrival profile of a requests log, as fitted."""
    log = parse_requests(read_log(data, renames), str(data))
    scenario = load_scenario(base) if base is not None else None
    spec = (scenario.calendar if scenario is not None else None) or CalendarSpec()
    calendar = WorkCalendar(spec, log.start_date, 0.0, log.end_s)
    found = FitSamples(profile=arrival_profile(log.start_date, log.arrival_s))
    if log.review_start_s is not None and log.review_end_s is not None:
        start, end = log.review_start_s, log.review_end_s
        ended = np.isfinite(start) & np.isfinite(end)
        still = np.isfinite(start) & ~np.isfinite(end)
        done = calendar.work_between(start[ended], end[ended]) / HOUR_S
        open_ = calendar.work_between(start[still], np.full(int(still.sum()), log.end_s)) / HOUR_S
        found.durations["policy.review_effort"] = Sample(done[done > 0], open_[open_ > 0])
    return found


def _ms(done: FloatArray, censored: FloatArray) -> Sample:
    return Sample(done[done > 0] * 1e3, censored[censored > 0] * 1e3)


def node_samples(data: Path, renames: Mapping[str, str] = {}) -> FitSamples:
    """The hit and service times (ms) and arrival profile of a node log, as fitted."""
    log = parse_node(read_log(data, renames), str(data))
    found = FitSamples(profile=arrival_profile(log.start_date, log.t_s))
    timed = np.isin(log.outcome, ("ok", "timeout"))
    ok = log.outcome == "ok"
    miss = np.ones(log.outcome.size, dtype=bool)
    latency = log.latency_s
    if log.hit is not None:
        flagged = np.isfinite(log.hit)
        hits = flagged & (log.hit == 1)
        miss = flagged & (log.hit == 0)
        found.durations["resolution.cache.hit_time"] = _ms(
            latency[hits & ok], latency[hits & timed & ~ok]
        )
    if log.service_s is not None:
        measured = miss & np.isfinite(log.service_s)
        found.durations["resolution.service_time"] = _ms(log.service_s[measured], np.empty(0))
    else:
        found.durations["resolution.service_time"] = _ms(
            latency[miss & ok], latency[miss & timed & ~ok]
        )
    return found

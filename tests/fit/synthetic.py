"""A synthetic requests log with known parameters, generated with simdata's own calendar.

Arrivals: Poisson counts per workday for each kind, uniform over office time. Reviews of a
share of requests: start at arrival (plus up to a workday), last a lognormal *working* time,
and are still open (empty ``review_end``) when they end after the log's last instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata.model.calendar import WorkCalendar
from simdata.scenario.calendar_spec import CalendarSpec

#: Spans the 2025 Spring Festival: holidays Jan 28–Feb 4, 调休 Sundays Jan 26 and Feb 8.
START = dt.date(2025, 1, 6)


@dataclass(frozen=True)
class Truth:
    """The parameters the log was generated with."""

    rates: dict[str, float]
    median_h: float
    sigma: float
    review_share: float
    reject: float
    auto: float
    days: int = 70


TRUTH = Truth({"government": 30.0, "enterprise": 12.0}, 6.0, 1.2, 0.5, 0.2, 0.1)


def _stamp(start: dt.datetime, seconds: np.ndarray) -> list[str | None]:
    return [
        None if not np.isfinite(s) else (start + dt.timedelta(seconds=float(s))).isoformat(" ")
        for s in seconds
    ]


def requests_log(seed: int, truth: Truth = TRUTH) -> tuple[pl.DataFrame, np.ndarray]:
    """The log as a frame of text columns, and every review's true working hours."""
    rng = np.random.default_rng(seed)
    end_s = truth.days * 86_400.0
    calendar = WorkCalendar(CalendarSpec(), START, 0.0, end_s)
    total_work = float(calendar.work_s(end_s))
    kinds: list[str] = []
    arrivals: list[np.ndarray] = []
    for kind, rate in truth.rates.items():
        n = rng.poisson(rate * total_work / calendar.workday_s)
        arrivals.append(calendar.elapsed_s(rng.uniform(0, total_work, n)))
        kinds += [kind] * n
    arrival = np.concatenate(arrivals)
    n = arrival.size
    conditional = rng.random(n) < truth.review_share
    auto = conditional & (rng.random(n) < truth.auto)
    reviewed = conditional & ~auto
    start = np.where(reviewed, calendar.add_work(arrival, rng.uniform(0, 6.5 * 3600, n)), np.nan)
    hours = rng.lognormal(np.log(truth.median_h), truth.sigma, n)
    end = np.where(reviewed, calendar.add_work(np.nan_to_num(start), hours * 3600), np.nan)
    start = np.where(start < end_s, start, np.nan)
    end = np.where(np.isfinite(start) & (end < end_s), end, np.nan)
    refused = rng.random(n) < truth.reject
    decision = np.where(
        auto,
        "auto_approved",
        np.where(np.isfinite(end), np.where(refused, "rejected", "approved"), ""),
    )
    origin = dt.datetime.combine(START, dt.time())
    frame = pl.DataFrame(
        {
            "arrival": _stamp(origin, arrival),
            "requester_kind": kinds,
            "channel": ["sharing" if k == "government" else "opening" for k in kinds],
            "datasets": [str(d) for d in rng.geometric(1 / 1.5, n)],
            "review_start": _stamp(origin, start),
            "review_end": _stamp(origin, end),
            "decision": [d or None for d in decision],
        }
    )
    return frame, hours[np.isfinite(start)]

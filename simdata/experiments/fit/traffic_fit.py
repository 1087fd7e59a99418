"""The node's arrival profile: mean rate, weekend factor and hourly weights from timestamps.

``resolution.traffic`` is a multiplicative Poisson model: rate × w[hour] / mean(w) × day
factor (Monday–Friday or Saturday–Sunday). Its parameters are not separately identified
(rate and both day factors trade off), so the fit fixes ``weekday_factor = 1`` and fits
``rate`` = mean arrivals per second over weekdays, ``weekend_factor`` = weekend daily mean
over weekday daily mean, and ``hourly_weights`` = the arrivals in each hour of the day over
the log, normalised to mean 1 (under the multiplicative model their shape does not depend
on the day mix). The log is taken to cover whole days, from its first timestamp's day to
its last's.

CIs are over days, not over requests: traffic varies from day to day more than a Poisson
count says, and a t-interval over daily counts stays honest when it does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simdata.analysis.stats import t_interval
from simdata.arrays import FloatArray
from simdata.scenario.resolution import HOURS_PER_DAY
from simdata.scenario.units import DAY_S, HOUR_S

#: Fewest days of a kind (weekday or weekend) for a CI over days.
MIN_DAYS = 2


@dataclass(frozen=True)
class TrafficFit:
    """The fitted traffic profile; ``None`` where the log cannot identify a value."""

    n: int
    days: int
    weekdays: int
    weekend_days: int
    rate_per_s: float
    rate_ci: tuple[float, float]
    dispersion: float
    weekend_factor: float | None
    weekend_ci: tuple[float, float] | None
    hourly_weights: list[float]
    hourly_halfwidth: float
    #: True when the rate is over weekdays (else over every day: too few weekdays).
    weekday_basis: bool


def _weekend_ratio(weekday: FloatArray, weekend: FloatArray) -> tuple[float, tuple[float, float]]:
    """Ratio of daily means with a CI on its log (delta method, Welch–Satterthwaite df)."""
    m1, m2 = float(weekday.mean()), float(weekend.mean())
    ratio = m2 / m1
    if m2 <= 0:
        return ratio, (0.0, 0.0)
    a = weekday.var(ddof=1) / (weekday.size * m1 * m1)
    b = weekend.var(ddof=1) / (weekend.size * m2 * m2)
    se = math.sqrt(a + b)
    if se == 0:
        return ratio, (ratio, ratio)
    df = (a + b) ** 2 / (a * a / (weekday.size - 1) + b * b / (weekend.size - 1) or math.inf)
    t = float(stats.t.ppf(0.975, df))
    return ratio, (ratio * math.exp(-t * se), ratio * math.exp(t * se))


def fit_traffic(start_date: dt.date, days: int, t_s: FloatArray) -> TrafficFit:
    """Fit the traffic profile of arrivals ``t_s`` (seconds from ``start_date`` 00:00)."""
    day = np.floor(t_s / DAY_S).astype(np.int64)
    hour = np.floor((t_s - day * DAY_S) / HOUR_S).astype(np.int64)
    grid = np.bincount(day * HOURS_PER_DAY + hour, minlength=days * HOURS_PER_DAY)
    counts = grid.reshape(days, HOURS_PER_DAY).astype(float)
    daily = counts.sum(axis=1)
    weekday_mask = np.array(
        [(start_date + dt.timedelta(days=d)).weekday() < 5 for d in range(days)]
    )
    weekday, weekend = daily[weekday_mask], daily[~weekday_mask]
    basis = weekday if weekday.size >= MIN_DAYS else daily
    estimate = t_interval(basis / DAY_S) if basis.size >= MIN_DAYS else None
    rate = float(basis.mean() / DAY_S)
    rate_ci = (rate, rate) if estimate is None else (max(0.0, estimate.ci_low), estimate.ci_high)
    factor: tuple[float, tuple[float, float]] | None = None
    if weekday.size >= MIN_DAYS and weekend.size >= MIN_DAYS and weekday.mean() > 0:
        factor = _weekend_ratio(weekday, weekend)
    by_hour = counts.sum(axis=0)
    weights = by_hour / by_hour.mean()
    positive = by_hour[by_hour > 0]
    halfwidth = float(1.959963984540054 / np.sqrt(positive.min())) if positive.size else math.nan
    dispersion = float(basis.var(ddof=1) / basis.mean()) if basis.size > 1 else math.nan
    return TrafficFit(
        n=int(t_s.size),
        days=days,
        weekdays=int(weekday.size),
        weekend_days=int(weekend.size),
        rate_per_s=rate,
        rate_ci=rate_ci,
        dispersion=dispersion,
        weekend_factor=None if factor is None else factor[0],
        weekend_ci=None if factor is None else factor[1],
        hourly_weights=[float(w) for w in weights],
        hourly_halfwidth=halfwidth,
        weekday_basis=basis is weekday,
    )

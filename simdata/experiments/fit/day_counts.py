"""Daily arrival counts as a count regression with day-type effects, and the hour profile.

The scenario's ``requesters.groups[kind].rate`` is one rate per working day, spread evenly
over office time. A log says more: the first workday after a weekend or holiday collects
what arrived while the office was shut, and a 调休 make-up Saturday or Sunday may be quieter
than an ordinary workday. Averaging counts over workdays hides that; a log-linear count
regression over the workdays, with day types from simdata's own calendar, measures it:

    log E[count on day d] = β₀ + β₁·[after a break] + β₂·[make-up workday]

Day types: ``makeup`` — a Saturday or Sunday the calendar makes a workday (调休);
``after_break`` — the first workday after one or more days off (Mondays, the day after a
holiday); ``regular`` — every other workday. Holidays are not workdays, 调休 days are.

The model is Poisson (statsmodels GLM) unless the Cameron–Trivedi test (regress
((y − μ)² − y)/μ on μ without constant; one-sided t) rejects equidispersion at 5 %; then a
negative binomial (NB2, statsmodels ``NegativeBinomial``) is fitted instead — the Poisson
CI would be too narrow. The scenario's rate is the model's mean expected count over the
log's workdays (the day mix of the log, which the model does not distinguish), with a
delta-method 95 % CI on its log. The day-type factors, their joint test and the
overdispersion test are diagnostics in the scenario's comments.

The hour-of-day profile of raw arrival times (before the office opens them) is a
diagnostic too: the share of arrivals inside office hours and a χ² test that arrivals are
uniform over office time, as the model assumes.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm  # type: ignore[import-untyped]
from scipy import stats
from statsmodels.discrete.discrete_model import (  # type: ignore[import-untyped]
    NegativeBinomial,
)
from statsmodels.tools.sm_exceptions import (  # type: ignore[import-untyped]
    ConvergenceWarning,
)

from simdata.arrays import FloatArray
from simdata.model.calendar import WorkCalendar
from simdata.scenario.units import DAY_S, HOUR_S

#: z for two-sided 95 % intervals.
Z95 = 1.959963984540054
#: Day types other than ``regular``, in the regression's column order.
DAY_TYPES = ("after_break", "makeup")
#: Level of the overdispersion test that switches to the negative binomial.
OVERDISPERSION_LEVEL = 0.05
#: Fewest workdays for a regression (else the t-interval over daily counts is used).
MIN_WORKDAYS = 5


def _exp(value: float) -> float:
    """exp that saturates instead of overflowing (a day type with no arrivals: β → −∞)."""
    return math.exp(min(value, 700.0))


@dataclass(frozen=True)
class DayEffect:
    """A day type's arrivals relative to a regular workday."""

    day_type: str
    factor: float
    ci: tuple[float, float]
    p_value: float


@dataclass(frozen=True)
class CountModel:
    """The count regression of one kind's daily arrivals."""

    family: str
    rate: float
    rate_ci: tuple[float, float]
    alpha: float | None
    overdispersion_stat: float
    overdispersion_p: float
    effects: list[DayEffect]
    effects_p: float
    days: dict[str, int]


@dataclass(frozen=True)
class HourProfile:
    """Raw arrivals per hour of the day (local) and whether they are uniform in office time."""

    counts: list[int]
    share: list[float]
    office_share: float
    uniform_p: float


def day_types(calendar: WorkCalendar, workdays: list[dt.date]) -> list[str]:
    """``makeup``, ``after_break`` or ``regular`` for each workday, from the calendar."""
    types = []
    for day in workdays:
        if day.weekday() >= 5:
            types.append("makeup")
        elif not calendar.is_workday(day - dt.timedelta(days=1)):
            types.append("after_break")
        else:
            types.append("regular")
    return types


def overdispersion_test(y: FloatArray, mu: FloatArray) -> tuple[float, float]:
    """Cameron–Trivedi t statistic for α in Var = μ + α μ², and its one-sided p-value."""
    z = ((y - mu) ** 2 - y) / mu
    beta = float(np.sum(z * mu) / np.sum(mu * mu))
    resid = z - beta * mu
    if y.size < 3:
        return math.nan, math.nan
    se = math.sqrt(float(np.sum(resid**2)) / (y.size - 1) / float(np.sum(mu * mu)))
    t = beta / se if se > 0 else (math.inf if beta > 0 else 0.0)
    return t, float(stats.t.sf(t, y.size - 1))


def _design(counts: FloatArray, types: list[str]) -> tuple[FloatArray, list[str]]:
    """Intercept plus a column per day type with arrivals both on and off it (a type
    without any would have an infinite coefficient: it is pooled with regular days)."""
    labels = np.array(types)
    present = [
        t for t in DAY_TYPES if counts[labels == t].sum() > 0 and counts[labels != t].sum() > 0
    ]
    columns = [np.ones(len(types))] + [(labels == p).astype(float) for p in present]
    return np.column_stack(columns), present


def _fit(
    y: FloatArray, x: FloatArray, negative: bool
) -> tuple[FloatArray, FloatArray, float | None]:
    """Coefficients, their covariance and NB2's alpha (None for Poisson)."""
    with warnings.catch_warnings():  # a separated day type: reported through its wide CI
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if negative:
            result = NegativeBinomial(y, x, loglike_method="nb2").fit(disp=0, maxiter=200)
            k = x.shape[1]
            params, cov = np.asarray(result.params), np.asarray(result.cov_params())
            return params[:k], cov[:k, :k], float(params[k])
        result = sm.GLM(y, x, family=sm.families.Poisson()).fit()
        return np.asarray(result.params), np.asarray(result.cov_params()), None


def count_model(counts: FloatArray, types: list[str]) -> CountModel | None:
    """The count regression of daily ``counts`` on their day ``types``; None when it cannot
    be fitted (no arrivals, fewer than :data:`MIN_WORKDAYS` workdays, a failed fit)."""
    if counts.sum() <= 0 or counts.size < MIN_WORKDAYS:
        return None
    x, present = _design(counts, types)
    try:
        params, cov, _ = _fit(counts, x, negative=False)
        stat, p = overdispersion_test(counts, np.exp(x @ params))
        alpha = None
        negative = bool(p < OVERDISPERSION_LEVEL)
        if negative:
            params, cov, alpha = _fit(counts, x, negative=True)
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
        return None
    mu = np.exp(x @ params)
    rate = float(mu.mean())
    grad = (mu[:, None] * x).mean(axis=0)
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0)) / rate
    effects = []
    for j, name in enumerate(present, start=1):
        b, s = float(params[j]), math.sqrt(max(float(cov[j, j]), 0.0))
        p_j = float(2 * stats.norm.sf(abs(b) / s)) if s > 0 else math.nan
        effects.append(DayEffect(name, _exp(b), (_exp(b - Z95 * s), _exp(b + Z95 * s)), p_j))
    effects_p = math.nan
    if present:
        coef, v = params[1:], cov[1:, 1:]
        with np.errstate(all="ignore"):
            chi2 = float(coef @ np.linalg.pinv(v) @ coef)
        effects_p = float(stats.chi2.sf(chi2, len(present)))
    return CountModel(
        family="negative_binomial" if negative else "poisson",
        rate=rate,
        rate_ci=(rate * _exp(-Z95 * se), rate * _exp(Z95 * se)),
        alpha=alpha,
        overdispersion_stat=stat,
        overdispersion_p=p,
        effects=effects,
        effects_p=effects_p,
        days={t: types.count(t) for t in ("regular", *DAY_TYPES)},
    )


def hour_profile(calendar: WorkCalendar, arrival_s: FloatArray) -> HourProfile:
    """Arrivals per hour of the day and the χ² test of uniformity over office time."""
    hour = np.floor((arrival_s % DAY_S) / HOUR_S).astype(np.int64)
    counts = np.bincount(hour, minlength=24).astype(float)
    open_ = np.asarray(calendar.is_open(arrival_s), dtype=bool)
    inside = np.bincount(hour[open_], minlength=24).astype(float)
    office = np.zeros(24)
    for start, end in calendar.spec.office_intervals_s():
        for h in range(24):
            office[h] += max(0.0, min(end, (h + 1) * HOUR_S) - max(start, h * HOUR_S))
    used = office > 0
    uniform_p = math.nan
    if inside.sum() > 0 and used.sum() > 1:
        expected = inside.sum() * office[used] / office[used].sum()
        chi2 = float(np.sum((inside[used] - expected) ** 2 / expected))
        uniform_p = float(stats.chi2.sf(chi2, int(used.sum()) - 1))
    total = max(counts.sum(), 1.0)
    return HourProfile(
        counts=[int(c) for c in counts],
        share=[float(c / total) for c in counts],
        office_share=float(open_.sum() / max(arrival_s.size, 1)),
        uniform_p=uniform_p,
    )

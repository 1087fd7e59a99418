"""Where observations fall among a run's replications, and whether the model is fit.

Per period: the replications' mean, a 95 % predictive interval for one more replication
(order statistics of the replications when there are ≥ 39 of them, else the normal-theory
interval mean ± t·s·√(1 + 1/R), on log(1 + value) for counts and durations), and the
observation's percentile — its mid-rank among the R replications and itself,
``(below + ½·tied + ½) / (R + 1)``, which is uniform with mean ½ when the observation is
one more replication (the probability integral transform, PIT).

Per KPI, the test is on the mean over periods of the observation's standardised gap,
z̄ = mean_p (y_p − x̄_p) / s_p (x̄_p, s_p: the replications' mean and SD; |z| capped at 10),
on log(1 + value) for counts and durations — right-skewed, so a model off by a factor is
off by a constant there — and on the value itself for shares.
Periods of one replication are not independent (a backlog carries from one month to the
next), so z̄'s spread is not that of independent terms; it is measured on the run itself:
each replication's own z̄ against the other R − 1, v_r, is the same statistic for a
trajectory known to come from the model. t = z̄ / √(mean_r v_r² · c), c the normal-theory
ratio of one z's variance with R and R − 1 references, is referred to Student's t with
R − 1 degrees of freedom (two-sided); across the file's KPIs Holm's step-down keeps the
family-wise false-alarm rate at α. A significant z̄ > 0 (observations above what the
model gives) is "model too low". (A mean of PITs was tried first: bounded in (0, 1), it
cannot reach significance when the periods move together, whatever the shift.)
The measured false-alarm rate and power are in docs/backtest.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simdata.analysis.multiplicity import ALPHA, holm
from simdata.arrays import BoolArray, FloatArray

#: Replications a backtest needs: fewer leave the spread of the mean PIT unmeasured.
MIN_REPLICATIONS = 5
#: From this many replications the predictive interval is the replications' order
#: statistics (the 1st and R-th of 39 cover a 40th draw with probability 38/40 = 95 %).
ORDER_STAT_REPLICATIONS = 39
LEVEL = 0.95
VERDICTS = ("consistent", "model too high", "model too low", "undecided")
TEST = (
    "mean standardised gap over periods (log(1 + x) for counts and durations), calibrated "
    "by the replications' own "
    "(leave-one-out) means: Student t with R − 1 df, two-sided; Holm over the KPIs, α = 0.05"
)


@dataclass(frozen=True)
class PeriodStats:
    """One KPI's per-period numbers (arrays over its periods)."""

    mean: FloatArray
    low: FloatArray
    high: FloatArray
    pit: FloatArray
    #: Replications defining the KPI in each period.
    n: FloatArray
    method: str


@dataclass(frozen=True)
class KpiTest:
    """One KPI's test before the family's correction."""

    mean_pit: float
    #: The statistic: the mean standardised gap of the observation over the periods.
    mean_z: float
    t: float
    p: float
    periods: int
    replications: int


def mid_rank(value: float, reference: FloatArray) -> float:
    """``(below + ½·tied + ½) / (len + 1)``: the PIT of ``value`` among ``reference``."""
    below = float(np.sum(reference < value))
    tied = float(np.sum(reference == value))
    return (below + 0.5 * tied + 0.5) / (reference.size + 1)


def _interval(
    values: FloatArray, bounds: tuple[float, float], log: bool = False
) -> tuple[float, float, str]:
    """The 95 % predictive interval of one more value; ``log``: the normal-theory interval
    is built on log(1 + value) and mapped back (counts and durations are right-skewed)."""
    size = values.size
    if size >= ORDER_STAT_REPLICATIONS:
        ordered = np.sort(values)
        k = max(1, math.floor((1 - LEVEL) / 2 * (size + 1)))
        return float(ordered[k - 1]), float(ordered[size - k]), "order statistics"
    if size < 2:
        return math.nan, math.nan, "normal"
    scaled = np.log1p(np.maximum(values, 0.0)) if log else values
    half = stats.t.ppf(0.5 + LEVEL / 2, size - 1) * scaled.std(ddof=1) * math.sqrt(1 + 1 / size)
    low, high = float(scaled.mean()) - half, float(scaled.mean()) + half
    if log:
        low, high = math.expm1(low), math.expm1(high)
    return max(bounds[0], low), min(bounds[1], high), "normal"


def period_stats(
    observed: FloatArray,
    simulated: FloatArray,
    bounds: tuple[float, float] = (0.0, math.inf),
    log: bool = False,
) -> PeriodStats:
    """Mean, predictive interval and PIT of each period (row of ``simulated``); ``log`` as
    for :func:`z_test`."""
    rows = len(observed)
    mean, low, high, pit, n = (np.full(rows, np.nan) for _ in range(5))
    method = "normal"
    for i in range(rows):
        values = simulated[i][np.isfinite(simulated[i])]
        n[i] = values.size
        if values.size == 0:
            continue
        mean[i] = values.mean()
        low[i], high[i], method = _interval(values, bounds, log)
        if math.isfinite(observed[i]):
            pit[i] = mid_rank(float(observed[i]), values)
    return PeriodStats(mean, low, high, pit, n, method)


def _usable(observed: FloatArray, simulated: FloatArray) -> BoolArray:
    """Periods every replication defines and the observation has (the test's periods)."""
    keep: BoolArray = np.isfinite(observed) & np.all(np.isfinite(simulated), axis=1)
    return keep


#: A period's z is capped here: a period where the replications agree exactly (s = 0)
#: and the observation differs says "far off", not "infinitely far off".
Z_CAP = 10.0


def _z(value: FloatArray, reference: FloatArray) -> FloatArray:
    """``(value − mean) / sd`` of each row's ``reference``, capped at ±:data:`Z_CAP`."""
    mean = reference.mean(axis=1)
    sd = reference.std(axis=1, ddof=1)
    gap = value - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, gap / np.where(sd > 0, sd, 1.0), np.sign(gap) * Z_CAP)
    capped: FloatArray = np.clip(z, -Z_CAP, Z_CAP)
    return capped


def _t_variance(reps: int) -> float:
    """Variance of (y − x̄)/s for y and R references iid normal: (R−1)/(R−3)·(1 + 1/R)."""
    return (reps - 1) / (reps - 3) * (1 + 1 / reps) if reps > 3 else math.inf


def z_test(observed: FloatArray, simulated: FloatArray, log: bool = False) -> KpiTest:
    """The test of one KPI (see the module docstring); p = 1 when it cannot be made.
    ``log``: compare log(1 + value), for counts and durations (≥ 0 and right-skewed)."""
    keep = _usable(observed, simulated)
    obs, sim = observed[keep], simulated[keep]
    if log:
        obs, sim = np.log1p(np.maximum(obs, 0.0)), np.log1p(np.maximum(sim, 0.0))
    periods, reps = sim.shape if sim.ndim == 2 else (0, 0)
    if periods == 0 or reps < MIN_REPLICATIONS:
        return KpiTest(math.nan, math.nan, math.nan, 1.0, int(periods), int(reps))
    pits = [mid_rank(float(y), row) for y, row in zip(obs, sim, strict=True)]
    mean_pit = float(np.mean(pits))  # the same on either scale: ranks do not change
    mean_z = float(_z(obs, sim).mean())
    own = np.array(
        [_z(sim[:, r], np.delete(sim, r, axis=1)).mean() for r in range(reps)], dtype=np.float64
    )
    spread = math.sqrt(float(np.mean(own**2)) * _t_variance(reps) / _t_variance(reps - 1))
    if spread == 0.0:
        t = 0.0 if mean_z == 0.0 else math.copysign(math.inf, mean_z)
    else:
        t = mean_z / spread
    p = float(2 * stats.t.sf(abs(t), reps - 1)) if math.isfinite(t) else 0.0
    return KpiTest(mean_pit, mean_z, t, min(1.0, p), int(periods), int(reps))


def verdicts(tests: list[KpiTest], alpha: float = ALPHA) -> tuple[list[float], list[str]]:
    """Holm-adjusted p-values over the KPIs and each KPI's verdict."""
    if not tests:
        return [], []
    adjusted = holm(np.array([test.p for test in tests], dtype=np.float64))
    found = []
    for test, p in zip(tests, adjusted, strict=True):
        if not math.isfinite(test.mean_pit):
            found.append("undecided")  # no period every replication defines
        elif p > alpha:
            found.append("consistent")
        else:
            found.append("model too low" if test.t > 0 else "model too high")
    return [float(p) for p in adjusted], found

"""Goodness-of-fit p-values for the fitted duration families, censored samples included.

AIC ranks the families against each other; it does not say whether the best one fits. The
p-value here does: the Anderson–Darling statistic (weighted towards both tails, where
waiting and SLA misses live) with its null distribution from a **parametric bootstrap that
refits the family on every replicate** — with the parameters estimated from the data, the
textbook tables would make the test far too lenient.

* **Uncensored samples**: ``scipy.stats.goodness_of_fit`` (statistic ``"ad"``, location
  fixed at 0, scale and shape refitted by scipy on each Monte Carlo sample).
* **Right-censored samples** (reviews still open, timed-out requests): ``goodness_of_fit``
  does not accept them, so the statistic is an Anderson–Darling integral of the Kaplan–Meier
  estimate K (``scipy.stats.ecdf`` on ``CensoredData``) against the fitted F,
  ``A² = n ∫ (K − F)² / (F (1 − F)) dF`` over ``[0, F(t_max)]`` (over ``[0, 1]`` when the
  largest duration ended — then, without censoring, it is exactly the classical A²). Each
  replicate draws durations from the fitted family and censoring times from the
  Kaplan–Meier estimate of the censoring distribution (events and censorings swapped; the
  mass it leaves past the last censoring sits at the largest observed time: with it at
  infinity the test was conservative, 0.127 rejections at 20 % over 150 samples, 0.193
  with it here), keeps the smaller, refits by censored MLE
  (:mod:`simdata.experiments.fit.batch_mle`, all replicates at once) and recomputes A².

Samples over :data:`MAX_ROWS` are tested on a seeded random subsample of that size: with
tens of thousands of rows any family is rejected for departures too small to matter, and
the bootstrap's cost grows with n. The p-value's resolution is 1 / (replicates + 1); size
and power are measured in docs/fit.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from simdata.arrays import BoolArray, FloatArray
from simdata.experiments.fit.batch_mle import Samples, fit_rows, start_of

#: Bootstrap replicates per test: p-values to 0.005, a few seconds per log at most.
REPLICATES = 199
#: Largest sample tested; larger ones are subsampled (seeded).
MAX_ROWS = 5000
#: Seed of the subsample and the bootstrap: the same log gives the same p-value.
SEED = 20261201
#: scipy distribution of each simdata family (location fixed at 0).
SCIPY = {"exponential": stats.expon, "lognormal": stats.lognorm, "gamma": stats.gamma}
UNCENSORED = "Anderson-Darling, scipy goodness_of_fit (refit per sample)"
CENSORED = "Anderson-Darling vs Kaplan-Meier, parametric bootstrap (censored refit per sample)"


@dataclass(frozen=True)
class GofResult:
    """A goodness-of-fit test of one family on one sample."""

    statistic: float
    p_value: float
    #: Rows tested (≤ MAX_ROWS) and how many of them were right-censored.
    n: int
    censored: int
    replicates: int
    method: str


def _uniform(times: FloatArray, event: BoolArray, cdf: FloatArray) -> FloatArray:
    """A² of each row: Kaplan–Meier of ``times``/``event`` against the fitted ``cdf`` values."""
    rows, n = times.shape
    order = np.lexsort((~event, times), axis=1)  # by time, ended before censored on ties
    ended = np.take_along_axis(event, order, axis=1)
    u = np.clip(np.take_along_axis(cdf, order, axis=1), 1e-300, 1 - 1e-16)
    at_risk = n - np.arange(n)
    km = 1 - np.cumprod(1 - ended / at_risk, axis=1)
    lower = np.concatenate([np.zeros((rows, 1)), u], axis=1)
    upper = np.concatenate([u, np.where(ended[:, -1:], 1.0, u[:, -1:])], axis=1)
    level = np.concatenate([np.zeros((rows, 1)), km], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(level > 0, level**2 * (np.log(upper) - np.log(lower)), 0.0)
        right = np.where(level < 1, (1 - level) ** 2 * (np.log1p(-lower) - np.log1p(-upper)), 0.0)
    return np.asarray(n * (left + right - (upper - lower)).sum(axis=1), dtype=np.float64)


def ad_statistic(
    family: str, times: FloatArray, event: BoolArray, args: list[FloatArray]
) -> FloatArray:
    """A² of each row of ``times`` against ``family`` with per-row scipy ``args``."""
    dist = SCIPY[family]
    cdf = dist.cdf(times, *(a[:, None] for a in args))
    return _uniform(times, event, np.asarray(cdf, dtype=np.float64))


def _censoring_draws(
    done: FloatArray, open_: FloatArray, shape: tuple[int, int], rng: np.random.Generator
) -> FloatArray:
    """Censoring times from the Kaplan–Meier estimate of their distribution; its mass left
    past the last censoring goes to the largest time observed (nothing in the sample was
    followed longer, so no replicate is either)."""
    estimate = stats.ecdf(stats.CensoredData(uncensored=open_, right=done)).cdf
    where = np.searchsorted(estimate.probabilities, rng.random(shape), side="left")
    values = np.append(estimate.quantiles, max(float(done.max()), float(open_.max())))
    return np.asarray(values[np.minimum(where, values.size - 1)], dtype=np.float64)


def _censored_test(
    family: str, done: FloatArray, open_: FloatArray, replicates: int, rng: np.random.Generator
) -> GofResult:
    times = np.concatenate([done, open_])[None, :]
    event = np.concatenate([np.ones(done.size, bool), np.zeros(open_.size, bool)])[None, :]
    args = fit_rows(family, Samples.of(times, event))
    observed = float(ad_statistic(family, times, event, args)[0])
    n = times.shape[1]
    draws = SCIPY[family].rvs(*(float(a[0]) for a in args), size=(replicates, n), random_state=rng)
    limits = _censoring_draws(done, open_, (replicates, n), rng)
    star = np.minimum(draws, limits)
    ended = draws <= limits
    keep = ended.sum(axis=1) >= 2
    star, ended = star[keep], ended[keep]
    start = start_of(family, args)
    start = None if start is None else np.repeat(start, star.shape[0], axis=0)
    refit = fit_rows(family, Samples.of(star, ended), start)
    null = ad_statistic(family, star, ended, refit)
    null = null[np.isfinite(null)]
    p = (1 + int(np.sum(null >= observed))) / (1 + null.size)
    return GofResult(observed, p, n, int(open_.size), int(null.size), CENSORED)


def goodness_of_fit(
    family: str,
    done: FloatArray,
    open_: FloatArray,
    replicates: int = REPLICATES,
    seed: int = SEED,
) -> GofResult:
    """p-value of ``family`` (location 0, parameters fitted) for ended ``done`` and
    right-censored ``open_`` durations; subsampled to :data:`MAX_ROWS` rows when larger."""
    rng = np.random.default_rng(seed)
    total = done.size + open_.size
    if total > MAX_ROWS:
        pick = np.zeros(total, dtype=bool)
        pick[rng.choice(total, MAX_ROWS, replace=False)] = True
        done, open_ = done[pick[: done.size]], open_[pick[done.size :]]
    if open_.size:
        return _censored_test(family, done, open_, replicates, rng)
    options = {"known_params": {"loc": 0.0}, "statistic": "ad", "n_mc_samples": replicates}
    try:
        result = stats.goodness_of_fit(SCIPY[family], done, **options, rng=rng)
    except TypeError:  # scipy < 1.15 names the generator random_state
        result = stats.goodness_of_fit(SCIPY[family], done, **options, random_state=rng)
    return GofResult(
        float(result.statistic), float(result.pvalue), int(done.size), 0, replicates, UNCENSORED
    )

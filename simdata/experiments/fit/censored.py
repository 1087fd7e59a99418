"""Service times fitted over simdata's duration families with right-censoring, ranked by AIC.

A review still open when the log ends is a right-censored observation: it lasted *at
least* that long. Dropping it (or treating it as done) biases the fit short, because long
reviews are the ones most likely to be open. :func:`fit_families` maximises the censored
likelihood with ``scipy.stats`` (``dist.fit`` on :class:`scipy.stats.CensoredData`), over
the families a scenario can hold whose support is (0, ∞): exponential, lognormal and
gamma (location fixed at 0), and ranks them by AIC = 2k − 2 log L.

Each family is parametrised as the scenario writes it (exponential: mean; lognormal:
median, sigma; gamma: mean, cv). The 95 % CI of each parameter is a Wald interval on its
log from the observed information (a numeric Hessian of the censored log-likelihood), so
it stays positive; its coverage is measured in docs/fit.md. Each family also carries a
goodness-of-fit p-value (:mod:`simdata.experiments.fit.goodness`): AIC says which family is
best, the p-value whether the best one fits at all.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from simdata.arrays import FloatArray
from simdata.experiments.fit import goodness
from simdata.experiments.fit.goodness import GofResult, goodness_of_fit

#: z for two-sided 95 % intervals.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class FamilyFit:
    """One family's censored MLE: scenario parameters with 95 % CIs, log-likelihood, AIC."""

    family: str
    params: dict[str, float]
    ci: dict[str, tuple[float, float]]
    loglik: float
    aic: float
    #: Goodness of fit of this family (None when not tested).
    gof: GofResult | None = None

    @property
    def p_value(self) -> float | None:
        """The goodness-of-fit p-value, or None when not tested."""
        return None if self.gof is None else self.gof.p_value


def _loglik(
    dist: stats.rv_continuous, args: tuple[float, ...], done: FloatArray, open_: FloatArray
) -> float:
    value = float(np.sum(dist.logpdf(done, *args)) + np.sum(dist.logsf(open_, *args)))
    return value if math.isfinite(value) else -math.inf


# Per family: the scipy distribution, its scenario parameter names, and the maps between
# log(scenario parameters) and scipy's shape arguments (loc = 0).
_Family = tuple[
    stats.rv_continuous,
    tuple[str, ...],
    Callable[[tuple[float, ...]], tuple[float, ...]],
    Callable[[tuple[float, ...]], tuple[float, ...]],
]
FAMILIES: dict[str, _Family] = {
    "exponential": (
        stats.expon,
        ("mean",),
        lambda fitted: (math.log(fitted[-1]),),
        lambda logs: (0.0, math.exp(logs[0])),
    ),
    "lognormal": (
        stats.lognorm,
        ("median", "sigma"),
        lambda fitted: (math.log(fitted[-1]), math.log(fitted[0])),
        lambda logs: (math.exp(logs[1]), 0.0, math.exp(logs[0])),
    ),
    "gamma": (
        stats.gamma,
        ("mean", "cv"),
        lambda fitted: (math.log(fitted[0] * fitted[-1]), -0.5 * math.log(fitted[0])),
        lambda logs: (math.exp(-2 * logs[1]), 0.0, math.exp(logs[0] + 2 * logs[1])),
    ),
}


def hessian(f: Callable[[FloatArray], float], x: FloatArray, step: float = 1e-4) -> FloatArray:
    """Central-difference Hessian of ``f`` at ``x`` (two or three parameters: cheap)."""
    n = x.size
    h = np.zeros((n, n))
    eye = np.eye(n) * step
    for i in range(n):
        for j in range(i, n):
            value = (
                f(x + eye[i] + eye[j])
                - f(x + eye[i] - eye[j])
                - f(x - eye[i] + eye[j])
                + f(x - eye[i] - eye[j])
            ) / (4 * step * step)
            h[i, j] = h[j, i] = value
    return h


def fit_family(name: str, done: FloatArray, open_: FloatArray) -> FamilyFit:
    """Censored MLE of one family on durations ``done`` (ended) and ``open_`` (censored)."""
    dist, names, to_logs, from_logs = FAMILIES[name]
    data = stats.CensoredData(uncensored=done, right=open_)
    fitted = dist.fit(data, floc=0)
    logs = np.array(to_logs(tuple(float(v) for v in fitted)))

    def negative(x: FloatArray) -> float:
        return -_loglik(dist, from_logs(tuple(x)), done, open_)

    loglik = -negative(logs)
    try:
        cov = np.linalg.inv(hessian(negative, logs))
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    except np.linalg.LinAlgError:
        se = np.full(logs.size, math.inf)
    params = {n: math.exp(v) for n, v in zip(names, logs, strict=True)}
    ci = {
        n: (math.exp(v - Z95 * s), math.exp(v + Z95 * s))
        for n, v, s in zip(names, logs, se, strict=True)
    }
    return FamilyFit(name, params, ci, loglik, 2 * len(names) - 2 * loglik)


def fit_families(
    done: FloatArray, open_: FloatArray, replicates: int | None = None
) -> list[FamilyFit]:
    """Every family's censored fit, best (lowest AIC) first, each with its goodness-of-fit
    test over ``replicates`` bootstrap samples (default :data:`goodness.REPLICATES`, read at
    call time; none when 0)."""
    fits = [fit_family(name, done, open_) for name in FAMILIES]
    if replicates is None:
        replicates = goodness.REPLICATES
    if replicates:
        fits = [
            replace(fit, gof=goodness_of_fit(fit.family, done, open_, replicates)) for fit in fits
        ]
    return sorted(fits, key=lambda fit: fit.aic)


def naive_lognormal_median(done: FloatArray) -> float:
    """The median a fit ignoring open reviews would give (for the bias comparison in tests)."""
    return float(np.exp(np.mean(np.log(done))))

"""Across-enterprise distributions: censored family fits and the mixed-Poisson usage intensity.

Families are simdata's with support (0, ∞) — exponential (mean), lognormal (median, sigma)
and gamma (mean, cv) — parametrised as a scenario writes them (the table of
:mod:`simdata.experiments.fit.censored`). Two likelihoods:

* :func:`fit_censored` — exact values, interval-censored values (low < x ≤ high) and
  right-censored values (x > c): Σ log f + Σ log(F(high) − F(low)) + Σ log S(c).
* :func:`fit_intensity` — an enterprise's resolutions y given its exposure E (identifier
  working days) are Poisson(λ·E) with λ drawn from the family across enterprises; the
  likelihood is the mixture: negative binomial in closed form for gamma and exponential,
  adaptive Gauss–Hermite quadrature (centred at the mode, 15 nodes) for lognormal. The
  counting noise of enterprises with few resolutions is thus in the model, not in the
  spread.

CIs are Wald on the log of each parameter from the observed information (numeric Hessian).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from simdata.arrays import FloatArray
from simdata.experiments.fit.censored import FAMILIES
from simdata.experiments.fit.enterprises_adoption import Estimate, standard_errors

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(15)


@dataclass(frozen=True)
class DistFit:
    """One family's MLE: scenario parameters with standard errors, log-likelihood, AIC."""

    family: str
    params: dict[str, Estimate]
    loglik: float
    aic: float


def _finish(name: str, negative: Callable[[FloatArray], float], logs: FloatArray) -> DistFit:
    se = standard_errors(negative, logs)
    names = FAMILIES[name][1]
    params = {
        key: Estimate(math.exp(v), float(s)) for key, v, s in zip(names, logs, se, strict=True)
    }
    loglik = -negative(logs)
    return DistFit(name, params, loglik, 2 * len(names) - 2 * loglik)


def _censored_one(
    name: str, exact: FloatArray, low: FloatArray, high: FloatArray, right: FloatArray
) -> DistFit:
    dist, _, to_logs, from_logs = FAMILIES[name]
    interval = np.column_stack([low, high]) if low.size else np.empty((0, 2))
    data = stats.CensoredData(uncensored=exact, right=right, interval=interval)
    with np.errstate(divide="ignore"):  # an empty interval's log(0) during the search
        logs = np.array(to_logs(tuple(float(v) for v in dist.fit(data, floc=0))))

    def negative(x: FloatArray) -> float:
        try:
            args = from_logs(tuple(x))
        except OverflowError:  # a search step toward an unbounded scale: not a maximum
            return math.inf
        with np.errstate(divide="ignore"):
            value = float(
                np.sum(dist.logpdf(exact, *args))
                + np.sum(dist.logsf(right, *args))
                + np.sum(np.log(dist.cdf(high, *args) - dist.cdf(low, *args)))
            )
        return -value if math.isfinite(value) else math.inf

    found = optimize.minimize(negative, logs, method="Nelder-Mead", options={"xatol": 1e-8})
    if found.fun < negative(logs):
        logs = np.asarray(found.x, dtype=np.float64)
    return _finish(name, negative, logs)


def fit_censored(
    exact: FloatArray,
    low: FloatArray | None = None,
    high: FloatArray | None = None,
    right: FloatArray | None = None,
) -> list[DistFit]:
    """Every family's censored MLE, best (lowest AIC) first."""
    empty = np.empty(0)
    low = empty if low is None else low
    high = empty if high is None else high
    right = empty if right is None else right
    fits = [_censored_one(name, exact, low, high, right) for name in FAMILIES]
    return sorted(fits, key=lambda fit: fit.aic)


def _lognormal_mixed(y: FloatArray, expo: FloatArray) -> Callable[[FloatArray], float]:
    log_e = np.log(expo)
    const = special.gammaln(y + 1)

    def negative(x: FloatArray) -> float:
        mu, sigma = float(x[0]), math.exp(float(x[1]))

        def h(z: FloatArray) -> FloatArray:  # the log integrand, z of shape (n, nodes)
            eta = log_e[:, None] + mu + sigma * z
            value = y[:, None] * eta - np.exp(eta) - const[:, None] - z * z / 2
            return np.asarray(value, dtype=np.float64)

        z = np.clip((np.log(y + 0.5) - log_e - mu) / sigma, -8, 8)
        for _ in range(30):  # Newton on the concave log integrand: its mode
            rate = np.exp(np.minimum(log_e + mu + sigma * z, 700))
            z = z - (y * sigma - sigma * rate - z) / (-sigma * sigma * rate - 1)
        curve = sigma * sigma * np.exp(log_e + mu + sigma * z) + 1
        scale = 1 / np.sqrt(curve)
        points = z[:, None] + math.sqrt(2) * scale[:, None] * _NODES[None, :]
        terms = h(points) + _NODES[None, :] ** 2 + np.log(_WEIGHTS)[None, :]
        integral = special.logsumexp(terms, axis=1) + np.log(math.sqrt(2) * scale)
        value = float(np.sum(integral - 0.5 * math.log(2 * math.pi)))
        return -value if math.isfinite(value) else math.inf

    return negative


def _gamma_mixed(y: FloatArray, expo: FloatArray, fixed_cv: bool) -> Callable[[FloatArray], float]:
    def negative(x: FloatArray) -> float:
        mean = math.exp(float(x[0]))
        cv = 1.0 if fixed_cv else math.exp(float(x[1]))
        shape = 1 / cv**2
        value = float(np.sum(stats.nbinom.logpmf(y, shape, 1 / (1 + mean * cv**2 * expo))))
        return -value if math.isfinite(value) else math.inf

    return negative


def fit_intensity(y: FloatArray, expo: FloatArray) -> list[DistFit]:
    """Usage intensity λ (per identifier working day) across enterprises, Poisson-mixed."""
    raw = np.log((y + 0.5) / expo)
    mu, spread = float(np.median(raw)), max(float(np.std(raw)), 0.05)
    fits = []
    for name in FAMILIES:
        if name == "lognormal":
            negative = _lognormal_mixed(y, expo)
            start = np.array([mu, math.log(spread)])
        else:
            negative = _gamma_mixed(y, expo, fixed_cv=name == "exponential")
            mean = float(np.sum(y) / np.sum(expo))
            start = np.array([math.log(mean)] + ([] if name == "exponential" else [0.0]))
        found = optimize.minimize(
            negative, start, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10}
        )
        # x is the log of the scenario's parameters: (log median, log sigma), (log mean,
        # log cv) or (log mean,) — the order of FAMILIES' names.
        fits.append(_finish(name, negative, np.asarray(found.x, dtype=np.float64)))
    return sorted(fits, key=lambda fit: fit.aic)

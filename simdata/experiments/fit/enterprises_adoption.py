"""Adoption: when enterprises join, fitted by maximum likelihood as the model draws it.

The joins inside the log's span [0, T] (months of 30.4375 d from the log's first day; a
join on a date counts at its midday) are a point process. Three of the models
:class:`~simdata.scenario.identifiers.EnterprisesSpec` can hold are fitted:

* ``poisson`` with growth: intensity λ(t) = λ₀·e^{g·t}; log L = n·log λ₀ + g·Σtᵢ −
  λ₀·(e^{gT} − 1)/g. λ₀ is profiled out (λ₀ = n·g/(e^{gT} − 1)), g by a bounded scalar search.
* ``poisson`` constant: λ₀ = n/T (g = 0).
* ``bass``: each of m candidates adopts at a time of Bass's F(t); the Janossy density of the
  observed times is m!/(m − n)!·Πf(tᵢ)·(1 − F(T))^{m−n} — the same measure as the Poisson
  likelihood, so the AICs compare. m is treated as continuous (log-gamma) and rounded.

CIs are Wald intervals from the observed information (numeric Hessian) on the scale where
the estimator is close to normal: log λ₀, g itself, log p, log q and log(m − n). Their
coverage is measured in docs/fit.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from simdata.arrays import FloatArray
from simdata.experiments.fit.censored import hessian

#: Growth rates searched, per month (e^{±1}: ×2.7 a month is beyond any adoption).
MAX_GROWTH = 1.0
#: Widest log-scale half-width kept (beyond it the interval is unbounded: exp overflows).
MAX_LOG_WIDTH = 700.0
#: Largest market size searched (the scenario's limit, MAX_MARKET_SIZE).
MAX_MARKET = 10_000_000


@dataclass(frozen=True)
class Estimate:
    """A parameter estimate with its standard error on the scale of ``transform``.

    ``scale`` is ``"log"`` (CI exp(log x ± z·se)), ``"linear"`` (x ± z·se) or
    ``"excess"`` (log(x − offset) ± z·se: a market size above the joins seen).
    """

    value: float
    se: float
    scale: str = "log"
    offset: float = 0.0
    #: A profile-likelihood interval at a given z, used instead of the Wald one when set.
    profile: Callable[[float], tuple[float, float]] | None = None

    def ci(self, z: float) -> tuple[float, float]:
        """The interval at normal quantile ``z`` (1.96 for 95 %, 2.576 for 99 %)."""
        if self.profile is not None:
            return self.profile(z)
        if not math.isfinite(self.se) or z * self.se > MAX_LOG_WIDTH:
            return (-math.inf if self.scale == "linear" else self.offset, math.inf)
        if self.scale == "linear":
            return self.value - z * self.se, self.value + z * self.se
        base = self.value - self.offset
        return (
            self.offset + base * math.exp(-z * self.se),
            self.offset + base * math.exp(z * self.se),
        )


@dataclass(frozen=True)
class AdoptionFit:
    """One adoption model's MLE: parameters (per month), log-likelihood and AIC."""

    model: str  # "poisson-growth", "poisson" or "bass"
    params: dict[str, Estimate]
    loglik: float
    aic: float
    n: int
    span_months: float


def standard_errors(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray:
    """Standard errors from the inverse observed information of negative log-lik ``f``."""
    try:
        cov = np.linalg.inv(hessian(f, x))
    except np.linalg.LinAlgError:
        return np.full(x.size, math.inf)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), math.inf)


def _grown(g: float, span: float) -> float:
    """∫₀ᵀ e^{g·t} dt, stable at g = 0."""
    return span if abs(g * span) < 1e-12 else math.expm1(g * span) / g


def _poisson_negloglik(times: FloatArray, span: float) -> Callable[[FloatArray], float]:
    total = float(times.sum())

    def negative(x: FloatArray) -> float:
        log_rate, g = float(x[0]), float(x[1])
        return -(times.size * log_rate + g * total - math.exp(log_rate) * _grown(g, span))

    return negative


def fit_poisson(times: FloatArray, span: float, growth: bool = True) -> AdoptionFit:
    """Poisson joins at λ₀·e^{g·t} (g fitted, or 0), t and T in months."""
    n = times.size
    negative = _poisson_negloglik(times, span)

    def profile(g: float) -> float:
        return negative(np.array([math.log(n / _grown(g, span)), g]))

    if growth:
        g = float(
            optimize.minimize_scalar(profile, bounds=(-MAX_GROWTH, MAX_GROWTH), method="bounded").x
        )
        x = np.array([math.log(n / _grown(g, span)), g])
        se = standard_errors(negative, x)
        params = {
            "rate": Estimate(math.exp(x[0]), float(se[0])),
            "growth": Estimate(g, float(se[1]), "linear"),
        }
    else:
        x = np.array([math.log(n / span), 0.0])
        params = {"rate": Estimate(n / span, 1 / math.sqrt(n))}
    loglik = -negative(x)
    k = len(params)
    return AdoptionFit(
        "poisson-growth" if growth else "poisson", params, loglik, 2 * k - 2 * loglik, n, span
    )


def bass_cdf(p: float, q: float, t: FloatArray | float) -> FloatArray:
    """Bass's F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t})."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return np.asarray((1.0 - decay) / (1.0 + (q / p) * decay), dtype=np.float64)


def _bass_negloglik(times: FloatArray, span: float) -> Callable[[FloatArray], float]:
    n = times.size

    def negative(x: FloatArray) -> float:
        p, q, extra = math.exp(x[0]), math.exp(x[1]), math.exp(x[2])
        m = n + extra
        decay = np.exp(-(p + q) * times)
        log_f = 2 * math.log(p + q) - math.log(p) - (p + q) * times - 2 * np.log1p((q / p) * decay)
        survive = 1.0 - float(bass_cdf(p, q, span))
        if not survive > 0:
            return math.inf
        value = (
            special.gammaln(m + 1)
            - special.gammaln(extra + 1)
            + float(log_f.sum())
            + extra * math.log(survive)
        )
        return -float(value) if math.isfinite(value) else math.inf

    return negative


def _market_profile(
    negative: Callable[[FloatArray], float], x: FloatArray, n: int
) -> Callable[[float], tuple[float, float]]:
    """Profile-likelihood interval of the market size: {m : 2·(ℓ̂ − ℓ_p(m)) ≤ z²}.

    Near saturation (almost every candidate joined) m − n is close to 0 and the Wald
    interval on log(m − n) misses the truth often; the profile's does not.
    """
    best = negative(x)
    start = x[:2].copy()

    def excess(log_extra: float) -> float:
        def inner(pq: FloatArray) -> float:
            return negative(np.array([pq[0], pq[1], log_extra]))

        found = optimize.minimize(inner, start, method="Nelder-Mead", options={"xatol": 1e-6})
        return float(found.fun) - best

    def interval(z: float) -> tuple[float, float]:
        level = z * z / 2
        lo_edge, hi_edge = math.log(1e-6), math.log(MAX_MARKET - n + 1)
        here = float(x[2])
        low = float(n)
        if excess(lo_edge) > level:
            low = n + math.exp(optimize.brentq(lambda v: excess(v) - level, lo_edge, here))
        high = math.inf
        if excess(hi_edge) > level:
            high = n + math.exp(optimize.brentq(lambda v: excess(v) - level, here, hi_edge))
        return low, high

    return interval


def fit_bass(times: FloatArray, span: float) -> AdoptionFit:
    """Bass diffusion (p, q per month; market size m ≥ n) by maximum likelihood."""
    n = times.size
    negative = _bass_negloglik(times, span)
    best: optimize.OptimizeResult | None = None
    for p0, q0, share in ((0.01, 0.3, 0.5), (0.03, 0.1, 0.9), (0.005, 0.5, 0.3), (0.05, 0.0, 0.2)):
        start = np.array([math.log(p0), math.log(max(q0, 1e-3)), math.log(n / share - n + 1)])
        result = optimize.minimize(
            negative,
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000},
        )
        if best is None or result.fun < best.fun:
            best = result
    assert best is not None
    x = np.asarray(best.x, dtype=np.float64)
    se = standard_errors(negative, x)
    params = {
        "p": Estimate(math.exp(x[0]), float(se[0])),
        "q": Estimate(math.exp(x[1]), float(se[1])),
        "market_size": Estimate(
            n + math.exp(x[2]),
            float(se[2]),
            "excess",
            float(n),
            _market_profile(negative, x, n),
        ),
    }
    loglik = -float(best.fun)
    return AdoptionFit("bass", params, loglik, 6 - 2 * loglik, n, span)


def fit_adoption(times: FloatArray, span: float) -> list[AdoptionFit]:
    """The adoption models fitted to join times (months), best (lowest AIC) first."""
    fits = [fit_poisson(times, span), fit_poisson(times, span, growth=False)]
    if times.size >= 3:
        fits.append(fit_bass(times, span))
    return sorted(fits, key=lambda fit: fit.aic)

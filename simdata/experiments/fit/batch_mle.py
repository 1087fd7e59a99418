"""Censored maximum likelihood for many samples at once: the refits of a parametric bootstrap.

A goodness-of-fit p-value for a censored sample refits the family on every bootstrap
replicate (otherwise the test is far too lenient: the fitted curve is closer to its own data
than the truth is). ``scipy``'s censored ``dist.fit`` takes 20–80 ms per sample, so 199
replicates of three families would take over 10 s; here all replicates are fitted together.

The ended durations enter the log-likelihood only through sufficient statistics (count, sum
of ``log t``, of ``log² t``, of ``t``), so each evaluation costs O(replicates × censored
rows). The maximum is found by Newton's method on log-parameters with finite-difference
derivatives and step halving, vectorised over the replicates. Parameters are scipy's
(shape…, loc = 0, scale); the exponential's censored MLE is closed-form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from simdata.arrays import BoolArray, FloatArray

#: Newton iterations at most (a converged row stops changing; a few suffice from a near start).
MAX_ITERATIONS = 40
#: Finite-difference step on the log-parameters.
STEP = 1e-4


@dataclass(frozen=True)
class Samples:
    """Samples as rows: ended durations by their sufficient statistics, censored ones padded."""

    n_done: FloatArray
    sum_log: FloatArray
    sum_log2: FloatArray
    sum_t: FloatArray
    #: (rows, m) right-censored durations, NaN where a row has fewer than m.
    censored: FloatArray

    @classmethod
    def of(cls, times: FloatArray, event: BoolArray) -> Samples:
        """Rows of ``times`` (rows, n) with ``event`` True where the duration ended."""
        logs = np.log(np.where(event, times, 1.0))
        open_ = np.sort(np.where(event, np.nan, times), axis=1)
        width = int((~event).sum(axis=1).max(initial=0))
        return cls(
            event.sum(axis=1).astype(float),
            logs.sum(axis=1),
            (logs * logs).sum(axis=1),
            np.where(event, times, 0.0).sum(axis=1),
            open_[:, :width],
        )


def _censored_sum(values: FloatArray) -> FloatArray:
    return np.asarray(np.where(np.isnan(values), 0.0, values).sum(axis=1), dtype=np.float64)


def lognormal_loglik(x: FloatArray, s: Samples) -> FloatArray:
    """Log-likelihood per row at x = (μ, log σ) of the log-duration (constants dropped)."""
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma = np.exp(log_sigma)
    quad = s.sum_log2 - 2 * mu * s.sum_log + s.n_done * mu * mu
    done = -s.n_done * log_sigma - quad / (2 * sigma * sigma) - s.sum_log
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (np.log(s.censored) - mu[:, None]) / sigma[:, None]
        tail = special.log_ndtr(-z)
    return np.asarray(done + _censored_sum(tail), dtype=np.float64)


def gamma_loglik(x: FloatArray, s: Samples) -> FloatArray:
    """Log-likelihood per row at x = (log shape, log mean): orthogonal, so Newton is quick."""
    k = np.exp(x[:, 0])
    log_theta = x[:, 1] - x[:, 0]
    theta = np.exp(log_theta)
    done = (k - 1) * s.sum_log - s.sum_t / theta - s.n_done * (k * log_theta + special.gammaln(k))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = special.gammaincc(k[:, None], s.censored / theta[:, None])
        tail = np.log(np.maximum(q, 1e-300))
    return np.asarray(done + _censored_sum(tail), dtype=np.float64)


def _derivatives(
    f: Callable[[FloatArray], FloatArray], x: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Value, gradient (rows, 2) and Hessian (rows, 2, 2) by central differences."""
    h = STEP
    e0, e1 = np.array([h, 0.0]), np.array([0.0, h])
    f0 = f(x)
    fp0, fm0, fp1, fm1 = f(x + e0), f(x - e0), f(x + e1), f(x - e1)
    fpp, fmm = f(x + e0 + e1), f(x - e0 - e1)
    grad = np.stack([(fp0 - fm0) / (2 * h), (fp1 - fm1) / (2 * h)], axis=1)
    h00 = (fp0 - 2 * f0 + fm0) / (h * h)
    h11 = (fp1 - 2 * f0 + fm1) / (h * h)
    h01 = (fpp - fp0 - fp1 + 2 * f0 - fm0 - fm1 + fmm) / (2 * h * h)
    hess = np.stack([np.stack([h00, h01], axis=1), np.stack([h01, h11], axis=1)], axis=1)
    return f0, grad, hess


def maximise(f: Callable[[FloatArray], FloatArray], x0: FloatArray) -> FloatArray:
    """Rows of two parameters maximising ``f`` row-wise: damped Newton from ``x0``.

    Where the Hessian is not negative definite the step is a short gradient step; a step
    that lowers ``f`` is halved (up to 20 times), so every row's value never decreases.
    """
    x = x0.copy()
    for _ in range(MAX_ITERATIONS):
        value, grad, hess = _derivatives(f, x)
        det = hess[:, 0, 0] * hess[:, 1, 1] - hess[:, 0, 1] ** 2
        concave = (hess[:, 0, 0] < 0) & (det > 0)
        safe = np.where(concave, det, 1.0)
        newton = np.stack(
            [
                -(hess[:, 1, 1] * grad[:, 0] - hess[:, 0, 1] * grad[:, 1]) / safe,
                -(hess[:, 0, 0] * grad[:, 1] - hess[:, 0, 1] * grad[:, 0]) / safe,
            ],
            axis=1,
        )
        scale = np.maximum(np.abs(np.diagonal(hess, axis1=1, axis2=2)).max(axis=1), 1.0)
        step = np.where(concave[:, None], newton, grad / scale[:, None])
        step = np.where(np.isfinite(step), step, 0.0)
        size = np.ones(x.shape[0])
        moved = np.zeros(x.shape[0], dtype=bool)
        for _ in range(20):
            trial = x + size[:, None] * step
            better = (f(trial) >= value) & ~moved
            x = np.where(better[:, None], trial, x)
            moved |= better
            if moved.all():
                break
            size = np.where(moved, size, size / 2)
        if np.max(np.abs(size[:, None] * step)) < 1e-7:
            break
    return x


def fit_rows(family: str, s: Samples, start: FloatArray | None = None) -> list[FloatArray]:
    """Censored MLE of ``family`` for every row, as scipy arguments (shape…, loc, scale)."""
    rows = s.n_done.size
    zero = np.zeros(rows)
    if family == "exponential":
        mean = (s.sum_t + _censored_sum(s.censored)) / s.n_done
        return [zero, mean]
    if start is None:
        n = np.maximum(s.n_done, 1.0)
        mean_log = s.sum_log / n
        sd_log = np.sqrt(np.maximum(s.sum_log2 / n - mean_log**2, 1e-6))
        if family == "lognormal":
            start = np.stack([mean_log, np.log(sd_log)], axis=1)
        else:  # gamma: Minka's approximation to the uncensored shape, scale from the mean
            gap = np.maximum(np.log(s.sum_t / n) - mean_log, 1e-6)
            shape = (3 - gap + np.sqrt((gap - 3) ** 2 + 24 * gap)) / (12 * gap)
            start = np.stack([np.log(shape), np.log(s.sum_t / n)], axis=1)
    if family == "lognormal":
        x = maximise(lambda p: lognormal_loglik(p, s), start)
        return [np.exp(x[:, 1]), zero, np.exp(x[:, 0])]
    x = maximise(lambda p: gamma_loglik(p, s), start)
    return [np.exp(x[:, 0]), zero, np.exp(x[:, 1] - x[:, 0])]


def start_of(family: str, args: list[FloatArray]) -> FloatArray | None:
    """The log-parameters of fitted scipy arguments: a start near the replicates' optimum."""
    if family == "lognormal":
        return np.stack([np.log(args[2]), np.log(args[0])], axis=1)
    if family == "gamma":
        return np.stack([np.log(args[0]), np.log(args[0] * args[2])], axis=1)
    return None

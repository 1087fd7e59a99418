"""Summaries over replications: mean, 95% Student-t CI, standard deviation, n.

Replications are independent and identically distributed, so the t-interval on their
means is the textbook estimator (Law 2015, *Simulation Modeling and Analysis*, §9.4.1).
NaN values (a KPI undefined in a replication, e.g. no arrivals) are excluded from n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import polars as pl
from scipy import stats

from simdata.arrays import FloatArray, IntArray

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A KPI's mean over replications with its two-sided CI."""

    mean: float
    ci_low: float
    ci_high: float
    std: float
    n: int


@overload
def t_quantile(confidence: float, df: float, *, sided: Literal["two", "one"] = "two") -> float: ...
@overload
def t_quantile(
    confidence: float, df: FloatArray, *, sided: Literal["two", "one"] = "two"
) -> FloatArray: ...
def t_quantile(
    confidence: float, df: float | FloatArray, *, sided: Literal["two", "one"] = "two"
) -> float | FloatArray:
    """The Student-t quantile of a ``confidence`` interval with ``df`` degrees of freedom.

    Two-sided: the ``0.5 + confidence / 2`` quantile (0.975 at 95 %); one-sided: the
    ``confidence`` quantile (a lower bound ``mean - q·sem`` holds with that confidence).
    """
    level = 0.5 + confidence / 2 if sided == "two" else confidence
    if isinstance(df, np.ndarray):
        return np.asarray(stats.t.ppf(level, df), dtype=np.float64)
    return float(stats.t.ppf(level, df))


def t_half_width(
    std: FloatArray, n: IntArray | FloatArray, confidence: float = CONFIDENCE
) -> FloatArray:
    """Half-width of the two-sided Student-t CI of a mean, element-wise (NaN where n < 2)."""
    n_float = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = t_quantile(confidence, np.maximum(n_float - 1, 1))
        half = quantile * std / np.sqrt(n_float)
    return np.where(n_float >= 2, half, np.nan)


def t_interval(values: FloatArray, confidence: float = CONFIDENCE) -> Estimate:
    """Mean and two-sided Student-t CI of i.i.d. replication values (NaNs dropped)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1)
    std = float(x.std(ddof=1))
    half = t_quantile(confidence, n - 1) * std / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, std, n)


def sample_skewness(values: FloatArray) -> FloatArray:
    """The skewness γ̂ = μ̂₃ / s³ of each row of ``values`` (μ̂₃ the unbiased third central
    moment, ``n/((n−1)(n−2)) Σ(x − x̄)³``; s the sample standard deviation); NaN for n < 3
    or s = 0."""
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    n = x.shape[1]
    if n < 3:
        return np.full(x.shape[0], np.nan)
    centred = x - x.mean(axis=1, keepdims=True)
    std = x.std(axis=1, ddof=1)
    third = n / ((n - 1) * (n - 2)) * np.sum(centred**3, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(std > 0, third / std**3, np.nan), dtype=np.float64)


def hall_bounds(
    mean: FloatArray, std: FloatArray, skew: FloatArray, n: int, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Two-sided CI of a mean corrected for the sample's skewness (Hall 1992, "On the
    removal of skewness by transformation", JRSS B 54; the form of Zhou & Dinh 2005).

    With S = (x̄ − μ)/s and γ̂ the sample skewness, ``√n·(S + γ̂S²/3 + γ̂²S³/27 + γ̂/(6n))``
    is close to Student-t with n − 1 degrees of freedom, and the transformation is monotone
    (its derivative is ``(1 + γ̂S/3)² ≥ 0``), so it inverts in closed form:
    ``S(T) = 3/γ̂ · ((1 + γ̂·(T/√n − γ̂/(6n)))^⅓ − 1)`` and μ lies in
    ``[x̄ − s·S(t), x̄ − s·S(−t)]``. For right-skewed replication means (short-run waits)
    the interval reaches further up than the t-interval, whose upper end then falls below
    the truth too often; with γ̂ = 0 it is the t-interval. Vectorised over samples of size n.
    """
    t = t_quantile(confidence, n - 1)
    gamma = np.nan_to_num(np.asarray(skew, dtype=np.float64))
    root_n = math.sqrt(n)

    def shift(quantile: float) -> FloatArray:
        inner = quantile / root_n - gamma / (6 * n)
        small = np.abs(gamma) < 1e-9
        safe = np.where(small, 1.0, gamma)
        exact = 3.0 / safe * (np.cbrt(1.0 + safe * inner) - 1.0)
        return np.asarray(np.where(small, inner, exact), dtype=np.float64)

    low = mean - std * shift(t)
    high = mean - std * shift(-t)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def hall_interval(values: FloatArray, confidence: float = CONFIDENCE) -> Estimate:
    """Mean and skewness-corrected CI (:func:`hall_bounds`) of i.i.d. replication values
    (NaNs dropped); the t-interval below 3 values or when every value is the same."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    plain = t_interval(x, confidence)
    if plain.n < 3 or plain.std == 0:
        return plain
    low, high = hall_bounds(
        np.array([plain.mean]), np.array([plain.std]), sample_skewness(x), plain.n, confidence
    )
    return Estimate(plain.mean, float(low[0]), float(high[0]), plain.std, plain.n)


#: The intervals :func:`summarise` offers: Student-t, or Hall's skewness-corrected t.
INTERVALS = {"t": t_interval, "hall": hall_interval}


#: One summarised KPI: its name and :class:`Estimate`.
ESTIMATE_SCHEMA = {
    "kpi": pl.String,
    "mean": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "std": pl.Float64,
    "n": pl.Int64,
}


def estimate_row(name: str, estimate: Estimate) -> dict[str, object]:
    """A row of :data:`ESTIMATE_SCHEMA`."""
    return {
        "kpi": name,
        "mean": estimate.mean,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "std": estimate.std,
        "n": estimate.n,
    }


def summarise(
    kpis: pl.DataFrame, confidence: float = CONFIDENCE, interval: str = "t"
) -> pl.DataFrame:
    """Long ``replication, kpi, value`` → one row per KPI: ``kpi, mean, ci_low, …, n``,
    with the ``interval`` of :data:`INTERVALS`."""
    rows = []
    for name in kpis["kpi"].unique(maintain_order=True).to_list():
        values = kpis.filter(pl.col("kpi") == name)["value"].to_numpy()
        estimate = INTERVALS[interval](values, confidence)
        rows.append(estimate_row(name, estimate))
    return pl.DataFrame(rows, schema=ESTIMATE_SCHEMA)

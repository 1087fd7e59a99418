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


def summarise(kpis: pl.DataFrame, confidence: float = CONFIDENCE) -> pl.DataFrame:
    """Long ``replication, kpi, value`` → one row per KPI: ``kpi, mean, ci_low, …, n``."""
    rows = []
    for name in kpis["kpi"].unique(maintain_order=True).to_list():
        values = kpis.filter(pl.col("kpi") == name)["value"].to_numpy()
        estimate = t_interval(values, confidence)
        rows.append(
            {
                "kpi": name,
                "mean": estimate.mean,
                "ci_low": estimate.ci_low,
                "ci_high": estimate.ci_high,
                "std": estimate.std,
                "n": estimate.n,
            }
        )
    schema = {
        "kpi": pl.String,
        "mean": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "std": pl.Float64,
        "n": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)

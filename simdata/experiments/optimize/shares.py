"""A quantile target judged as a mean: the share of values within the threshold.

``p99 ≤ T`` holds exactly when at least 99 % of the values are ≤ T, and that share, taken
per replication, is a mean over i.i.d. replications — so the run's mean estimator (Hall's
skewness-corrected t, :func:`simdata.analysis.stats.hall_interval`) and the run's verdict
rule (:func:`simdata.analysis.targets.judge`) apply unchanged, the sequential looks'
guarantee holds as it does for means, and more replications always help. The pooled
quantile's sectioning interval, by contrast, needs ≥ 100 values beyond the quantile in a
replication (the tail guard) and its estimate is biased on short replications.

Each replication's share is read from its sample histogram (the log buckets every quantile
KPI keeps, :mod:`simdata.engine.histogram`): every bucket below T counts whole, the bucket
holding T counts by linear interpolation (a bucket spans < 0.81 % of its values, so only
values within 0.81 % of T are apportioned).

**Tolerance.** A tolerance ε on the quantile (``2 ms`` on a p99 ≤ 100 ms) says a true
p99 in ``[T − ε, T + ε]`` is immaterial. That is ``F(T − ε) ≤ q ≤ F(T + ε)`` for the
values' distribution F, i.e. the share F(T) in
``[q − (F(T + ε) − F(T)), q + (F(T) − F(T − ε))]``: the share's tie band, with F read from
the pooled histogram at the look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.stats import Estimate, hall_interval
from simdata.engine import histogram
from simdata.scenario.models import Target

#: Which way the share must lie for each operator of a quantile target (continuous values).
SHARE_OP = {"<=": ">=", "<": ">=", ">=": "<=", ">": "<="}


@dataclass(frozen=True)
class Share:
    """A quantile target as a share: values ≤ ``threshold`` must be ``op`` ``required``."""

    threshold: float
    required: float
    op: str
    estimate: Estimate
    #: The share's tie band (the quantile's tolerance mapped through the pooled CDF).
    band: tuple[float, float]

    def target(self, kpi: str) -> Target:
        """The share's target in the scenario grammar, for the run's verdict rule."""
        return Target.model_validate({"kpi": kpi, self.op: self.required})

    def as_dict(self) -> dict[str, Any]:
        e = self.estimate
        return {
            "threshold": self.threshold,
            "required": self.required,
            "op": self.op,
            "estimate": e.mean,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "n": e.n,
            "tie_band": list(self.band),
        }


def within(rows: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Per replication of sparse histogram rows (``replication, bucket, count``): the
    values counted (``total``) and those ≤ ``threshold`` (``within``, interpolated)."""
    if rows.is_empty():
        return pl.DataFrame(
            schema={"replication": pl.Int64, "within": pl.Float64, "total": pl.Int64}
        )
    positions = rows["bucket"].to_numpy().astype(np.int64)
    index = positions - histogram.FIRST + histogram.MIN_INDEX
    low = np.where(positions >= histogram.FIRST, histogram.GAMMA ** (index - 1.0), 0.0)
    high = np.where(positions >= histogram.FIRST, histogram.GAMMA ** index.astype(float), 0.0)
    low = np.where(positions == histogram.UNDER, 0.0, low)
    high = np.where(positions == histogram.UNDER, histogram.LOW_S, high)
    low = np.where(positions == histogram.OVER, histogram.HIGH_S, low)
    high = np.where(positions == histogram.OVER, math.inf, high)
    width = np.where(high > low, high - low, 1.0)
    fraction = np.where(
        high > low, np.clip((threshold - low) / width, 0.0, 1.0), (threshold >= low) * 1.0
    )
    fraction = np.where(np.isinf(high), 0.0, fraction)
    counts = rows["count"].to_numpy().astype(np.float64)
    return (
        pl.DataFrame(
            {
                "replication": rows["replication"],
                "within": counts * fraction,
                "total": rows["count"],
            }
        )
        .group_by("replication")
        .agg(pl.col("within").sum(), pl.col("total").sum())
        .sort("replication")
    )


def _pooled_cdf(rows: pl.DataFrame, at: float) -> float:
    found = within(rows, at)
    total = int(found["total"].sum()) if found.height else 0
    return float(found["within"].sum()) / total if total else math.nan


def share_of(
    rows: pl.DataFrame,
    replications: list[int],
    target: Target,
    q: float,
    epsilon: float,
    confidence: float,
) -> Share:
    """The share of values within ``target``'s threshold over ``replications`` (rows of one
    sample's histograms), its Hall interval at ``confidence`` and its tie band."""
    rows = rows.filter(pl.col("replication").is_in(replications))
    per = within(rows, target.value).filter(pl.col("total") > 0)
    values = (per["within"] / per["total"]).to_numpy().astype(np.float64)
    found = hall_interval(values, confidence)
    estimate = Estimate(
        found.mean,
        max(0.0, found.ci_low) if not math.isnan(found.ci_low) else math.nan,
        min(1.0, found.ci_high) if not math.isnan(found.ci_high) else math.nan,
        found.std,
        found.n,
    )
    at = _pooled_cdf(rows, target.value)
    below = _pooled_cdf(rows, max(target.value - epsilon, 0.0))
    above = _pooled_cdf(rows, target.value + epsilon)
    band = (q - (above - at), q + (at - below)) if not math.isnan(at) else (q, q)
    return Share(target.value, q, SHARE_OP[target.op], estimate, band)

"""The load–latency curve over replications: pooled latency quantiles at the common loads.

Each replication evaluates the same grid of loads (multiples of the mean capacity) after
its search; at each grid load the curve's p50 and p99 are the quantiles of every
replication's latencies pooled, with a sectioning CI — the estimator of the run summary
(:mod:`simdata.analysis.quantiles`), not the mean of the replications' own quantiles,
which is biased low on short windows. ``curve_summary.parquet`` keeps them; the report
draws them over the per-replication lines of ``curve.parquet``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from simdata.analysis.quantiles import pooled_quantile
from simdata.experiments.capacity.bisection import Search

#: ``curve_summary.parquet``: one row per grid load and quantile.
CURVE_SUMMARY_SCHEMA = {
    "load_per_s": pl.Float64,
    "quantile": pl.Float64,
    "latency_s": pl.Float64,
    "ci_low_s": pl.Float64,
    "ci_high_s": pl.Float64,
    "n": pl.Int64,
    "note": pl.String,
}
#: The curve's quantiles.
QUANTILES = (0.5, 0.99)


def curve_summary(searches: Sequence[Search], grid: Sequence[float]) -> pl.DataFrame:
    """Pooled p50 and p99 with their sectioning CIs at each grid load every replication
    evaluated (points carrying their latency histogram)."""
    rows = []
    for load in grid:
        sections = [
            point.latency
            for search in searches
            for point in search.points
            if point.load_per_s == load and point.latency is not None
        ]
        if len(sections) < len(searches):
            continue  # a replication failed: no common load to pool over
        for q in QUANTILES:
            pooled = pooled_quantile(sections, q)
            estimate = pooled.estimate
            rows.append(
                {
                    "load_per_s": load,
                    "quantile": q,
                    "latency_s": estimate.mean,
                    "ci_low_s": max(estimate.ci_low, 0.0) if estimate.n > 1 else None,
                    "ci_high_s": estimate.ci_high if estimate.n > 1 else None,
                    "n": estimate.n,
                    "note": pooled.note(q) if estimate.n and pooled.guarded else None,
                }
            )
    return pl.DataFrame(rows, schema=CURVE_SUMMARY_SCHEMA)

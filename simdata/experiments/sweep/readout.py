"""What a sweep tells a planner beyond its indices: each point's KPIs and verdicts, and
Morris's μ* and σ in the KPI's own unit.

A grid or Latin-hypercube sweep answers "at which settings do the targets hold?": per point
and design KPI, the mean over the point's replications with the summary's 95 % CI
(:func:`simdata.analysis.summary.summary_frame`, the run's own estimator, so a point's
verdict is the one ``simdata run`` would give it at those settings) and the verdict of
each of the base scenario's targets on that KPI. A sweep keeps no sample histograms, so a
quantile KPI here is the mean of the replications' own quantiles (biased low on short runs,
docs/statistics.md) — the same value its indices are computed on.

SALib's Morris elementary effect is ``Δy / Δ`` with Δ the step on the lever's range scaled
to [0, 1] (Δ = p / (2(p − 1)) for p levels; Morris 1991, Campolongo et al. 2007), so its μ*
is a change per whole range. Shown times Δ, it is what a planner can picture: the mean
absolute change of the KPI when the lever moves one grid step. ``indices.parquet`` keeps
SALib's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import polars as pl

from simdata.analysis.summary import summary_frame
from simdata.scenario.models import Target

#: The methods whose points are settings a planner may pick (not a screening sample).
PER_POINT_METHODS = ("grid", "lhs")
#: Morris indices in the KPI's unit (the others are shares of variance).
MORRIS_IN_UNIT = ("mu_star", "mu", "sigma")
#: ``point_summary``'s columns after the levers.
POINT_COLUMNS = ("kpi", "mean", "ci_low", "ci_high", "n", "target", "verdict")


def point_summary(
    points: pl.DataFrame,
    levers: Sequence[str],
    kpis: Sequence[str],
    targets: Sequence[Target] = (),
) -> pl.DataFrame:
    """One row per point and KPI: the levers' values, the mean and 95 % CI over the point's
    replications, and the verdict of the targets on that KPI (null where none)."""
    mine = [t for t in targets if t.kpi in kpis]
    present = [k for k in kpis if k in points.columns]
    frames = []
    for (point,), rows in points.group_by("point", maintain_order=True):
        long = rows.unpivot(present, index="replication", variable_name="kpi").drop_nulls()
        long = long.filter(pl.col("value").is_not_nan())
        summary = summary_frame(long, mine).filter(pl.col("kpi").is_in(present))
        settings = [pl.lit(rows[lever][0]).alias(lever) for lever in levers if lever in rows]
        frames.append(
            summary.select(pl.lit(point, dtype=pl.Int64).alias("point"), *settings, *POINT_COLUMNS)
        )
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed")


def morris_step(levels: int) -> Fraction:
    """SALib's Morris step Δ on a range scaled to [0, 1]: p / (2(p − 1)) for p levels."""
    return Fraction(levels, 2 * (levels - 1))


def per_step(index: str, value: float | None, levels: int) -> float | None:
    """A Morris index per grid step (× Δ) — the KPI's change in its unit — or ``value``
    unchanged for the other indices."""
    if value is None or index not in MORRIS_IN_UNIT:
        return value
    return value * float(morris_step(levels))

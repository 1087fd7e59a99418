"""Which department is busiest — named only when the replications agree.

With identical departments the department with the highest mean reviewer utilisation is
whichever the seed favoured ("busiest department: dept-44" changes with the seed). The rule:
resample the replications with replacement (:data:`RESAMPLES` times, fixed seed, so the
same run always says the same thing), recompute every department's mean in each resample,
and name the department with the highest mean only when it is strictly the highest in at
least :data:`LEVEL` of the resamples; otherwise "no department stands out". Fewer than two
replications cannot agree on anything: nobody is named.

Measured by ``python -m bench.busiest`` (400 trials each, replication sd 0.02): identical
departments (40 or 60, 10 replications) are named 0.0 % of the time; a leader 0.04 above 40
others is named 89 %, 0.10 above 100 %. With only two near-equal departments the rule is
looser (13 % named at 10 replications, 39 % at 3): the bootstrap of few values is narrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from simdata import kpi_names

#: Bootstrap resamples of the replications (≥ 1,000: the share's own noise is < 0.7 points).
RESAMPLES = 2000
#: Share of resamples in which the leader must be strictly busiest.
LEVEL = 0.95
#: Fixed: the decision is a function of the run's values, not of when it is computed.
SEED = 13
#: The KPI and breakdown the terminal and the report name the busiest of.
BASE, DIMENSION = "reviewers.utilisation", "department"
#: Resamples evaluated at once (bounds memory: chunk × replications × departments).
_CHUNK = 100


@dataclass(frozen=True)
class Busiest:
    """The decision: the leader (highest mean), its mean, and in what share of the
    resamples it was strictly busiest; ``name`` is the leader only when that share ≥
    :data:`LEVEL`."""

    name: str | None
    leader: str
    mean: float
    share: float
    resamples: int

    def line(self) -> str:
        """The terminal's line."""
        agreement = f"busiest in {self.share:.1%} of {self.resamples:,} bootstrap resamples"
        if self.name is None:
            return (
                f"no department stands out (highest mean reviewer utilisation: {self.leader}, "
                f"{self.mean:.1%}, {agreement}; {LEVEL:.0%} needed)"
            )
        return (
            f"busiest department: {self.name} (reviewer utilisation {self.mean:.1%}; {agreement})"
        )


def busiest_decision(
    values: np.ndarray,
    names: list[str],
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
) -> Busiest:
    """Decide on a replications × departments matrix of KPI values (see module docstring)."""
    values = np.asarray(values, dtype=np.float64)
    reps, _ = values.shape
    means = values.mean(axis=0)
    leader = int(np.argmax(means))
    rng = np.random.default_rng(seed)
    wins = 0
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        picked = values[rng.integers(0, reps, (size, reps))].mean(axis=1)  # size × depts
        others = np.delete(picked, leader, axis=1)
        best_other = others.max(axis=1) if others.shape[1] else np.full(size, -np.inf)
        wins += int((picked[:, leader] > best_other).sum())
    share = wins / resamples
    named = reps >= 2 and share >= level
    return Busiest(
        name=names[leader] if named else None,
        leader=names[leader],
        mean=float(means[leader]),
        share=share,
        resamples=resamples,
    )


def busiest_from_kpis(
    kpis: pl.DataFrame, base: str = BASE, dimension: str = DIMENSION
) -> Busiest | None:
    """The decision from ``kpis.parquet`` (replication, kpi, value), over the replications
    where every department has a value; ``None`` when the run has no such breakdown."""
    if kpis.is_empty() or not {"replication", "kpi", "value"} <= set(kpis.columns):
        return None
    prefix = f"{base}{kpi_names.SEPARATOR}{dimension}{kpi_names.ASSIGN}"
    rows = kpis.filter(pl.col("kpi").str.starts_with(prefix))
    if rows.is_empty():
        return None
    wide = (
        rows.with_columns(pl.col("kpi").str.slice(len(prefix)).alias("unit"))
        .pivot(on="unit", index="replication", values="value", aggregate_function="first")
        .sort("replication")
        .drop("replication")
        .fill_nan(None)
        .drop_nulls()
    )
    if wide.is_empty():
        return None
    return busiest_decision(wide.to_numpy(), wide.columns)

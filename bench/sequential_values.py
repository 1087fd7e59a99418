"""Per-replication KPI values the sequential rule's error-rate test resamples.

    .venv/bin/python -m bench.sequential_values

writes ``tests/validation/data/sequential-values.parquet`` (columns ``case, value``):

- ``skewed``: ``resolution.wait_mean`` of M/M/1 at ρ = 0.8 with ≈ 1,800 customers per
  replication (replication means of waits on short runs are right-skewed, skewness 1.5);
- ``symmetric``: ``resolution.arrivals_count`` of the same runs (Poisson, skewness 0.02);
- ``mm8``: ``resolution.wait_mean`` of the shipped ``mm8`` (long replications, skewness
  0.3);
- ``blocking``: ``resolution.rejected_share`` of the short M/M/1 with a queue limit of 20
  (a share near 0 from bursts: skewness 1.9), for the coverage test of the 95 % CI.

The test treats each case's stored values as the population (its mean is then known
exactly) and draws thousands of ``--until-decided`` sequences from it with replacement,
which measures the rule's wrong-decision rate without simulating for minutes in CI.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

import simdata
from simdata.experiments.executors import make_executor

OUT = Path(__file__).resolve().parent.parent / "tests" / "validation" / "data"
#: Stored case → (scenario, KPI).
CASES = {
    "skewed": ("mm1", "resolution.wait_mean"),
    "symmetric": ("mm1", "resolution.arrivals_count"),
    "mm8": ("mm8", "resolution.wait_mean"),
    "blocking": ("mm1k20", "resolution.rejected_share"),
}
SCENARIOS = {
    "mm1": """\
name: mm1-short
run: {horizon: 2450 s, warmup: 200 s, replications: 2000, seed: 12}
resolution:
  engine: batched
  servers: 1
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 0.8/s}
""",
    "mm1k20": """\
name: mm1k-20
run: {horizon: 2450 s, warmup: 200 s, replications: 2000, seed: 14}
resolution:
  engine: batched
  servers: 1
  queue_limit: 20
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 0.8/s}
""",
    "mm8": """\
name: mm8
run: {horizon: 20000 s, warmup: 2000 s, replications: 1000, seed: 13}
resolution:
  engine: batched
  servers: 8
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 7.2/s}
""",
}


def main() -> None:
    frames = []
    OUT.mkdir(parents=True, exist_ok=True)
    kpis = {}
    for name, text in SCENARIOS.items():
        path = OUT / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            result = simdata.run(simdata.load_scenario(path), executor=make_executor(None, None))
        finally:
            path.unlink()
        kpis[name] = result.kpis
    for case, (name, kpi) in CASES.items():
        values = kpis[name].filter(pl.col("kpi") == kpi)["value"].to_numpy().astype(np.float64)
        print(f"{case}: {kpi}, n = {len(values)}, skewness {stats.skew(values):.2f}")
        frames.append(pl.DataFrame({"case": case, "value": values}))
    pl.concat(frames).write_parquet(OUT / "sequential-values.parquet")


if __name__ == "__main__":
    main()

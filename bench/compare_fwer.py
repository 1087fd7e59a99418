"""Family-wise error rate of ``simdata compare``'s "better" column, with no true difference.

    .venv/bin/python -m bench.compare_fwer [--compares N] [--pool PATH]

Each compare runs the shortened ``scenarios/mm8.yaml`` (2,000 s, 200 s warm-up, 10
replications) twice with different root seeds — the same system, so every difference is
noise — and judges the pair as ``simdata compare`` does (Welch's t, the family, Holm). The
share of compares that mark *anything* "better" or "worse" estimates the family-wise error
rate, which Holm's correction keeps at or below α = 0.05; beside it the share that an
uncorrected 5 % test per KPI would have marked. ``--pool`` keeps every replication's KPI
values (one run per seed) for the resampling test in ``tests/compare/``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import polars as pl

import simdata
from simdata.analysis.multiplicity import ALPHA
from simdata.experiments.compare import COMPARE_SCHEMA, RunDir, difference_rows
from simdata.experiments.compare_stats import judge
from simdata.experiments.executors import SerialExecutor

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "mm8.yaml"
SHORT = ("run.horizon=2000 s", "run.warmup=200 s", "run.replications=10")


def _run(seed: int) -> RunDir:
    scenario = simdata.load_scenario(SCENARIO, [*SHORT, f"run.seed={seed}"])
    result = simdata.run(scenario, executor=SerialExecutor())
    targeted = frozenset(t.kpi for t in scenario.targets)
    return RunDir(Path(f"seed-{seed}"), {"root_seed": seed}, result.kpis, targeted)


def judged(base: RunDir, variant: RunDir) -> pl.DataFrame:
    """The compare table of two runs, as ``simdata compare`` builds it (no files)."""
    rows = difference_rows(base, variant, "variant")
    table = pl.DataFrame(rows, schema=COMPARE_SCHEMA, orient="row")
    return judge(table, base.targeted | variant.targeted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compares", type=int, default=400)
    parser.add_argument("--pool", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    marked = unadjusted = 0
    family_sizes: set[int] = set()
    pool = []
    for index in range(args.compares):
        base, variant = _run(10_000 + 2 * index), _run(10_001 + 2 * index)
        table = judged(base, variant)
        family = table.filter(pl.col("in_family"))
        family_sizes.add(family.height)
        marked += int(family["better"].is_in(["variant", "base"]).any())
        unadjusted += int((family["p_value"] < ALPHA).any())
        if args.pool is not None:
            for run in (base, variant):
                pool.append(run.kpis.with_columns(seed=pl.lit(run.root_seed)))
    n = args.compares
    tolerance = 2.58 * math.sqrt(ALPHA * (1 - ALPHA) / n)
    print(f"{n} compares of two mm8 runs (2,000 s, 10 replications, different seeds)")
    print(f"family size: {sorted(family_sizes)}")
    print(f"any better/worse with Holm: {marked}/{n} = {marked / n:.3f}")
    print(f"  (≤ {ALPHA} + {tolerance:.3f} binomial tolerance at 99 %)")
    print(f"any p < {ALPHA} without correction: {unadjusted}/{n} = {unadjusted / n:.3f}")
    print(f"{time.perf_counter() - started:.0f} s")
    if args.pool is not None:
        args.pool.parent.mkdir(parents=True, exist_ok=True)
        pl.concat(pool).select("seed", "replication", "kpi", "value").write_parquet(
            args.pool, compression="zstd"
        )


if __name__ == "__main__":
    main()

"""A quantile target judged as a share within T against the pooled quantile's rule.

    .venv/bin/python -m bench.optimize_quantile_share [--seeds 100] [--coverage 300]

M/M/c with λ = 32/s and μ = 10/s, servers 1–8, a target on the p99 time in system
(``resolution.sojourn_p99``), each run with its own root seed; the chosen plan's exact p99
(:func:`tests.optimize.queueing.sojourn_quantile`) tells whether it truly meets the target.
Targets: 0.6 s (answer c = 5 at 82 % of it), 0.5 s (c = 5 at 98.2 %, 1.8 % inside: outside
the 1 % tolerance, a hard case) and 0.48 s (c = 5 2.2 % above it: the answer is c = 6).
Each target is run with the share rule (the default) and with the pooled quantile's
sectioning rule, on replications of 400 s (≈ 12,800 requests: 128 beyond the p99, enough
for the pooled rule's tail guard) and of 200 s (64 beyond: the guard holds it undecided).
``--coverage N`` measures instead the share interval itself: N independent runs of 10
replications of c = 5 with T its exact p99 (true share 0.99), each giving the share's 95 %
Hall interval (:func:`simdata.experiments.optimize.shares.share_of`), and how often it
covers 0.99 — against the pooled quantile's sectioning interval covering T.
The figures are in docs/optimize.md ("Quantile targets") and
/work/notes/optimize-validation-statistics.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import polars as pl
from scipy import stats

from simdata.analysis.quantiles import pooled_quantile
from simdata.experiments.optimize import design_from_data, feasibility, optimize
from simdata.experiments.optimize.shares import share_of
from simdata.experiments.replication import run_replication
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Target
from tests.optimize.queueing import sojourn_quantile, write_queue

RATE, MU = 32.0, 10.0


def measure(
    target: float, seeds: int, horizon: float, as_share: bool, folder: Path
) -> dict[str, object]:
    """Chosen plans, the truly infeasible count with its exact 95 % CI, and the cost."""
    feasibility.QUANTILE_AS_SHARE = as_share
    wrong, excepts, spent, chosen = 0, 0, [], {}
    scenario = write_queue(
        folder / "m.yaml", RATE, 1 / MU,
        [f'{{kpi: resolution.sojourn_p99, "<=": {target} s}}'], horizon_s=horizon, servers=8,
    )  # fmt: skip
    for seed in range(seeds):
        design = design_from_data(
            {
                "parameters": [
                    {"path": "resolution.servers", "name": "servers", "range": [1, 8],
                     "integer": True, "cost": 1, "monotone": True},
                ],
                "max_replications": 80,
                "seed": 1000 + seed,
            }
        )  # fmt: skip
        result = optimize(scenario, design)
        servers = int(result.chosen.values["servers"]) if result.chosen else None
        chosen[servers] = chosen.get(servers, 0) + 1
        wrong += servers is not None and sojourn_quantile(0.99, servers, RATE, MU) > target
        excepts += "except" in result.guarantee()
        spent.append(result.replications_spent)
    low, high = stats.binomtest(wrong, seeds).proportion_ci(0.95, method="exact")
    return {
        "rule": "share" if as_share else "pooled quantile",
        "target_s": target,
        "horizon_s": horizon,
        "seeds": seeds,
        "chosen": chosen,
        "infeasible_chosen": wrong,
        "ci": [round(low, 4), round(high, 4)],
        "guarantee_with_exceptions": excepts,
        "mean_replications": sum(spent) / len(spent),
    }


def coverage(runs: int, horizon: float, folder: Path) -> dict[str, object]:
    """How often the share's and the pooled p99's 95 % intervals cover the truth."""
    from simdata.engine import histogram

    exact = sojourn_quantile(0.99, 5, RATE, MU)
    path = write_queue(
        folder / "c.yaml", RATE, 1 / MU, [f"{{kpi: resolution.sojourn_p99, \"<=\": {exact} s}}"],
        horizon_s=horizon, servers=5,
    )  # fmt: skip
    scenario = load_scenario(path)
    target = Target.model_validate({"kpi": "resolution.sojourn_p99", "<=": exact})
    share_hits = pooled_hits = 0
    for run in range(runs):
        frames = []
        for index in range(10):
            done = run_replication(scenario, index, 5000 + run)
            rows = done.histograms.filter(pl.col("sample") == "resolution.sojourn")
            frames.append(rows.with_columns(pl.lit(index, pl.Int64).alias("replication")))
        rows = pl.concat(frames)
        share = share_of(rows, list(range(10)), target, 0.99, 0.0, 0.95).estimate
        share_hits += share.ci_low <= 0.99 <= share.ci_high
        sections = []
        for index in range(10):
            counts = histogram.empty()
            part = rows.filter(pl.col("replication") == index)
            counts[part["bucket"].to_numpy()] = part["count"].to_numpy()
            sections.append(counts)
        pooled = pooled_quantile(sections, 0.99, 0.95).estimate
        pooled_hits += pooled.ci_low <= exact <= pooled.ci_high
    result: dict[str, object] = {"runs": runs, "horizon_s": horizon}
    for name, hits in (("share", share_hits), ("pooled_p99", pooled_hits)):
        low, high = stats.binomtest(hits, runs).proportion_ci(0.95, method="exact")
        result[name] = {"coverage": hits / runs, "ci": [round(low, 4), round(high, 4)]}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--coverage", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.coverage:
            for horizon in (400.0, 200.0):
                print(json.dumps(coverage(args.coverage, horizon, Path(folder))), flush=True)
            return
        for horizon in (400.0, 200.0):
            for target in (0.6, 0.5, 0.48):
                for as_share in (True, False):
                    found = measure(target, args.seeds, horizon, as_share, Path(folder))
                    print(json.dumps(found), flush=True)


if __name__ == "__main__":
    main()

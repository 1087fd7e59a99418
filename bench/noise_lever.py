"""How often the noise lever's "≈ 0" rule misjudges a lever, on mm8 (issue 12 §5).

A Morris or Sobol' sweep of ``scenarios/mm8.yaml`` (shortened to a 1,000 s horizon so that
100+ sweeps fit in minutes) over two levers: ``resolution.traffic.rate`` in [6.4, 7.2]/s
(real: the mean wait moves from about 0.2 s to 0.9 s) and an inert lever that changes which
random numbers a replication consumes and nothing else — the worst case of the issue's
"lever that changes random-number consumption": its value re-draws the point's substream
(``substream_seed(point seed, draw)``), as a different service-time law or a component
switched on does in part. Each sweep has its own design seed and root seed.

    .venv/bin/python -m bench.noise_lever --method morris --runs 100

Prints the share of sweeps where the inert lever is NOT marked ≈ 0 (should be ≤ 5 %) and
where the real lever IS marked ≈ 0 (should be about 0).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import polars as pl

import simdata
from simdata.engine.streams import substream_seed
from simdata.experiments.replication import run_replication
from simdata.experiments.sweep import design_from_data, plan_sweep
from simdata.experiments.sweep.runner import _indices

KPI = "resolution.wait_mean"
SHIPPED = {"morris": ("mu_star", 10), "sobol": ("ST", 16)}


def one_sweep(method: str, seed: int, samples: int) -> tuple[bool, bool]:
    """(inert flagged as mattering, real marked ≈ 0) for one independent sweep."""
    scenario = simdata.load_scenario(
        "scenarios/mm8.yaml", ["run.horizon=1000 s", "run.warmup=100 s", f"run.seed={seed}"]
    )
    design = design_from_data(
        {
            "method": method,
            "samples": samples,
            "levels": 4,
            "replications": 2,
            "sampler_seed": seed,
            "kpis": [KPI],
            "parameters": [
                {
                    "path": "resolution.traffic.rate",
                    "name": "rate",
                    "range": [6.4, 7.2],
                    "unit": "/s",
                },
                # run.seed is not read by a sweep's points (they run on the sweep's root
                # seed): the lever's only effect is the substream drawn below.
                {"path": "run.seed", "name": "inert", "range": [0, 3], "integer": True},
            ],
        }
    )
    plan = plan_sweep(scenario, design)
    assert plan.scenarios is not None
    values = np.empty((plan.points, 2))
    for point, point_scenario in enumerate(plan.scenarios):
        root = substream_seed(plan.point_seed(point), int(plan.values[point]["inert"]))
        for replication in range(2):
            values[point, replication] = run_replication(point_scenario, replication, root).kpis[
                KPI
            ]
    indices, _ = _indices(plan, {KPI: values}, [])
    index = SHIPPED[method][0]
    rows = {
        r["parameter"]: r for r in indices.filter(pl.col("index") == index).iter_rows(named=True)
    }
    return rows["inert"]["near_zero"] is False, rows["rate"]["near_zero"] is True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--method", choices=sorted(SHIPPED), default="morris")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--samples", type=int, default=None, help="default: the shipped size")
    args = parser.parse_args()
    samples = args.samples or SHIPPED[args.method][1]
    started = time.perf_counter()
    flagged = missed = 0
    for seed in range(args.runs):
        inert, real = one_sweep(args.method, 1 + seed, samples)
        flagged += inert
        missed += real
    print(
        f"{args.method} samples={samples} runs={args.runs}: inert not ≈ 0 in {flagged} "
        f"({flagged / args.runs:.1%}), real ≈ 0 in {missed} ({missed / args.runs:.1%}); "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()

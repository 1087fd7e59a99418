"""False-alarm rate of the pilot monotonicity check (issue 17; docs/optimize.md).

1. The paired one-sided t-test alone, on 10 differences with mean 0 (normal; centred
   exponential, skewed like waits), at the levels the check uses: 20,000 pilots each.
2. End to end on a truly monotone lever: M/M/c (λ = 3.2/s, μ = 1/s, 600 s horizons), servers
   4 … 9 declared monotone for a mean-wait target; the pilot raises 6 → 7 servers (a small,
   noisy improvement) — the share of root seeds whose run is refused.

    .venv/bin/python -m bench.optimize_monotone_check [SEEDS]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from simdata.experiments.executors import SerialExecutor
from simdata.experiments.optimize import bind, load_base, load_optimize_design
from simdata.experiments.optimize.experiment import _evaluator
from simdata.experiments.optimize.monotone_check import FAMILY_LEVEL, check_monotone, worse_p_value
from tests.optimize.queueing import write_queue


def synthetic(runs: int = 20_000) -> dict[str, float]:
    rng = np.random.default_rng(5)
    found = {}
    for shape in ("normal", "exponential"):
        draws = (
            rng.standard_normal((runs, 10))
            if shape == "normal"
            else rng.exponential(1.0, (runs, 10)) - 1.0
        )
        p = np.array([worse_p_value(list(row)) for row in draws])
        for level in (FAMILY_LEVEL, FAMILY_LEVEL / 4):
            found[f"{shape} at {level:g}"] = float(np.mean(p < level))
    return found


def end_to_end(seeds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = write_queue(
            Path(tmp) / "mmc.yaml", 3.2, 1.0, ['{kpi: resolution.wait_mean, "<=": 0.5 s}'],
            horizon_s=600, servers=6,
        )  # fmt: skip
        design = Path(tmp) / "design.yaml"
        design.write_text(
            "parameters:\n  - {path: resolution.servers, name: servers, range: [4, 9], "
            "integer: true, cost: 1, monotone: true}\n",
            encoding="utf-8",
        )
        loaded = load_optimize_design(design)
        refused = 0
        for seed in range(seeds):
            bound = bind(load_base(scenario, [f"run.seed={seed}"]), loaded)
            evaluator = _evaluator(bound, SerialExecutor(), None)
            refused += bool(check_monotone(evaluator, bound.sizes, 10))
    return {"seeds": seeds, "refused": refused, "rate": refused / seeds}


if __name__ == "__main__":
    print(json.dumps({"synthetic": synthetic()}, indent=1), flush=True)
    print(
        json.dumps(
            {"mmc_servers_6_to_7": end_to_end(int(sys.argv[1]) if len(sys.argv) > 1 else 200)},
            indent=1,
        )
    )

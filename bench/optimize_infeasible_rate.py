"""How often `simdata optimize` chooses a plan that truly misses its target.

    .venv/bin/python -m bench.optimize_infeasible_rate [--seeds 100]

M/M/c with λ = 3.2/s and μ = 1/s, servers 1–16, a mean-wait target, each run with its own
root seed; the chosen plan's exact Erlang-C wait tells whether it truly meets the target.
Four targets: far from the answer (0.5 s), the answer at 94 % of the target (0.17 s), the
answer 0.2 % above the target, inside the 1 % tolerance (0.16 s), and c = 5 3.4 % above the
target, outside the tolerance (0.155 s: the answer is c = 6, and choosing c = 5 is wrong).
The figures are in docs/optimize.md and docs/statistics.md (issue 17).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from scipy import stats

from simdata.experiments.optimize import design_from_data, optimize
from tests.optimize.queueing import erlang_c_wait, write_queue

RATE, SERVICE = 3.2, 1.0


def measure(target: float, seeds: int, horizon: float, folder: Path) -> dict[str, object]:
    """Chosen plans, the infeasible count and its exact 95 % CI over ``seeds`` runs."""
    wrong, excepts, spent, chosen = 0, 0, [], {}
    for seed in range(seeds):
        scenario = write_queue(
            folder / "m.yaml", RATE, SERVICE,
            [f'{{kpi: resolution.wait_mean, "<=": {target} s}}'], horizon_s=horizon, servers=8,
        )  # fmt: skip
        design = design_from_data(
            {
                "parameters": [
                    {"path": "resolution.servers", "name": "servers", "range": [1, 16],
                     "integer": True, "cost": 1, "monotone": True},
                ],
                "max_replications": 80,
                "seed": 1000 + seed,
            }
        )  # fmt: skip
        result = optimize(scenario, design)
        servers = int(result.chosen.values["servers"]) if result.chosen else None
        chosen[servers] = chosen.get(servers, 0) + 1
        wrong += servers is not None and erlang_c_wait(servers, RATE, 1 / SERVICE) > target
        excepts += "except" in result.guarantee()
        spent.append(result.replications_spent)
    low, high = stats.binomtest(wrong, seeds).proportion_ci(0.95, method="exact")
    return {
        "target_s": target,
        "seeds": seeds,
        "chosen": chosen,
        "infeasible_chosen": wrong,
        "ci": [round(low, 4), round(high, 4)],
        "guarantee_with_exceptions": excepts,
        "mean_replications": sum(spent) / len(spent),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for target in (0.5, 0.17, 0.16, 0.155):
            print(json.dumps(measure(target, args.seeds, 600.0, Path(folder))), flush=True)


if __name__ == "__main__":
    main()

"""End-to-end probability of correct selection of a KPI objective (KN; issue 17).

M/M/5 with λ = 3.2/s (600 s horizons, 60 s warm-up, batched engine); one lever, the mean
service time ∈ {0.8, 0.85, 0.9} s (not monotone: Optuna, 12 trials in one batch, all three
confirmed), objective ``{minimise: resolution.wait_mean}`` under a loose wait constraint
(≤ 2 s, met by all three). The exact Erlang-C waits make 0.8 s the best by
W(0.85) − W(0.8); δ is set to 90 % of that gap (the second best lies outside the indifference
zone, allowing for the finite horizon's bias), so KN must pick 0.8 s with probability
≥ 1 − α_s = 97.5 %. Over independent root seeds: the share of runs choosing 0.8 s, with its
Clopper–Pearson interval, and the replications KN spent.

    .venv/bin/python -m bench.optimize_kn_pcs [--seeds 100] [--levels 0.8 0.85 0.9]

(``--levels 0.8 0.81 0.82``: a gap of ~3 ms, where KN needs many stages.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from scipy import stats

from simdata.experiments.optimize import design_from_data, optimize
from tests.optimize.queueing import erlang_c_wait, write_queue

LEVELS = [0.8, 0.85, 0.9]


def main(seeds: int, levels: list[float] = LEVELS) -> dict[str, object]:
    waits = [erlang_c_wait(5, 3.2, 1 / s) for s in levels]
    delta = 0.9 * (waits[1] - waits[0])
    correct, decided, spent, explored_best = 0, 0, [], 0
    with tempfile.TemporaryDirectory() as tmp:
        scenario = write_queue(
            Path(tmp) / "mm5.yaml", 3.2, 0.8, ['{kpi: resolution.wait_mean, "<=": 2 s}'],
            horizon_s=600, servers=5,
        )  # fmt: skip
        for seed in range(seeds):
            design = design_from_data(
                {
                    "parameters": [
                        {
                            "path": "resolution.service_time.mean",
                            "name": "service",
                            "levels": levels,
                            "unit": "s",
                        }
                    ],
                    "objective": {"minimise": "resolution.wait_mean"},
                    "indifference": delta,
                    "trials": 12,
                    "batch": 12,
                    "confirm": 3,
                    "max_replications": 2000,
                    "seed": 1000 + seed,
                }
            )
            result = optimize(scenario, design)
            assert result.selection is not None
            assert result.chosen is not None
            best = levels[0]
            explored_best += any(c.values["service"] == best for c in result.selection.candidates)
            correct += result.chosen.values["service"] == best
            decided += result.selection.decided
            spent.append(result.selection.spent)
    low = stats.beta.ppf(0.025, correct, seeds - correct + 1) if correct else 0.0
    high = stats.beta.ppf(0.975, correct + 1, seeds - correct) if correct < seeds else 1.0
    return {
        "exact_waits_s": waits,
        "delta_s": delta,
        "seeds": seeds,
        "best_among_candidates": explored_best,
        "correct": correct,
        "pcs": correct / seeds,
        "pcs_ci95": [low, high],
        "kn_decided": decided,
        "kn_replications_mean": sum(spent) / len(spent),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--levels", type=float, nargs=3, default=LEVELS)
    args = parser.parse_args()
    print(json.dumps(main(args.seeds, args.levels), indent=1))

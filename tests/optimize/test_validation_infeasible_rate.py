"""How often the chosen plan truly misses its target, over 50 independent root seeds.

The hardest honest M/M/c case: λ = 3.2/s, μ = 1/s, a mean-wait target of 0.155 s. By
Erlang C, c = 5 waits 0.1603 s — 3.4 % above the target, outside the 1 % tolerance — and
c = 6 waits 0.045 s, so the answer is c = 6 and a search that trusted point estimates would
choose c = 5 about half the time. The guarantee (confidence 0.95) allows at most 5 % of runs
to choose an infeasible plan; the bench (``bench/optimize_infeasible_rate.py``, 100 seeds
per target, figures in docs/optimize.md) measures the same with longer ranges.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scipy import stats

from simdata.experiments.optimize import design_from_data, optimize
from tests.optimize.queueing import erlang_c_wait, write_queue

pytestmark = [pytest.mark.validation, pytest.mark.slow]

RATE, MU, TARGET_S, SEEDS = 3.2, 1.0, 0.155, 50


def test_chosen_plan_is_infeasible_in_at_most_5_percent_of_50_seeds(tmp_path: Path) -> None:
    """50 root seeds: the share of chosen plans whose exact Erlang-C wait misses the target
    is ≤ 5 % (the issue's bar), and c = 5 is not within the tolerance (not a tie)."""
    assert erlang_c_wait(5, RATE, MU) >= 1.03 * TARGET_S  # c = 5 truly misses, beyond 1 %
    assert erlang_c_wait(6, RATE, MU) <= 0.3 * TARGET_S
    scenario = write_queue(
        tmp_path / "mmc.yaml",
        RATE,
        1 / MU,
        [f'{{kpi: resolution.wait_mean, "<=": {TARGET_S} s}}'],
        horizon_s=600,
        servers=8,
    )
    wrong, chosen = 0, []
    for seed in range(SEEDS):
        design = design_from_data(
            {
                "parameters": [
                    {"path": "resolution.servers", "name": "servers", "range": [1, 8],
                     "integer": True, "cost": 1, "monotone": True},
                ],
                "max_replications": 40,
                "seed": 1000 + seed,
                "pilot_check": False,  # a screen of the declaration, not part of the search
            }
        )  # fmt: skip
        result = optimize(scenario, design)
        assert result.chosen is not None
        servers = int(result.chosen.values["servers"])
        chosen.append(servers)
        wrong += erlang_c_wait(servers, RATE, MU) > TARGET_S
    low, high = stats.binomtest(wrong, SEEDS).proportion_ci(0.95, method="exact")
    assert wrong / SEEDS <= 0.05, f"{wrong}/{SEEDS} infeasible, CI [{low:.3f}, {high:.3f}]"
    assert chosen.count(6) >= SEEDS - wrong  # the rest found the exact answer, not more

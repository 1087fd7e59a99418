"""Event and batched engines with independent draws: the same queue, statistically.

Identical draws give identical waits (tests/engine/test_batched_model.py). Here each
engine gets its own root seed, so their per-replication means and p99s are independent
samples of the same distributions: a Welch test at α = 0.01 must not tell them apart, and
both must agree with Erlang C. Per-replication values are independent; per-request
latencies are autocorrelated, so no test is made on them.

The seeds are fixed, so the test is deterministic; at α = 0.01 about one seed pair in a
hundred would reject by chance for each KPI (seeds 101/202 gave p = 0.0095 on the M/M/4
wait; 40 replications each of those engines gave p = 0.50), which is the price of a real
test rather than a loose tolerance.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import simdata
from tests.validation.test_queue_theory import erlang_c, kpi_values, t_interval

pytestmark = pytest.mark.validation

ALPHA = 0.01
REPLICATIONS = 12
SERVERS, RATE, MEAN_SERVICE = 4, 3.2, 1.0  # M/M/4, ρ = 0.8

CASES = {
    "M/M/4": "  service_time: {dist: exponential, mean: 1 s}\n",
    "M/G/4 lognormal cv 1.5": "  service_time: {dist: lognormal, mean: 1 s, cv: 1.5}\n",
}


def _run(
    write: Callable[[str, str], Path], service: str, engine: str, seed: int
) -> simdata.RunResult:
    text = (
        f"name: welch-{engine}\n"
        f"run: {{horizon: 20000 s, warmup: 2000 s, replications: {REPLICATIONS}, seed: {seed}}}\n"
        f"resolution:\n  servers: {SERVERS}\n{service}  traffic: {{rate: {RATE}/s}}\n"
        f"  engine: {engine}\n"
    )
    return simdata.run(simdata.load_scenario(write(text, f"{engine}.yaml")))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.slow
def test_independent_engines_agree_by_welch_test(
    write_scenario: Callable[[str, str], Path], case: str
) -> None:
    event = _run(write_scenario, CASES[case], "event", seed=11)
    batched = _run(write_scenario, CASES[case], "batched", seed=12)
    for kpi in ("resolution.wait_mean", "resolution.latency_mean", "resolution.sojourn_p99"):
        a, b = kpi_values(event, kpi), kpi_values(batched, kpi)
        assert len(a) == len(b) == REPLICATIONS
        test = stats.ttest_ind(a, b, equal_var=False)
        assert test.pvalue > ALPHA, (kpi, np.mean(a), np.mean(b), test.pvalue)


def test_batched_engine_agrees_with_erlang_c(write_scenario: Callable[[str, str], Path]) -> None:
    batched = _run(write_scenario, CASES["M/M/4"], "batched", seed=303)
    offered = RATE * MEAN_SERVICE
    wait = erlang_c(SERVERS, offered) * MEAN_SERVICE / (SERVERS - offered)
    interval = t_interval(kpi_values(batched, "resolution.wait_mean"), confidence=0.99)
    assert interval.low <= wait <= interval.high, (interval, wait)

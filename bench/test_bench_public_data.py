"""The Fujian public-data scenario: one simulated year per replication.

Measures the wall time of one replication-year (``run_replication``: drawing the catalogue
history and requests, the SimPy run with its drain, and every KPI) and the SimPy events
per second. Goal (issue 4): one replication-year ≤ 2 s on the 2-core reference machine.

Run with ``python -m pytest bench/test_bench_public_data.py -q -p no:cacheprovider
--benchmark-only -s`` (see bench/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simdata
from simdata.experiments.replication import Replication, run_replication

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "fujian-public-data.yaml"
GOAL_S = 2.0


@pytest.mark.benchmark(group="public-data")
def test_fujian_replication_year(benchmark: pytest.FixtureRequest) -> None:
    """One replication of 2026 (plus its two-month warm-up) within the goal."""
    scenario = simdata.load_scenario(SCENARIO)
    indices = iter(range(1000))

    def one() -> Replication:
        return run_replication(scenario, next(indices))

    result: Replication = benchmark.pedantic(one, rounds=5, iterations=1)  # type: ignore[attr-defined]
    assert result.ok, result.error
    median_s = benchmark.stats.stats.median  # type: ignore[attr-defined]
    events_per_s = result.events / result.runtime_s
    benchmark.extra_info.update(  # type: ignore[attr-defined]
        {"median_s": median_s, "events": result.events, "events_per_s": events_per_s}
    )
    print(
        f"\nfujian-public-data: median {median_s:.2f} s per replication-year, "
        f"{result.events} SimPy events, {events_per_s:,.0f} events/s"
    )
    assert median_s <= GOAL_S

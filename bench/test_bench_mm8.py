"""M/M/8 at ρ = 0.9 for 10^5 customers: simdata end to end against a raw-SimPy reference.

* ``test_simdata_run_end_to_end`` — ``simdata.load_scenario`` + ``simdata.run`` with one
  replication, KPIs, summary, MSER-5 check and the run directory written (a fresh ``out``
  directory per round).
* ``test_raw_simpy_reference`` — the same queue written the textbook SimPy way: variates
  pre-drawn with numpy (outside the timing), one source process with ``env.timeout`` gaps,
  one process per customer (``with res.request() as req: yield req; yield
  env.timeout(service)``), nothing recorded.
* ``test_ratio_simdata_to_raw`` — both alternately in this process, 5 times each; the
  ratio of the medians of customers per second (simdata / raw) goes to
  ``benchmark.extra_info`` and stdout, and must be ≥ 1.0 (long-term goal 1.5).

Not collected by the default test run (``testpaths = ["tests"]``); run with
``python -m pytest bench -q -p no:cacheprovider --benchmark-only`` (see bench/README.md).
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

import simdata

SERVERS = 8
RATE = 7.2  # λ per second; μ = 1/s, so ρ = λ/(cμ) = 0.9
MEAN_SERVICE_S = 1.0
CUSTOMERS = 100_000
HORIZON_S = CUSTOMERS / RATE  # expected arrivals in [0, horizon) = 10^5
ROUNDS = 5
RATIO_GOAL = 1.0  # long-term goal: 1.5
SEED = 2024

SCENARIO = f"""\
name: bench-mm8
run: {{horizon: {HORIZON_S:.3f} s, warmup: 0 s, replications: 1, seed: {SEED}}}
resolution:
  servers: {SERVERS}
  service_time: {{dist: exponential, mean: {MEAN_SERVICE_S:g} s}}
  traffic: {{rate: {RATE:g}/s}}
"""


# --- simdata --------------------------------------------------------------------------


def run_simdata(scenario_path: Path, out: Path) -> int:
    """Load and run the scenario, writing the run directory; return customers simulated."""
    scenario = simdata.load_scenario(scenario_path)
    result = simdata.run(scenario, out=out)
    assert not result.failures
    # warm-up 0: every arrival in [0, horizon) is counted
    counts = result.kpis.filter(result.kpis["kpi"] == "resolution.arrivals_count")["value"]
    return int(counts[0])


# --- raw SimPy reference -------------------------------------------------------------


def draw_variates(seed: int = SEED) -> tuple[list[float], list[float]]:
    """Inter-arrival gaps and service times of 10^5 customers, as Python floats."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / RATE, CUSTOMERS)
    services = rng.exponential(MEAN_SERVICE_S, CUSTOMERS)
    return gaps.tolist(), services.tolist()


def run_raw_simpy(gaps: list[float], services: list[float]) -> int:
    """The same M/M/8 queue in plain SimPy, nothing recorded; return customers simulated."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)

    def customer(service: float) -> Generator[Any, Any, None]:
        with servers.request() as request:
            yield request
            yield env.timeout(service)

    def source() -> Generator[Any, Any, None]:
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    env.process(source())
    env.run()
    return len(gaps)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def scenario_path(tmp_path: Path) -> Path:
    path = tmp_path / "bench-mm8.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def out_dirs(tmp_path: Path) -> Iterator[Path]:
    """A fresh, not yet existing run directory per call."""
    return (tmp_path / f"run-{i}" for i in itertools.count())


def _timed(function: Any, *args: Any) -> tuple[int, float]:
    started = time.perf_counter()
    customers = function(*args)
    return customers, time.perf_counter() - started


# --- benchmarks -------------------------------------------------------------------------


def test_simdata_run_end_to_end(
    benchmark: Any, scenario_path: Path, out_dirs: Iterator[Path]
) -> None:
    """simdata.run() on M/M/8 at ρ = 0.9, 10^5 customers, KPIs and run directory included."""
    customers = benchmark.pedantic(
        run_simdata,
        setup=lambda: ((scenario_path, next(out_dirs)), {}),
        rounds=ROUNDS,
        iterations=1,
    )
    assert abs(customers - CUSTOMERS) < 5 * CUSTOMERS**0.5  # Poisson count around 10^5
    benchmark.extra_info["customers"] = customers
    benchmark.extra_info["customers_per_s"] = customers / benchmark.stats.stats.median


def test_raw_simpy_reference(benchmark: Any) -> None:
    """Raw SimPy (process per customer, Resource, no recording) on the same M/M/8 queue."""
    gaps, services = draw_variates()
    customers = benchmark.pedantic(
        run_raw_simpy, args=(gaps, services), rounds=ROUNDS, iterations=1
    )
    assert customers == CUSTOMERS
    benchmark.extra_info["customers"] = customers
    benchmark.extra_info["customers_per_s"] = customers / benchmark.stats.stats.median


def test_ratio_simdata_to_raw(
    benchmark: Any, scenario_path: Path, out_dirs: Iterator[Path]
) -> None:
    """simdata end to end simulates at least as many customers per second as raw SimPy."""
    gaps, services = draw_variates()

    def alternate() -> dict[str, float]:
        simdata_rates, raw_rates = [], []
        for _ in range(ROUNDS):
            customers, seconds = _timed(run_simdata, scenario_path, next(out_dirs))
            simdata_rates.append(customers / seconds)
            customers, seconds = _timed(run_raw_simpy, gaps, services)
            raw_rates.append(customers / seconds)
        simdata_rate = statistics.median(simdata_rates)
        raw_rate = statistics.median(raw_rates)
        return {
            "simdata_customers_per_s": simdata_rate,
            "raw_customers_per_s": raw_rate,
            "ratio": simdata_rate / raw_rate,
        }

    measured = benchmark.pedantic(alternate, rounds=1, iterations=1)
    benchmark.extra_info.update(measured)
    print(
        f"\nM/M/8 ρ=0.9, {CUSTOMERS} customers, medians of {ROUNDS} alternating runs: "
        f"simdata {measured['simdata_customers_per_s']:,.0f} customers/s, "
        f"raw SimPy {measured['raw_customers_per_s']:,.0f} customers/s, "
        f"ratio {measured['ratio']:.2f} (goal ≥ {RATIO_GOAL}, long-term 1.5)"
    )
    assert measured["ratio"] >= RATIO_GOAL

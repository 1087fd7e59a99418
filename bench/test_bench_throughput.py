"""National-scale throughput: simdata's two engines against SimPy, Ciw and a bare numba loop.

1. **M/M/8 at ρ = 0.9**, customers per second, measured side by side in this process,
   alternating, median of :data:`ROUNDS`:

   * ``raw SimPy`` — the textbook SimPy model of the core issue (10⁵ customers, variates
     pre-drawn outside the timing, nothing recorded: :mod:`bench.test_bench_mm8`);
   * ``simdata event`` — ``simdata.run()`` end to end with ``resolution.engine: event``
     (10⁵; KPIs, summary, files);
   * ``simdata batched`` — the same with ``engine: batched`` (10⁷; numba compile excluded:
     one warm-up call first, and the compiled functions are cached per machine);
   * ``Ciw`` — the same queue in Ciw 3 (10⁵; ``simulate_until_max_customers``);
   * ``bare numba`` — a Kiefer–Wolfowitz loop compiled with numba that draws its own
     exponentials and records nothing but the sum of waits (10⁷): the physical limit of
     simulating this queue on one core.

2. **The national day** (``scenarios/national-day.yaml``): wall time of one replication
   and its peak RSS above the RSS after imports, in a fresh subprocess.
3. **``simdata capacity`` on the Zhanjiang node**: wall time, serial, in this process.

Run with ``python -m pytest bench/test_bench_throughput.py -q -p no:cacheprovider
--benchmark-only -s`` (see bench/README.md for the table these produce).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

import simdata
from bench.test_bench_mm8 import draw_variates, run_raw_simpy
from simdata.experiments.capacity import capacity

SERVERS = 8
RATE = 7.2
ROUNDS = 5
SMALL = 100_000
LARGE = 10_000_000
REPO = Path(__file__).resolve().parents[1]

GOALS = {
    "batched_vs_bare": 0.5,
    "batched_per_s": 10e6,
    "event_vs_simpy": 1.5,
    "national_day_s": 30.0,
    "national_day_mib": 512.0,
    "capacity_s": 60.0,
}


def _scenario(tmp_path: Path, customers: int, engine: str) -> Path:
    path = tmp_path / f"mm8-{engine}-{customers}.yaml"
    path.write_text(
        f"name: bench-mm8-{engine}\n"
        f"run: {{horizon: {customers / RATE:.3f} s, warmup: 0 s, replications: 1, seed: 2024}}\n"
        f"resolution:\n  servers: {SERVERS}\n"
        "  service_time: {dist: exponential, mean: 1 s}\n"
        f"  traffic: {{rate: {RATE:g}/s}}\n  engine: {engine}\n",
        encoding="utf-8",
    )
    return path


def _simdata(path: Path, out_root: Path) -> Callable[[], int]:
    counter = iter(range(10**6))

    def go() -> int:
        result = simdata.run(simdata.load_scenario(path), out=out_root / f"run-{next(counter)}")
        assert not result.failures
        value = result.kpis.filter(result.kpis["kpi"] == "resolution.arrivals_count")["value"]
        return int(value[0])

    return go


def _ciw() -> int:
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(2024)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_customers(SMALL, method="Arrive")
    return SMALL


@numba.njit(cache=True)  # type: ignore[misc]
def _bare_kiefer_wolfowitz(customers: int, servers: int, rate: float, seed: int) -> float:
    np.random.seed(seed)
    free = np.zeros(servers)
    arrival = 0.0
    waited = 0.0
    for _ in range(customers):
        arrival += np.random.exponential(1.0 / rate)
        service = np.random.exponential(1.0)
        start = arrival if arrival > free[0] else free[0]
        end = start + service
        j = 0
        while j + 1 < servers and free[j + 1] < end:
            free[j] = free[j + 1]
            j += 1
        free[j] = end
        waited += start - arrival
    return waited


def _bare() -> int:
    assert _bare_kiefer_wolfowitz(LARGE, SERVERS, RATE, 2024) > 0
    return LARGE


def _timed(function: Callable[[], int]) -> float:
    started = time.perf_counter()
    customers = function()
    return customers / (time.perf_counter() - started)


def test_mm8_throughput_table(benchmark: Any, tmp_path: Path) -> None:
    gaps, services = draw_variates()
    contenders: dict[str, Callable[[], int]] = {
        "raw SimPy (1e5)": lambda: run_raw_simpy(gaps, services),
        "simdata event (1e5)": _simdata(_scenario(tmp_path, SMALL, "event"), tmp_path / "e"),
        "simdata batched (1e7)": _simdata(_scenario(tmp_path, LARGE, "batched"), tmp_path / "b"),
        "Ciw (1e5)": _ciw,
        "bare numba KW (1e7)": _bare,
    }
    _bare_kiefer_wolfowitz(10, SERVERS, RATE, 1)  # compile (or load from the cache) first
    contenders["simdata batched (1e7)"]()  # and load the engine's compiled functions
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, function in contenders.items():
            rates[name].append(_timed(function))
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratios = {
        "event_vs_simpy": median["simdata event (1e5)"] / median["raw SimPy (1e5)"],
        "batched_vs_bare": median["simdata batched (1e7)"] / median["bare numba KW (1e7)"],
        "batched_vs_event": median["simdata batched (1e7)"] / median["simdata event (1e5)"],
        "ciw_vs_simpy": median["Ciw (1e5)"] / median["raw SimPy (1e5)"],
    }
    benchmark.extra_info.update({"customers_per_s": median, "ratios": ratios})
    print()
    for name, value in median.items():
        print(f"{name:24s} {value:14,.0f} customers/s")
    for name, value in ratios.items():
        print(f"{name:24s} {value:8.2f}×")
    benchmark.pedantic(_bare, rounds=1, iterations=1)
    assert ratios["event_vs_simpy"] >= GOALS["event_vs_simpy"]


NATIONAL_DAY = """
import json, resource, sys, time
import psutil
import simdata
from simdata.experiments.replication import run_replication
from simdata.model.world import simulate
scenario = simdata.load_scenario("scenarios/national-day.yaml")
small = simdata.load_scenario(
    "scenarios/national-day.yaml", ["resolution.traffic.rate=150000/d"]
)
simulate(small, 0)  # load the compiled functions and import every module first
rss_after_imports = psutil.Process().memory_info().rss
started = time.perf_counter()
replication = run_replication(scenario, 0)
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({
    "wall_s": wall,
    "arrivals": replication.kpis["resolution.arrivals_count"],
    "latency_p99_s": replication.kpis["resolution.latency_p99"],
    "peak_utilisation": replication.kpis["resolution.utilisation@window=peak_hour"],
    "rss_after_imports_mib": rss_after_imports / 2**20,
    "peak_above_imports_mib": (peak - rss_after_imports) / 2**20,
}))
"""


def test_national_day(benchmark: Any) -> None:
    def one() -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", NATIONAL_DAY],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    measured = benchmark.pedantic(one, rounds=1, iterations=1)
    benchmark.extra_info.update(measured)
    print()
    print(json.dumps(measured, indent=1))
    assert 1.485e8 <= measured["arrivals"] <= 1.515e8


def test_capacity_zhanjiang(benchmark: Any) -> None:
    scenario = simdata.load_scenario(REPO / "scenarios/zhanjiang-baseline.yaml")

    def one() -> float:
        started = time.perf_counter()
        result = capacity(scenario)
        assert result.status == "found"
        return time.perf_counter() - started

    wall = benchmark.pedantic(one, rounds=1, iterations=1)
    benchmark.extra_info["wall_s"] = wall
    print(f"\ncapacity zhanjiang-baseline: {wall:.1f} s serial")

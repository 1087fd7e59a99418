"""The network's two engines side by side on a mid-size network: resolutions per second.

    .venv/bin/python -m bench.network_engines          # the table
    .venv/bin/python -m pytest bench/network_engines.py -q -p no:cacheprovider --benchmark-only -s

The network: 4 recursive nodes (cache hit ratio 60 %, each naming a top-level node), 3
top-level nodes (4 servers, lognormal 2 ms), 24 secondary nodes with Zipf-like owner
shares (2 servers, lognormal 4 ms; the largest near 80 % utilisation), 8 enterprise nodes
with servers under the 4 largest secondary nodes, and constant or uniform link latencies;
λ = 2,000 resolutions/s for 120 s (≈ 240,000 resolutions, ≈ 300,000 queue visits).
One replication per round, in this process, alternating engines, median of
:data:`ROUNDS`; the numba functions are compiled (or loaded) by a first, unmeasured run.
Both engines take identical draws, so every node's statistics must be the same: checked.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import simpy

from simdata.engine.streams import Streams
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkSource
from simdata.model.network.event import EventNetwork
from simdata.model.network.plan import NetworkPlan
from simdata.scenario.network import NetworkSpec

ROUNDS = 3
RATE = "2000/s"
HORIZON_S = 120.0
WARMUP_S = 0.0  # every resolution is measured, so the owners' counts sum to all
SECONDARY = 24


def _lognormal(mean: str) -> dict[str, Any]:
    return {"dist": "lognormal", "mean": mean, "cv": 1.0}


def network() -> NetworkSpec:
    """The mid-size network of the module docstring."""
    link = {"dist": "constant", "value": "5 ms"}
    weights = 1.0 / np.arange(1, SECONDARY + 1) ** 0.8
    shares = weights / weights.sum()
    nodes: list[dict[str, Any]] = [
        {"name": f"rec-{i}", "kind": "recursive", "hit_ratio": "60%", "top_level": f"top-{i % 3}",
         "link": {"dist": "uniform", "low": "1 ms", "high": "3 ms"}}
        for i in range(4)
    ]  # fmt: skip
    nodes += [
        {"name": f"top-{i}", "kind": "top_level", "servers": 4, "service_time": _lognormal("2 ms"),
         "link": link}
        for i in range(3)
    ]  # fmt: skip
    nodes += [
        {"name": f"sec-{i}", "kind": "secondary", "servers": 2, "share": float(share),
         "service_time": _lognormal("4 ms"), "link": link}
        for i, share in enumerate(shares)
    ]  # fmt: skip
    nodes += [
        {"name": f"ent-{i}", "kind": "enterprise", "parent": f"sec-{i // 2}", "servers": 1,
         "service_time": _lognormal("3 ms"), "link": link}
        for i in range(8)
    ]  # fmt: skip
    return NetworkSpec.model_validate(
        {"traffic": {"rate": RATE}, "timeout": "1 s", "sla": "p99<=100ms", "nodes": nodes}
    )


def run_once(engine: str, plan: NetworkPlan) -> tuple[float, int, dict[str, Any]]:
    """One replication: ``(seconds, resolutions, figures)``."""
    source = NetworkSource(plan, Streams(2026, 0), 0.0, HORIZON_S)
    started = time.perf_counter()
    simulated: BatchedNetwork | EventNetwork
    if engine == "batched":
        simulated = BatchedNetwork(source, WARMUP_S, HORIZON_S)
        simulated.run()
    else:
        simulated = EventNetwork(simpy.Environment(), source, WARMUP_S, HORIZON_S)
        simulated.run()
    figures = simulated.figures()
    seconds = time.perf_counter() - started
    resolutions = sum(f.path.measured for f in figures.values() if f.path is not None)
    return seconds, resolutions, figures


def measure() -> dict[str, float]:
    """Median resolutions per second of each engine, and their ratio."""
    plan = NetworkPlan.of(network())
    run_once("batched", plan)  # compile or load the numba functions first
    rates: dict[str, list[float]] = {"event": [], "batched": []}
    figures: dict[str, Any] = {}
    for _ in range(ROUNDS):
        for engine in rates:
            seconds, resolutions, figures[engine] = run_once(engine, plan)
            rates[engine].append(resolutions / seconds)
    for name, left in figures["event"].items():
        right = figures["batched"][name]
        for part in ("queue", "path"):
            a, b = getattr(left, part), getattr(right, part)
            if a is not None and b is not None:
                assert a.measured == b.measured, name
                assert np.array_equal(a.latency, b.latency), name
    median = {engine: statistics.median(values) for engine, values in rates.items()}
    return {
        "resolutions": float(resolutions),
        "event_per_s": median["event"],
        "batched_per_s": median["batched"],
        "batched_vs_event": median["batched"] / median["event"],
    }


def test_network_engines(benchmark: Any) -> None:
    measured = benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(measured)
    _print(measured)
    assert measured["batched_vs_event"] > 1.0


def _print(measured: dict[str, float]) -> None:
    print()
    print(f"resolutions per replication {measured['resolutions']:12,.0f}")
    print(f"event engine                {measured['event_per_s']:12,.0f} resolutions/s")
    print(f"batched engine              {measured['batched_per_s']:12,.0f} resolutions/s")
    print(f"batched / event             {measured['batched_vs_event']:12.1f}×")


if __name__ == "__main__":
    _print(measure())

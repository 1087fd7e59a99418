"""The resolution network checked against product-form theory (Jackson networks, Burke).

Three open networks of exponential FCFS queues fed by Poisson traffic, simulated with the
batched engine (identical to the event engine on the same draws,
tests/network/test_engines_agree.py):

* **tandem** — top-level M/M/1 → secondary M/M/1 → enterprise M/M/1. By Burke's theorem
  each M/M/1's departures are Poisson(λ), so every node is an M/M/1 with arrival rate λ;
* **merge** — two top-level M/M/1 nodes (half the traffic each) into one secondary
  M/M/3: the superposition of the two Poisson departure streams is Poisson(λ), so the
  secondary node is an M/M/3 (Erlang C);
* **split** — a top-level M/M/1 whose departures go to an M/M/1 or an M/M/2 secondary node
  with probabilities 30 % / 70 % (the owner is drawn at arrival, independently of the
  queue): Bernoulli thinning keeps them Poisson.

By Jackson's theorem the nodes are independent in equilibrium, so the mean end-to-end time
of a resolution is the sum of the mean sojourns along its path. Each case runs 10
replications (fixed root seed, warm-up 5 % of the horizon, ~10^5 resolutions each); the
theoretical mean sojourn of every node and the end-to-end mean of every owner must lie in
the 99 % Student-t CI over the replications. Theory is computed here (M/M/1: 1/(μ − λ);
M/M/c: Erlang C), not taken from simdata. ``python -m tests.validation.test_network_theory``
prints the table (/work/notes/network-validation.md, docs/network.md).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simdata.engine.streams import Streams
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkSource
from simdata.model.network.plan import NetworkPlan
from simdata.scenario.network import NetworkSpec

pytestmark = [pytest.mark.validation, pytest.mark.slow]

CONFIDENCE = 0.99
REPLICATIONS = 10
RATE = 100.0  # λ, resolutions per second
HORIZON_S = 1050.0
WARMUP_S = 0.05 * HORIZON_S
MIN_MEASURED = 90_000


def erlang_c_sojourn(rate: float, mean_service_s: float, servers: int) -> float:
    """Mean sojourn of an M/M/c queue: Erlang C wait plus the mean service."""
    offered = rate * mean_service_s
    rho = offered / servers
    terms = sum(offered**k / math.factorial(k) for k in range(servers))
    last = offered**servers / (math.factorial(servers) * (1.0 - rho))
    waiting = last / (terms + last)
    return waiting * mean_service_s / (servers * (1.0 - rho)) + mean_service_s


def mm1_sojourn(rate: float, mean_service_s: float) -> float:
    """Mean sojourn of an M/M/1 queue: 1/(μ − λ)."""
    return 1.0 / (1.0 / mean_service_s - rate)


def _queue(name: str, kind: str, servers: int, mean_ms: float, **more: Any) -> dict[str, Any]:
    service = {"dist": "exponential", "mean": f"{mean_ms:g} ms"}
    return {"name": name, "kind": kind, "servers": servers, "service_time": service, **more}


@dataclass(frozen=True)
class Case:
    """A network, and the theory: mean sojourn per node and end to end per owner."""

    name: str
    seed: int
    nodes: tuple[dict[str, Any], ...]
    node_theory: dict[str, float]
    path_theory: dict[str, float]


def _cases() -> list[Case]:
    lam = RATE
    tandem = Case(
        "tandem", 31,
        (_queue("top", "top_level", 1, 6), _queue("sec", "secondary", 1, 7),
         _queue("ent", "enterprise", 1, 8, parent="sec")),
        {"top": mm1_sojourn(lam, 6e-3), "sec": mm1_sojourn(lam, 7e-3),
         "ent": mm1_sojourn(lam, 8e-3)},
        {"sec": mm1_sojourn(lam, 6e-3) + mm1_sojourn(lam, 7e-3) + mm1_sojourn(lam, 8e-3)},
    )  # fmt: skip
    merge_top = mm1_sojourn(lam / 2, 12e-3)
    merge_sec = erlang_c_sojourn(lam, 24e-3, 3)
    merge = Case(
        "merge", 32,
        (_queue("top-1", "top_level", 1, 12, share="50%"),
         _queue("top-2", "top_level", 1, 12, share="50%"), _queue("sec", "secondary", 3, 24)),
        {"top-1": merge_top, "top-2": merge_top, "sec": merge_sec},
        {"sec": merge_top + merge_sec},
    )  # fmt: skip
    split_top = mm1_sojourn(lam, 7e-3)
    split_1, split_2 = mm1_sojourn(0.3 * lam, 25e-3), erlang_c_sojourn(0.7 * lam, 16e-3, 2)
    split = Case(
        "split", 33,
        (_queue("top", "top_level", 1, 7), _queue("sec-1", "secondary", 1, 25, share="30%"),
         _queue("sec-2", "secondary", 2, 16, share="70%")),
        {"top": split_top, "sec-1": split_1, "sec-2": split_2},
        {"sec-1": split_top + split_1, "sec-2": split_top + split_2},
    )  # fmt: skip
    return [tandem, merge, split]


CASES = {case.name: case for case in _cases()}


@functools.cache
def simulated(name: str) -> dict[str, np.ndarray]:
    """Per-replication means: ``node:NAME`` (sojourn), ``path:NAME`` (end to end),
    ``measured:NAME`` (admitted resolutions at the node)."""
    case = CASES[name]
    spec = NetworkSpec.model_validate(
        {"traffic": {"rate": f"{RATE:g}/s"}, "nodes": list(case.nodes)}
    )
    plan = NetworkPlan.of(spec)
    found: dict[str, list[float]] = {}
    for replication in range(REPLICATIONS):
        source = NetworkSource(plan, Streams(case.seed, replication), 0.0, HORIZON_S)
        engine = BatchedNetwork(source, WARMUP_S, HORIZON_S)
        engine.run()
        for node, figures in engine.figures().items():
            if figures.queue is not None:
                queue = figures.queue
                found.setdefault(f"node:{node}", []).append(queue.sojourn_sum / queue.admitted)
                found.setdefault(f"measured:{node}", []).append(queue.admitted)
            if figures.path is not None and figures.path.measured:
                path = figures.path
                found.setdefault(f"path:{node}", []).append(path.latency_sum / path.admitted)
    return {key: np.array(values) for key, values in found.items()}


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and the 99 % Student-t CI over replications."""
    mean = float(values.mean())
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std(ddof=1)
    half /= math.sqrt(len(values))
    return mean, mean - half, mean + half


def checks() -> list[tuple[str, str, float]]:
    """``(case, key, theory)`` for every node sojourn and every owner's end-to-end mean."""
    found = []
    for case in CASES.values():
        found += [(case.name, f"node:{node}", value) for node, value in case.node_theory.items()]
        found += [(case.name, f"path:{node}", value) for node, value in case.path_theory.items()]
    return found


@pytest.mark.parametrize(("case", "key", "theory"), checks())
def test_mean_sojourn_inside_its_99_percent_ci(case: str, key: str, theory: float) -> None:
    _, low, high = interval(simulated(case)[key])
    assert low <= theory <= high, f"{case} {key}: theory {theory:.6g} s, CI [{low:.6g}, {high:.6g}]"


@pytest.mark.parametrize("case", list(CASES))
def test_enough_resolutions_measured(case: str) -> None:
    """Every queue node serves ~10^5 measured resolutions in every replication (the split's
    secondary nodes their share of them)."""
    values = simulated(case)
    shares = {"sec-1": 0.3, "sec-2": 0.7}
    for key, counts in values.items():
        if key.startswith("measured:"):
            share = shares.get(key.split(":")[1], 1.0) if case == "split" else 1.0
            share = 0.5 if case == "merge" and key.startswith("measured:top") else share
            assert counts.min() >= share * MIN_MEASURED, key


BURKE = [("tandem", "top"), ("tandem", "sec"), ("merge", "sec")]


def departure_gaps(case: str, node: str) -> np.ndarray:
    """The first 20,000 gaps between departures from ``node`` after a 30 s warm-up (one
    replication of 300 s, every visit kept)."""
    spec = NetworkSpec.model_validate(
        {"traffic": {"rate": f"{RATE:g}/s"}, "nodes": list(CASES[case].nodes)}
    )
    plan = NetworkPlan.of(spec)
    source = NetworkSource(plan, Streams(CASES[case].seed, 99), 0.0, 300.0)
    engine = BatchedNetwork(source, 30.0, 300.0, collect=True)
    engine.run()
    index = plan.names.index(node)
    ends = np.concatenate([visit[4][visit[1] == index] for visit in engine.visits])
    return np.diff(np.sort(ends[ends >= 30.0])[:20_001])


def burke(gaps: np.ndarray) -> tuple[float, float]:
    """KS p-value of the gaps against Exp(λ), and their lag-1 correlation."""
    ks = stats.kstest(gaps, "expon", args=(0.0, 1.0 / RATE)).pvalue
    return float(ks), float(np.corrcoef(gaps[:-1], gaps[1:])[0, 1])


@pytest.mark.parametrize(("case", "node"), BURKE)
def test_departures_are_poisson(case: str, node: str) -> None:
    """Burke: the departures of an M/M/c node in equilibrium are a Poisson(λ) process —
    the gaps are exponential with rate λ (Kolmogorov–Smirnov, p > 0.01) and successive
    gaps uncorrelated (|lag-1 correlation| < 3/√n)."""
    gaps = departure_gaps(case, node)
    assert len(gaps) == 20_000
    ks, correlation = burke(gaps)
    assert ks > 0.01
    assert abs(correlation) < 3.0 / math.sqrt(len(gaps))


def table() -> str:
    """The validation table in markdown."""
    lines = [
        "| case | node | quantity | theory | estimate | 99 % CI | in CI |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case, key, theory in checks():
        kind, node = key.split(":")
        mean, low, high = interval(simulated(case)[key])
        quantity = "mean sojourn at the node" if kind == "node" else "mean end to end (owner)"
        inside = "yes" if low <= theory <= high else "**no**"
        lines.append(
            f"| {case} | {node} | {quantity} | {theory * 1e3:.3f} ms | {mean * 1e3:.3f} ms | "
            f"[{low * 1e3:.3f}, {high * 1e3:.3f}] ms | {inside} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
    print()
    print("| case | node | departure gaps | KS p-value vs Exp(λ) | lag-1 correlation |")
    print("| --- | --- | --- | --- | --- |")
    for case, node in BURKE:
        gaps = departure_gaps(case, node)
        ks, correlation = burke(gaps)
        print(f"| {case} | {node} | {len(gaps):,} | {ks:.3f} | {correlation:+.4f} |")

"""The network's event and batched engines agree: exactly on shared draws, in distribution
on independent ones.

Shared draws: both engines take their requests from identically seeded
:class:`NetworkSource` blocks (small blocks, so requests wait in the batched engine's pools
across block boundaries) and must give every queue visit the same start and end and every
resolution the same latency (|Δ| ≤ 1e-9 s), and the same node statistics. The network has
merges (two recursive nodes and two top-level nodes feeding every secondary node), splits
(owners and enterprise nodes by share), a cache, a client timeout, a queue limit that
rejects, enterprise nodes with and without servers and constant links. A second run puts
client arrivals on a 2^-10 s grid with dyadic constant links and service times, so every
time is exact and thousands of requests reach a node at the same instant: ties are broken
by request id in both engines.

Independent draws: per-replication means of 20 replications per engine, compared with the
Mann–Whitney and Kolmogorov–Smirnov two-sample tests (fixed seeds; p > 0.01).

Random networks (hypothesis, derandomized): 25 small feed-forward networks drawn from every
option the section has must give identical visits, latencies and statistics too. And the
component: ``network.engine`` picks the engine and records it.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simdata.engine.streams import Streams
from simdata.model.network import component as network_component
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkBlock, NetworkSource
from simdata.model.network.event import EventNetwork, _At, exact_delay
from simdata.model.network.plan import NetworkPlan
from simdata.model.network.tally import NodeFigures
from simdata.model.resolution.statistics import NodeStatistics
from simdata.model.world import simulate
from simdata.scenario.loader import load_scenario
from simdata.scenario.network import NetworkSpec

pytestmark = pytest.mark.unit

TOLERANCE_S = 1e-9
GRID = 1024.0  # client arrivals on multiples of 2^-10 s in the tie case
BLOCK = 4096
HORIZON_S = 60.0
WARMUP_S = 5.0


def _exp(mean: str) -> dict[str, str]:
    return {"dist": "exponential", "mean": mean}


def _const(value: str) -> dict[str, str]:
    return {"dist": "constant", "value": value}


def _nodes(dyadic: bool) -> list[dict[str, Any]]:
    """The test network; ``dyadic``: constant services and links on a 2^-10 s lattice."""

    def service(mean: str, dyadic_value: str) -> dict[str, str]:
        return _const(dyadic_value) if dyadic else _exp(mean)

    link = _const("0.0009765625 s") if dyadic else _const("1 ms")
    return [
        {"name": "r1", "kind": "recursive", "hit_ratio": "30%", "top_level": "t1", "link": link},
        {"name": "r2", "kind": "recursive", "link": _const("0.001953125 s")},
        {"name": "t1", "kind": "top_level", "servers": 2, "share": "40%",
         "service_time": service("5 ms", "0.00390625 s"), "link": link},
        {"name": "t2", "kind": "top_level", "servers": 1, "share": "60%",
         "service_time": service("3 ms", "0.001953125 s")},
        {"name": "a", "kind": "secondary", "servers": 2, "queue_limit": 4, "share": "50%",
         "service_time": service("9 ms", "0.0078125 s"), "link": link},
        {"name": "b", "kind": "secondary", "servers": 1, "share": "30%",
         "service_time": service("1 ms", "0.0009765625 s")},
        {"name": "c", "kind": "secondary", "share": "20%", "link": link,
         "enterprise_node": {"dist": "lognormal", "mean": "20 ms", "cv": 1.0}},
        {"name": "b-1", "kind": "enterprise", "parent": "b", "servers": 1, "link": link,
         "service_time": service("2 ms", "0.001953125 s")},
        {"name": "b-2", "kind": "enterprise", "parent": "b",
         "link": {"dist": "uniform", "low": "5 ms", "high": "10 ms"}},
    ]  # fmt: skip


def _spec(dyadic: bool, rate: str = "400/s") -> NetworkSpec:
    return NetworkSpec.model_validate(
        {"traffic": {"rate": rate}, "timeout": "30 ms", "sla": "p99<=25ms", "nodes": _nodes(dyadic)}
    )


class GridSource(NetworkSource):
    """Client arrivals floored to the 2^-10 s grid (monotone, so the release bound holds)."""

    def next_block(self) -> NetworkBlock:
        block = super().next_block()
        block.arrival = np.floor(block.arrival * GRID) / GRID
        block.last_arrival = math.floor(block.last_arrival * GRID) / GRID
        return block


def _one(
    engine: str,
    spec: NetworkSpec,
    seed: int,
    replication: int = 0,
    source: type[NetworkSource] = NetworkSource,
    horizon_s: float = HORIZON_S,
) -> BatchedNetwork | EventNetwork:
    """One replication on one engine, every visit and latency kept."""
    drawn = source(NetworkPlan.of(spec), Streams(seed, replication), 0.0, horizon_s, 0, BLOCK)
    if engine == "batched":
        batched = BatchedNetwork(drawn, WARMUP_S, horizon_s, collect=True)
        batched.run()
        return batched
    event = EventNetwork(simpy.Environment(), drawn, WARMUP_S, horizon_s, collect=True)
    event.run()
    return event


def _run(
    spec: NetworkSpec, seed: int, source: type[NetworkSource] = NetworkSource
) -> tuple[BatchedNetwork, EventNetwork]:
    """Both engines on the same draws."""
    batched, event = _one("batched", spec, seed, 0, source), _one("event", spec, seed, 0, source)
    assert isinstance(batched, BatchedNetwork)
    assert isinstance(event, EventNetwork)
    return batched, event


def _visits(engine: BatchedNetwork | EventNetwork) -> list[np.ndarray]:
    """``[id, node, arrival, start, end, admitted]`` of every visit, by (id, node)."""
    parts = engine.visits
    columns = [np.concatenate([part[k] for part in parts]) for k in range(6)]
    order = np.lexsort((columns[1], columns[0]))
    return [column[order] for column in columns]


def _same_statistics(left: NodeStatistics, right: NodeStatistics, where: str) -> None:
    for field in dataclasses.fields(NodeStatistics):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f"{where}.{field.name}"
        else:
            assert np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True), (
                f"{where}.{field.name}: {a} != {b}"
            )


def _same_figures(left: dict[str, NodeFigures], right: dict[str, NodeFigures]) -> None:
    assert left.keys() == right.keys()
    for name, figures in left.items():
        other = right[name]
        for part in ("queue", "path"):
            a, b = getattr(figures, part), getattr(other, part)
            assert (a is None) == (b is None), f"{name}.{part}"
            if a is not None and b is not None:
                _same_statistics(a, b, f"{name}.{part}")


def _assert_identical(batched: BatchedNetwork, event: EventNetwork) -> list[np.ndarray]:
    """Every visit and every latency within 1e-9 s; the same statistics and counts."""
    left, right = _visits(batched), _visits(event)
    for k in (0, 1, 5):
        assert np.array_equal(left[k], right[k])
    for k in (2, 3, 4):
        assert np.allclose(left[k], right[k], rtol=0.0, atol=TOLERANCE_S, equal_nan=True)
    ids, latency = batched.collected_latencies()
    event_ids, event_latency = event.collected_latencies()
    assert np.array_equal(ids, event_ids)
    assert np.array_equal(ids, np.arange(len(ids)))  # every drawn resolution, once
    assert np.allclose(latency, event_latency, rtol=0.0, atol=TOLERANCE_S, equal_nan=True)
    assert np.array_equal(batched.arrivals, event.arrivals)
    assert np.array_equal(batched.hits, event.hits)
    _same_figures(batched.figures(), event.figures())
    return left


@pytest.fixture(scope="module")
def continuous() -> tuple[BatchedNetwork, EventNetwork]:
    return _run(_spec(dyadic=False), seed=19)


@pytest.fixture(scope="module")
def lattice() -> tuple[BatchedNetwork, EventNetwork]:
    return _run(_spec(dyadic=True), seed=23, source=GridSource)


def test_engines_identical_on_shared_draws(continuous: tuple[BatchedNetwork, EventNetwork]) -> None:
    batched, event = continuous
    ids, nodes, _, _, _, admitted = _assert_identical(batched, event)
    plan = batched.plan
    figures = event.figures()
    # The features the comparison must have covered.
    assert (~admitted).sum() > 20, "the queue limit rejected too few"
    assert sum(f.path.timed_out for f in figures.values() if f.path) > 20, "too few timeouts"
    assert event.hits.sum() > 1000, "too few cache hits"
    at_a = ids[nodes == plan.names.index("a")]
    tops = nodes[np.isin(ids, at_a) & np.isin(nodes, [plan.names.index(n) for n in ("t1", "t2")])]
    assert len(set(tops.tolist())) == 2, "node a must merge both top-level nodes' departures"
    enterprise = figures["b-1"].queue
    assert enterprise is not None
    assert enterprise.admitted > 1000


def test_engines_identical_with_exact_ties(lattice: tuple[BatchedNetwork, EventNetwork]) -> None:
    batched, event = lattice
    _, nodes, arrival, _, _, admitted = _assert_identical(batched, event)
    _, counts = np.unique(np.stack([nodes.astype(np.float64), arrival]), axis=1, return_counts=True)
    assert (counts > 1).sum() > 1000, "too few requests reaching a node at the same instant"
    assert (~admitted).sum() > 20


@pytest.mark.slow
def test_independent_draws_agree_in_distribution() -> None:
    """Per-replication means of the two engines on independent draws: the same law."""
    spec = _spec(dyadic=False, rate="100/s")
    means: dict[str, list[list[float]]] = {"batched": [], "event": []}
    for replication in range(20):
        for name, offset in (("batched", 0), ("event", 100)):
            engine = _one(name, spec, 5, offset + replication, horizon_s=30.0)
            figures = engine.figures()
            a, top = figures["a"].path, figures["t1"].queue
            assert a is not None
            assert top is not None
            means[name].append([a.latency_sum / a.admitted, top.sojourn_sum / top.admitted])
    left, right = np.array(means["batched"]), np.array(means["event"])
    for column in range(left.shape[1]):
        assert stats.mannwhitneyu(left[:, column], right[:, column]).pvalue > 0.01
        assert stats.ks_2samp(left[:, column], right[:, column]).pvalue > 0.01


@pytest.mark.parametrize(
    ("now", "when"), [(0.0, 1e-3), (1e-3, 1.0), (0.1, 0.30000000000000004), (7.3, 1e6 + 0.1)]
)
def test_exact_delay_reaches_the_time(now: float, when: float) -> None:
    delay = exact_delay(now, when)
    assert delay is not None
    assert now + delay == when


def test_events_land_on_exact_times_before_zero() -> None:
    """A dated run's warm-up has negative times, where ``when − now`` may need more
    precision than ``when`` has: such events are relayed and still fire at ``when``."""
    assert exact_delay(-7200.0, -3079.786921629307) is None
    rng = np.random.default_rng(3)
    env = simpy.Environment(initial_time=-7200.0)
    fired: list[tuple[float, float]] = []
    for when in np.sort(rng.uniform(-7200.0, 3600.0, 2000)).tolist():
        event = _At(env, when, 5, when)
        event.callbacks.append(lambda e: fired.append((env.now, e.value)))
    env.run()
    assert len(fired) == 2000
    assert all(now == when for now, when in fired)


SCENARIO = """\
name: engines
run: {{horizon: 30 s, warmup: 2 s, replications: 1, seed: 4}}
network:
  traffic: {{rate: 200/s}}
  timeout: 30 ms
  {engine}
  nodes:
    - {{name: rec, kind: recursive, hit_ratio: 40%, link: {{dist: constant, value: 1 ms}}}}
    - {{name: top, kind: top_level, servers: 1}}
    - {{name: a, kind: secondary, servers: 2, queue_limit: 3, share: 70%}}
    - {{name: b, kind: secondary, share: 30%}}
"""


DATED = "run: {{start_date: 2026-03-07, horizon: 40 s, warmup: 30 s, replications: 1, seed: 4}}"


@pytest.mark.parametrize(
    ("engine", "chosen", "dated"),
    [
        ("engine: event", "event", False),
        ("engine: batched", "batched", False),
        ("", "event", False),
        ("engine: event", "event", True),
    ],
)
def test_component_runs_the_engine_asked_for(
    tmp_path: Path, engine: str, chosen: str, dated: bool
) -> None:
    """``network.engine`` picks the engine (``auto``, the default: event below 10^6
    expected resolutions), records it, and both give the same node statistics — also in
    a dated run, whose warm-up runs at negative times."""
    text = SCENARIO.replace(SCENARIO.splitlines()[1], DATED) if dated else SCENARIO
    path = tmp_path / "network.yaml"
    path.write_text(text.format(engine=engine), encoding="utf-8")
    simulated = simulate(load_scenario(path), 0)
    assert simulated.info["network_engine"] == chosen
    path.write_text(text.format(engine="engine: batched"), encoding="utf-8")
    reference = simulate(load_scenario(path), 0)
    _same_figures(simulated.network_figures, reference.network_figures)
    assert simulated.frames["network_nodes"].equals(reference.frames["network_nodes"])


def test_auto_takes_the_batched_engine_from_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``auto`` compares the replication's expected resolutions (≈ 6,000 here) with the
    threshold: lowered below them, the batched engine runs."""
    monkeypatch.setattr(network_component, "AUTO_BATCHED_REQUESTS", 6_500)
    path = tmp_path / "network.yaml"
    path.write_text(SCENARIO.format(engine=""), encoding="utf-8")
    assert simulate(load_scenario(path), 0).info["network_engine"] == "event"
    monkeypatch.setattr(network_component, "AUTO_BATCHED_REQUESTS", 5_500)
    assert simulate(load_scenario(path), 0).info["network_engine"] == "batched"


DYADIC_MS = ("0.0009765625 s", "0.001953125 s", "0.00390625 s")


@st.composite
def networks(draw: st.DrawFn) -> dict[str, Any]:
    """A small random network: every kind optional but secondary, queues or plain hops,
    queue limits, caches, named or shared top-level nodes, dyadic constant or random
    links and services (constant ones make ties), a timeout or none."""

    def duration() -> dict[str, Any]:
        if draw(st.booleans()):
            return _const(draw(st.sampled_from(DYADIC_MS)))
        return draw(
            st.sampled_from([_exp("3 ms"), {"dist": "uniform", "low": "1 ms", "high": "4 ms"}])
        )

    def queue() -> dict[str, Any]:
        servers = draw(st.sampled_from([None, 1, 2]))
        if servers is None:
            return {}
        limit = draw(st.sampled_from([None, servers, servers + 2]))
        found: dict[str, Any] = {"servers": servers, "service_time": duration()}
        return found if limit is None else {**found, "queue_limit": limit}

    def link() -> dict[str, Any]:
        return draw(st.sampled_from([{}, {"link": duration()}]))

    tops = [f"t{i}" for i in range(draw(st.integers(0, 2)))]
    nodes: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 2))):
        node = {"name": f"r{i}", "kind": "recursive", **link()}
        node.update(draw(st.sampled_from([{}, {"hit_ratio": "30%"}])))
        if tops and draw(st.booleans()):
            node["top_level"] = draw(st.sampled_from(tops))
        nodes.append(node)
    nodes += [{"name": name, "kind": "top_level", **queue(), **link()} for name in tops]
    secondaries = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    for name in secondaries:
        tail = draw(st.sampled_from([{}, {"enterprise_node": _const("0.0078125 s")}]))
        nodes.append({"name": name, "kind": "secondary", **queue(), **link(), **tail})
    for i in range(draw(st.integers(0, 2))):
        parent = draw(st.sampled_from(secondaries))
        nodes.append({"name": f"e{i}", "kind": "enterprise", "parent": parent, **queue(), **link()})
    timeout = draw(st.sampled_from([{}, {"timeout": "10 ms"}]))
    return {"traffic": {"rate": "400/s"}, "nodes": nodes, **timeout}


@pytest.mark.property
@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True)
@given(network=networks(), grid=st.booleans(), seed=st.integers(0, 2**31))
def test_engines_identical_on_random_networks(
    network: dict[str, Any], grid: bool, seed: int
) -> None:
    """Any feed-forward network, on shared draws: the same visits, latencies, statistics."""
    spec = NetworkSpec.model_validate(network)
    source = GridSource if grid else NetworkSource
    batched = _one("batched", spec, seed, 0, source, horizon_s=8.0)
    event = _one("event", spec, seed, 0, source, horizon_s=8.0)
    assert isinstance(batched, BatchedNetwork)
    assert isinstance(event, EventNetwork)
    if batched.visits or event.visits:
        _assert_identical(batched, event)
    else:
        _same_figures(batched.figures(), event.figures())

"""The batched Kiefer–Wolfowitz engine: identical to the event engine on the same draws."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simdata
from simdata.engine import histogram
from simdata.experiments.replication import run_replication
from simdata.model.resolution.fcfs import (
    LATENCY_SUM,
    WAIT_SUM,
    FcfsStream,
    fcfs_waits,
)
from simdata.model.resolution.rules import (
    NO_LIMIT,
    OVER_SLA,
    REJECTED,
    TIMED_OUT,
    WITHIN_SLA,
    NodeRules,
    judge_many,
)
from tests.validation.test_queue_theory import erlang_c, t_interval

TOLERANCE_S = 1e-9

CACHE_AND_HOPS = (
    "  cache: {hit_ratio: 30%, hit_time: {dist: constant, value: 10 ms}}\n"
    "  top_level: {dist: uniform, low: 0 s, high: 2 s}\n"
    "  enterprise_node: {dist: exponential, mean: 0.3 s}\n"
)

CASES = {
    "M/M/1": "  servers: 1\n  service_time: {dist: exponential, mean: 1 s}\n"
    "  traffic: {rate: 0.85/s}\n",
    "M/M/4": "  servers: 4\n  service_time: {dist: exponential, mean: 1 s}\n"
    "  traffic: {rate: 3.4/s}\n",
    "M/G/4 lognormal cv 1.5": "  servers: 4\n"
    "  service_time: {dist: lognormal, mean: 1 s, cv: 1.5}\n  traffic: {rate: 3.4/s}\n",
    "queue_limit": "  servers: 2\n  queue_limit: 4\n"
    "  service_time: {dist: exponential, mean: 1 s}\n  traffic: {rate: 2.2/s}\n",
    "timeout + cache + hops": "  servers: 2\n  timeout: 4 s\n  queue_limit: 8\n"
    "  service_time: {dist: exponential, mean: 1 s}\n  traffic: {rate: 2.5/s}\n" + CACHE_AND_HOPS,
}


def event_engine_requests(
    write: Callable[[str, str], Path], resolution: str, name: str
) -> tuple[dict[str, np.ndarray], simdata.Scenario]:
    """Run replication 0 of a small scenario with the event engine; its request columns."""
    text = (
        f"name: {name.replace('/', '-').replace(' ', '-')}\n"
        "run: {horizon: 3000 s, warmup: 300 s, replications: 1, seed: 11}\n"
        f"resolution:\n{resolution}"
    )
    scenario = simdata.load_scenario(write(text, "batched.yaml"))
    replication = run_replication(scenario, 0, keep_requests=True)
    assert replication.error is None, replication.error
    frame = replication.frames["requests"]
    return {name: frame[name].to_numpy() for name in frame.columns}, scenario


@pytest.mark.validation
@pytest.mark.parametrize("case", list(CASES))
def test_batched_equals_event_engine_on_identical_draws(
    write_scenario: Callable[[str, str], Path], case: str
) -> None:
    """Same draws → per-request waits, ends and admissions equal within 1e-9 s."""
    columns, scenario = event_engine_requests(write_scenario, CASES[case], case)
    spec = scenario.resolution
    assert spec is not None
    misses = np.flatnonzero(~columns["cache_hit"])
    # The event engine serves misses in node-arrival order, ties by request index.
    order = misses[np.argsort(columns["node_arrival_s"][misses], kind="stable")]
    node_arrival = columns["node_arrival_s"][order]
    start, end, admitted = fcfs_waits(
        node_arrival, columns["service_s"][order], spec.servers, spec.queue_limit
    )
    assert np.array_equal(admitted, columns["admitted"][order])
    event_wait = columns["start_s"][order] - node_arrival
    wait = start - node_arrival
    assert np.array_equal(np.isnan(wait), np.isnan(event_wait))
    delta_wait = np.nanmax(np.abs(wait - event_wait))
    delta_end = np.nanmax(np.abs(end - columns["end_s"][order]))
    print(
        f"{case}: {len(order)} node arrivals, {int((~admitted).sum())} rejected, "
        f"{int((wait > 0).sum())} waited; max |Δwait| {delta_wait:.3g} s, "
        f"max |Δend| {delta_end:.3g} s"
    )
    assert delta_wait <= TOLERANCE_S
    assert delta_end <= TOLERANCE_S
    assert (wait > 0).sum() > len(order) // 4  # a loaded queue, not a trivial one
    if spec.queue_limit is not None:
        assert (~admitted).sum() > 0
    if spec.timeout is not None:
        # The caller caps the latency: the same latency and failures as the event engine.
        latency = end - columns["arrival_s"][order] + columns["enterprise_s"][order]
        failed = latency > spec.timeout
        latency = np.where(failed, spec.timeout, latency)
        assert np.array_equal(failed, columns["failed"][order])
        assert failed.sum() > 0
        assert np.nanmax(np.abs(latency - columns["latency_s"][order])) <= TOLERANCE_S


@pytest.mark.unit
def test_lindley_and_rejection_by_hand() -> None:
    """c = 1 by hand; a rejected arrival takes no server time and finds K by ends > now."""
    arrival = np.array([0.0, 1.0, 1.5, 2.5, 10.0])
    service = np.array([2.0, 2.0, 2.0, 1.0, 1.0])
    start, end, admitted = fcfs_waits(arrival, service, 1)
    assert start.tolist() == [0.0, 2.0, 4.0, 6.0, 10.0]
    assert end.tolist() == [2.0, 4.0, 6.0, 7.0, 11.0]
    start, end, admitted = fcfs_waits(arrival, service, 1, queue_limit=2)
    assert admitted.tolist() == [True, True, False, True, True]
    assert np.isnan(start[2])
    assert np.isnan(end[2])
    assert start[3] == 4.0
    assert end[3] == 5.0
    start, _, admitted = fcfs_waits(arrival, service, 2, queue_limit=2)
    assert admitted.tolist() == [True, True, False, True, True]
    assert start.tolist()[:2] == [0.0, 1.0]
    with pytest.raises(ValueError, match="sorted"):
        fcfs_waits(arrival[::-1], service, 1)


@pytest.mark.validation
@pytest.mark.parametrize(("servers", "rho"), [(1, 0.8), (4, 0.85), (8, 0.9)])
def test_mmc_mean_wait_matches_erlang_c(servers: int, rho: float) -> None:
    """Mean wait of M/M/c over 20 independent seeds: Erlang C inside the 99% CI."""
    rate, n, warmup = servers * rho, 400_000, 40_000
    means = []
    for seed in range(20):
        rng = np.random.default_rng([2024, servers, seed])
        arrival = np.cumsum(rng.exponential(1.0 / rate, n))
        service = rng.exponential(1.0, n)
        start, _, _ = fcfs_waits(arrival, service, servers)
        means.append(float(np.mean((start - arrival)[warmup:])))
    interval = t_interval(np.array(means))
    theory = erlang_c(servers, rate) / (servers - rate)
    print(
        f"M/M/{servers} ρ={rho}: mean wait {interval.mean:.6g} s, 99% CI "
        f"[{interval.low:.6g}, {interval.high:.6g}], Erlang C {theory:.6g} s"
    )
    assert theory in interval
    assert interval.high - interval.low < 0.1 * theory


@pytest.mark.unit
@pytest.mark.parametrize(("queue_limit", "timeout"), [(None, None), (12, 3.0)])
def test_stream_in_blocks_equals_one_shot(queue_limit: int | None, timeout: float | None) -> None:
    """Blocks of any sizes with carried state give the one-shot columns and statistics."""
    rng = np.random.default_rng(5)
    n, servers = 200_000, 4
    arrival = np.cumsum(rng.exponential(1.0 / 3.8, n))
    service = rng.lognormal(-0.5, 1.0, n)
    extra = rng.uniform(0.0, 0.5, n)
    start, end, admitted = fcfs_waits(arrival, service, servers, queue_limit)
    limit = NO_LIMIT if queue_limit is None else queue_limit
    rules = NodeRules(servers, limit, math.inf if timeout is None else timeout, 2.0, False)
    stream = FcfsStream(rules, window_lo_s=1_000.0)
    edges = np.unique(np.concatenate([[0, n], rng.integers(0, n, 40)]))
    parts = [
        stream.feed(arrival[lo:hi], service[lo:hi], extra[lo:hi])
        for lo, hi in itertools.pairwise(edges)
    ]
    assert np.array_equal(np.concatenate([p[0] for p in parts]), start, equal_nan=True)
    assert np.array_equal(np.concatenate([p[1] for p in parts]), end, equal_nan=True)
    assert np.array_equal(np.concatenate([p[2] for p in parts]), admitted)
    recorded = arrival >= 1_000.0
    kept = recorded & admitted
    latency = end - arrival + extra
    failed = latency > (math.inf if timeout is None else timeout)
    latency = np.where(failed, timeout if timeout is not None else 0.0, latency)
    stats = stream.stats
    assert stream.count(WITHIN_SLA, OVER_SLA, TIMED_OUT, REJECTED) == recorded.sum()
    assert stream.count(WITHIN_SLA, OVER_SLA, TIMED_OUT) == kept.sum()
    assert stats[REJECTED] == (recorded & ~admitted).sum()
    assert stats[TIMED_OUT] == (kept & failed).sum()
    assert stats[WITHIN_SLA] == (kept & ~failed & (latency <= 2.0)).sum()
    assert stats[WAIT_SUM] == pytest.approx((start - arrival)[kept].sum(), rel=1e-12)
    assert stats[LATENCY_SUM] == pytest.approx(latency[kept].sum(), rel=1e-12)
    # The kernel's compiled copy of the node's rule judges as rules.judge_many does (a
    # stale cached kernel, compiled before rules.py last changed, fails here).
    judged, outcome = judge_many((end - arrival + extra)[kept], rules)
    for code in (WITHIN_SLA, OVER_SLA, TIMED_OUT):
        assert stats[code] == (outcome == code).sum()
    assert np.array_equal(stream.latency, histogram.of(judged))
    assert np.array_equal(stream.latency, histogram.of(latency[kept]))
    assert np.array_equal(stream.sojourn, histogram.of((end - arrival)[kept]))
    if queue_limit is not None:
        assert stats[REJECTED] > 0
        assert stats[TIMED_OUT] > 0
    exact_p99 = float(np.quantile(latency[kept], 0.99, method="inverted_cdf"))
    assert histogram.quantile(stream.latency, 0.99) == pytest.approx(exact_p99, rel=0.01)

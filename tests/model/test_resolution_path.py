"""The resolution path: cache, top-level and enterprise-node hops, timeout, SLA, NHPP traffic.

Theory checks use 10 replications and 99% Student-t CIs over replications (the helpers of
``tests/validation/test_queue_theory.py``); each prints (``pytest -s``) simulated vs theory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import simdata
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.errors import ScenarioError
from simdata.experiments.replication import run_replication
from simdata.experiments.run import RunResult
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.model.resolution.event import ResolutionNode
from simdata.scenario.resolution import ResolutionSpec, Sla, TrafficSpec, parse_sla
from tests.validation.test_queue_theory import erlang_c, kpi_values, t_interval

ALPHA = 0.01
REPLICATIONS = 10


def scenario_text(resolution: str, horizon_s: float, warmup_s: float, seed: int) -> str:
    return (
        "name: path\n"
        f"run: {{horizon: {horizon_s:g} s, warmup: {warmup_s:g} s, "
        f"replications: {REPLICATIONS}, seed: {seed}}}\n"
        f"resolution:\n{resolution}"
    )


def run_text(write: Callable[[str, str], Path], text: str, name: str) -> RunResult:
    return simdata.run(simdata.load_scenario(write(text, f"{name}.yaml")))


def simulate_node(
    spec: dict[str, Any], horizon_s: float, seed: int = 1, replication: int = 0, weekday: int = 0
) -> tuple[ResolutionNode, pl.DataFrame]:
    """Run one node alone to the end of its drain; return it and its request frame."""
    env = simpy.Environment()
    node = ResolutionNode(
        env,
        ResolutionSpec.model_validate(spec),
        Streams(seed, replication),
        Recorder(),
        0.0,
        horizon_s,
        start_weekday=weekday,
    )
    node.start()
    env.run()
    node.finish()
    return node, node.requests.frame()


def check(label: str, values: np.ndarray, theory: float) -> None:
    interval = t_interval(values)
    print(
        f"{label}: simulated {interval.mean:.6g}, 99% CI [{interval.low:.6g}, "
        f"{interval.high:.6g}] (n={interval.n}), theory {theory:.6g}"
    )
    assert interval.n == REPLICATIONS
    assert theory in interval, f"{label}: theory {theory:.6g} outside the 99% CI {interval}"


# --- reduces to the core queue ------------------------------------------------------------

MMC_PATH = """\
  servers: 4
  service_time: {dist: exponential, mean: 1 s}
  traffic: {rate: 3.2/s}
  cache: {hit_ratio: 0, hit_time: {dist: constant, value: 5 ms}}
  top_level: {dist: constant, value: 0 s}
  enterprise_node: {dist: constant, value: 0 s}
"""


@pytest.mark.validation
def test_path_without_hits_or_hops_is_erlang_c(write_scenario: Any) -> None:
    """Cache hit 0 and zero hops: wait and end-to-end latency match M/M/4 Erlang C at ρ = 0.8."""
    result = run_text(write_scenario, scenario_text(MMC_PATH, 17_000, 850, 21), "mm4-path")
    assert not result.failures
    assert kpi_values(result, "resolution.arrivals_count").min() >= 50_000
    wait = erlang_c(4, 3.2) / (4 - 3.2)
    check("path M/M/4 wait_mean", kpi_values(result, "resolution.wait_mean"), wait)
    check("path M/M/4 latency_mean", kpi_values(result, "resolution.latency_mean"), wait + 1.0)
    np.testing.assert_allclose(
        kpi_values(result, "resolution.latency_mean"),
        kpi_values(result, "resolution.sojourn_mean"),
        rtol=1e-12,
    )
    assert kpi_values(result, "resolution.cache_hit_share").max() == 0.0
    assert kpi_values(result, "resolution.failed_share").max() == 0.0


# --- means add up -------------------------------------------------------------------------

HIT, HIT_S, TOP_S, ENTERPRISE_S, LAMBDA = 0.5, 0.1, 1.0, 0.4, 6.4
HOPS_PATH = f"""\
  servers: 4
  service_time: {{dist: exponential, mean: 1 s}}
  traffic: {{rate: {LAMBDA}/s}}
  cache: {{hit_ratio: {HIT}, hit_time: {{dist: exponential, mean: {HIT_S} s}}}}
  top_level: {{dist: uniform, low: 0.5 s, high: 1.5 s}}
  enterprise_node: {{dist: uniform, low: 0.2 s, high: 0.6 s}}
"""


@pytest.mark.validation
def test_latency_mean_adds_up_over_the_hops(write_scenario: Any) -> None:
    """latency_mean = h·E[hit] + (1 − h)(E[top] + W + E[S] + E[ent]), W from Erlang C of
    the thinned, shifted (still Poisson) stream at the node; the node's wait matches W."""
    result = run_text(write_scenario, scenario_text(HOPS_PATH, 17_000, 850, 22), "hops")
    assert not result.failures
    node_rate = LAMBDA * (1 - HIT)
    wait = erlang_c(4, node_rate) / (4 - node_rate)
    theory = HIT * HIT_S + (1 - HIT) * (TOP_S + wait + 1.0 + ENTERPRISE_S)
    check("hops wait_mean (node)", kpi_values(result, "resolution.wait_mean"), wait)
    check("hops latency_mean", kpi_values(result, "resolution.latency_mean"), theory)
    check("hops cache_hit_share", kpi_values(result, "resolution.cache_hit_share"), HIT)
    check("hops utilisation", kpi_values(result, "resolution.utilisation"), node_rate / 4)


# --- conservation, timeout ----------------------------------------------------------------

BUSY_NODE: dict[str, Any] = {
    "servers": 2,
    "service_time": {"dist": "exponential", "mean": "1 s"},
    "traffic": {"rate": "2.5/s"},
    "cache": {"hit_ratio": "30%", "hit_time": {"dist": "constant", "value": "10 ms"}},
    "top_level": {"dist": "uniform", "low": "0 s", "high": "2 s"},
    "enterprise_node": {"dist": "exponential", "mean": "0.3 s"},
}


@pytest.mark.unit
@pytest.mark.parametrize("replication", [0, 1, 2])
def test_requests_are_conserved(replication: int) -> None:
    """answered + failed + rejected + in flight = arrived, in flight 0 after the drain."""
    spec = {**BUSY_NODE, "timeout": "4 s", "queue_limit": 8}
    node, frame = simulate_node(spec, 3_000, seed=5, replication=replication)
    arrival = frame["arrival_s"].to_numpy()
    hit, admitted = frame["cache_hit"].to_numpy(), frame["admitted"].to_numpy()
    ended = ~np.isnan(frame["end_s"].to_numpy())
    failed = frame["failed"].to_numpy()
    answered = int(((hit | (admitted & ended)) & ~failed).sum())
    rejected = int((~hit & ~admitted).sum())
    in_flight = int((~hit & admitted & ~ended).sum())
    arrived = frame.height
    print(
        f"replication {replication}: arrived {arrived} = answered {answered} + failed "
        f"{int(failed.sum())} + rejected {rejected} + in flight {in_flight}"
    )
    assert answered + int(failed.sum()) + rejected + in_flight == arrived
    assert in_flight == 0
    assert rejected > 0
    assert failed.sum() > 0
    assert arrival.max() < 3_000 <= frame["end_s"].max()
    assert np.all(np.diff(arrival) > 0)
    assert node.counts() == {
        "arrived": arrived,
        "answered": answered,
        "failed": int(failed.sum()),
        "rejected": rejected,
        "in_flight": 0,
    }
    # Rejected requests have no latency; every other one has.
    latency = frame["latency_s"].to_numpy()
    assert np.array_equal(np.isnan(latency), ~hit & ~admitted)


@pytest.mark.unit
def test_timeout_caps_latency_and_still_uses_the_servers() -> None:
    """Failed requests show exactly the timeout, are those whose latency exceeded it, and
    the servers do the same work as without a timeout (common random numbers)."""
    spec = {**BUSY_NODE, "servers": 3}
    _, free = simulate_node(spec, 4_000, seed=9)
    _, capped = simulate_node({**spec, "timeout": "3 s"}, 4_000, seed=9)
    for column in ("arrival_s", "service_s", "node_arrival_s", "start_s", "end_s"):
        assert np.array_equal(free[column].to_numpy(), capped[column].to_numpy(), equal_nan=True)
    failed = capped["failed"].to_numpy()
    uncapped = free["latency_s"].to_numpy()
    assert failed.sum() > 100
    assert np.array_equal(failed, uncapped > 3.0)
    assert np.all(capped["latency_s"].to_numpy()[failed] == 3.0)
    assert np.all(~np.isnan(capped["end_s"].to_numpy()[failed & ~capped["cache_hit"].to_numpy()]))
    assert capped["latency_s"].max() == 3.0
    assert not free["failed"].any()


@pytest.mark.unit
def test_timeout_leaves_utilisation_unchanged(write_scenario: Any) -> None:
    """The queue KPIs are identical with and without a timeout; failed_share rises from 0."""
    body = (
        "  servers: 2\n  service_time: {dist: exponential, mean: 1 s}\n"
        "  traffic: {rate: 1.8/s}\n  top_level: {dist: constant, value: 0.5 s}\n"
    )
    path = write_scenario(scenario_text(body, 3_000, 300, 4))
    base = simdata.load_scenario(path)
    timed = simdata.load_scenario(path, ["resolution.timeout=5 s", "resolution.sla=p90<=4 s"])
    a, b = run_replication(base, 1).kpis, run_replication(timed, 1).kpis
    for kpi in ("utilisation", "wait_mean", "queue_mean", "throughput", "sojourn_p99"):
        assert a[f"resolution.{kpi}"] == b[f"resolution.{kpi}"]
    assert a["resolution.failed_share"] == 0.0
    assert 0.0 < b["resolution.failed_share"] < 1.0
    assert b["resolution.latency_p99"] <= 5.0 < a["resolution.latency_p99"]
    assert b["resolution.sla_share"] <= 1.0 - b["resolution.failed_share"]


# --- SLA ------------------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p99<=100ms", Sla(0.99, "<=", 0.1)),
        (" p99 <= 100 ms ", Sla(0.99, "<=", 0.1)),
        ("p50<2 s", Sla(0.5, "<", 2.0)),
        ("p99.9<=1s", Sla(0.999, "<=", 1.0)),
        ("resolution.latency_p99<=100 ms", Sla(0.99, "<=", 0.1)),
        ("resolution.latency_p50 < 0.5 s", Sla(0.5, "<", 0.5)),
    ],
)
def test_sla_grammar_accepts(text: str, expected: Sla) -> None:
    """Good SLA forms parse to (quantile, operator, threshold in seconds)."""
    assert parse_sla(text) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    "text",
    [
        "p99<100",
        "p101<=1s",
        "p0<=1s",
        "p100<=1s",
        "p99>=1s",
        "p99=1s",
        "99<=1s",
        "p99<=0 s",
        "p99<=-1 s",
        "p99<=2 workday",
        "resolution.sojourn_p99<=1s",
        "resolution.latency_p95<=1s",
        "resolution.latency_mean<=1s",
        "",
    ],
)
def test_sla_grammar_refuses(text: str) -> None:
    """Bad SLA forms are one-line ValueErrors saying what was expected."""
    with pytest.raises(ValueError, match="expected") as caught:
        parse_sla(text)
    assert "\n" not in str(caught.value)


@pytest.mark.unit
def test_sla_kpi_name_and_share(write_scenario: Any) -> None:
    """The SLA names its KPI; sla_share is the measured share answered within the threshold."""
    assert parse_sla("p99<=100ms").kpi == "resolution.latency_p99"
    body = (
        "  servers: 2\n  service_time: {dist: exponential, mean: 1 s}\n"
        "  traffic: {rate: 1.6/s}\n  sla: p90<=3 s\n  timeout: 6 s\n"
    )
    scenario = simdata.load_scenario(write_scenario(scenario_text(body, 3_000, 300, 3)))
    assert scenario.resolution is not None
    assert scenario.resolution.sla_parsed == Sla(0.9, "<=", 3.0)
    replication = run_replication(scenario, 0, keep_requests=True)
    frame = replication.frames["requests"].filter(pl.col("arrival_s") >= 300)
    within = (frame["latency_s"] <= 3.0) & ~frame["failed"]
    assert replication.kpis["resolution.sla_share"] == pytest.approx(within.mean(), rel=1e-12)
    # The SLA holds exactly when the share within the threshold reaches the quantile.
    latency = frame["latency_s"].to_numpy()
    assert (np.quantile(latency, 0.9) <= 3.0) == (within.mean() >= 0.9)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("resolution.sla=p99<100", "resolution.sla"),
        ("resolution.sla=p101<=1s", "resolution.sla"),
        ("resolution.traffic.hourly_weights=[1, 2, 3]", "resolution.traffic"),
        (
            "resolution.traffic.hourly_weights=[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
            "0, 0, 0, 0, 0, 0, 0, 0]",
            "resolution.traffic",
        ),
        ("resolution.cache.hit_ratio=1.2", "resolution.cache.hit_ratio"),
        ("resolution.timeout=0 s", "resolution"),
        ("resolution.top_level=20 ms", "resolution.top_level"),
    ],
)
def test_bad_path_inputs_are_one_line_errors(
    override: str, field: str, write_scenario: Any
) -> None:
    """Bad SLA, hourly weights, hit ratio, timeout or hop latency: one line naming the field."""
    path = write_scenario(scenario_text("  servers: 2\n  cache: {}\n", 100, 0, 1))
    simdata.load_scenario(path)  # the base is valid
    with pytest.raises(ScenarioError) as caught:
        simdata.load_scenario(path, [override])
    message = str(caught.value)
    assert "\n" not in message
    assert field in message
    assert "expected" in message


# --- non-homogeneous traffic ----------------------------------------------------------------

#: DOMAIN.md §5 shape: peaks at 10:00 and 15:00, night 10 % of peak; one closed hour.
WEIGHTS = [1, 1, 1, 1, 0, 1, 2, 4, 7, 9, 10, 9, 6, 7, 9, 10, 9, 7, 5, 4, 3, 2, 1, 1]


def arrivals_until(process: ArrivalProcess, seed: int, horizon_s: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blocks = [process.next_block(rng, 65_536)]
    while blocks[-1][-1] < horizon_s:
        blocks.append(process.next_block(rng, 65_536))
    times = np.concatenate(blocks)
    return times[times < horizon_s]


def chi_square(counts: np.ndarray, weights: np.ndarray) -> float:
    """p-value of counts against expected ∝ weights (positive-weight bins only)."""
    positive = weights > 0
    expected = counts[positive].sum() * weights[positive] / weights[positive].sum()
    return float(stats.chisquare(counts[positive], expected).pvalue)


@pytest.mark.validation
def test_arrivals_per_hour_follow_the_hourly_weights() -> None:
    """Arrivals per hour of day ∝ hourly_weights, none in a 0-weight hour (χ², α = 0.01)."""
    traffic = TrafficSpec.model_validate({"rate": "0.05/s", "hourly_weights": WEIGHTS})
    horizon = 56 * 86_400.0
    times = arrivals_until(ArrivalProcess(traffic, 0, 0.0), 11, horizon)
    counts = np.bincount(((times % 86_400) // 3_600).astype(int), minlength=24)
    p_value = chi_square(counts, np.array(WEIGHTS, dtype=float))
    print(f"hourly χ²: {len(times)} arrivals, p = {p_value:.3g}")
    assert counts[4] == 0
    assert p_value > ALPHA
    assert len(times) == pytest.approx(0.05 * horizon, rel=0.02)


@pytest.mark.validation
def test_weekend_factor_follows_the_start_weekday() -> None:
    """Arrivals per weekday ∝ day factor, counted from a Thursday start (χ², α = 0.01)."""
    traffic = TrafficSpec.model_validate(
        {"rate": "0.05/s", "hourly_weights": WEIGHTS, "weekend_factor": 0.4}
    )
    times = arrivals_until(ArrivalProcess(traffic, 3, 0.0), 12, 70 * 86_400.0)
    weekday = ((times // 86_400).astype(int) + 3) % 7
    counts = np.bincount(weekday, minlength=7)
    p_value = chi_square(counts, np.array([1, 1, 1, 1, 1, 0.4, 0.4]))
    print(f"weekday χ²: counts {counts.tolist()}, p = {p_value:.3g}")
    assert p_value > ALPHA
    assert counts[5] < 0.5 * counts[4]


@pytest.mark.validation
def test_node_traffic_profile_end_to_end(write_scenario: Any) -> None:
    """Through the whole run, the node's requests per hour follow hourly_weights (χ²)."""
    body = (
        "  servers: 4\n  service_time: {dist: exponential, mean: 0.1 s}\n"
        f"  traffic: {{rate: 0.3/s, hourly_weights: {WEIGHTS}}}\n"
    )
    scenario = simdata.load_scenario(write_scenario(scenario_text(body, 3 * 86_400, 0, 8)))
    frame = run_replication(scenario, 0, keep_requests=True).frames["requests"]
    hours = ((frame["arrival_s"].to_numpy() % 86_400) // 3_600).astype(int)
    counts = np.bincount(hours, minlength=24)
    p_value = chi_square(counts, np.array(WEIGHTS, dtype=float))
    print(f"node hourly χ²: {frame.height} requests, p = {p_value:.3g}")
    assert counts[4] == 0
    assert p_value > ALPHA


@pytest.mark.property
@settings(max_examples=30, deadline=None)
@given(
    weights=st.lists(st.floats(0, 10), min_size=24, max_size=24).filter(lambda w: sum(w) > 0.1),
    weekend=st.floats(0.05, 3),
    weekday=st.integers(0, 6),
    start=st.floats(-86_400 * 10, 86_400 * 10),
    seed=st.integers(0, 2**32 - 1),
)
def test_arrivals_are_the_inverse_of_the_integrated_rate(
    weights: list[float], weekend: float, weekday: int, start: float, seed: int
) -> None:
    """Arrivals increase, and the integrated rate between them is the unit-rate gaps drawn."""
    traffic = TrafficSpec.model_validate(
        {"rate": "2/s", "hourly_weights": weights, "weekend_factor": weekend}
    )
    process = ArrivalProcess(traffic, weekday, start)
    times = process.next_block(np.random.default_rng(seed), 2_000)
    gaps = np.random.default_rng(seed).exponential(1.0, 2_000)
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= start
    mass = process.integrated(np.concatenate([[start], times]))
    np.testing.assert_allclose(np.diff(mass), gaps, rtol=1e-6, atol=1e-6)


@pytest.mark.unit
def test_flat_profile_keeps_the_plain_poisson_stream() -> None:
    """Flat weights with factors 1 draw exactly the homogeneous stream (old results kept)."""
    flat = TrafficSpec.model_validate({"rate": "3/s", "hourly_weights": [2] * 24})
    assert flat.homogeneous
    times = ArrivalProcess(flat, 4, 0.0).next_block(np.random.default_rng(3), 100)
    expected = np.cumsum(np.random.default_rng(3).exponential(1 / 3, 100))
    assert np.array_equal(times, expected)
    week = ArrivalProcess(TrafficSpec.model_validate({"rate": "1/s", "weekend_factor": 0.5}), 0, 0)
    assert week.expected_count(0, 7 * 86_400) == pytest.approx(86_400 * 6)


# --- common random numbers ----------------------------------------------------------------


@pytest.mark.unit
def test_variants_see_the_same_requests_and_draws(write_scenario: Any) -> None:
    """Servers 4 vs 5 and cache hit 40 % vs 60 %: identical arrivals, service and hop draws;
    the 40 % hits are a subset of the 60 % hits."""
    path = write_scenario(scenario_text(HOPS_PATH, 2_000, 200, 30))
    base = simdata.load_scenario(path, ["resolution.cache.hit_ratio=40%"])
    variants = [
        simdata.load_scenario(path, ["resolution.cache.hit_ratio=40%", "resolution.servers=5"]),
        simdata.load_scenario(path, ["resolution.cache.hit_ratio=60%"]),
    ]
    for replication in (0, 3):
        reference = run_replication(base, replication, keep_requests=True).frames["requests"]
        for variant in variants:
            other = run_replication(variant, replication, keep_requests=True).frames["requests"]
            assert reference.height == other.height
            for column in ("arrival_s", "service_s", "enterprise_s"):
                assert reference[column].equals(other[column])
            both = ~reference["cache_hit"] & ~other["cache_hit"]
            assert (
                reference["node_arrival_s"]
                .filter(both)
                .equals(other["node_arrival_s"].filter(both))
            )
            assert not reference["latency_s"].equals(other["latency_s"])
        wider = run_replication(variants[1], replication, keep_requests=True).frames["requests"]
        assert not (reference["cache_hit"] & ~wider["cache_hit"]).any()
        assert wider["cache_hit"].sum() > reference["cache_hit"].sum()


@pytest.mark.unit
def test_shipped_resolution_scenarios_keep_their_kpis_without_a_path() -> None:
    """Without path sections, latency = node sojourn and nothing is cached or failed."""
    scenario = simdata.load_scenario(
        Path(__file__).resolve().parents[2] / "scenarios" / "mm8.yaml",
        ["run.horizon=2000 s", "run.warmup=200 s"],
    )
    kpis = run_replication(scenario, 0).kpis
    assert kpis["resolution.latency_mean"] == pytest.approx(kpis["resolution.sojourn_mean"])
    assert kpis["resolution.latency_p99"] == pytest.approx(kpis["resolution.sojourn_p99"])
    assert kpis["resolution.cache_hit_share"] == 0.0
    assert kpis["resolution.failed_share"] == 0.0
    assert kpis["resolution.sla_share"] == 1.0
    assert math.isfinite(kpis["resolution.wait_mean"])

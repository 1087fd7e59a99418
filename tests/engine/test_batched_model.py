"""The batched node model against the event engine: same requests, same waits, same KPIs.

Fed the same scenario and seed, both engines take their requests from one RequestSource,
so every request reaching the node must get the same start and end (|Δ| ≤ 1e-9 s) — for
M/M/c, M/G/c, queue_limit, timeout and the cache + hierarchy path, also across blocks
whose node arrivals overtake each other. KPIs computed from the batched engine's streaming
statistics must equal the event engine's (counts and means to 1e-9 relative, quantiles
within the histogram's 0.5 %).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import simdata
from simdata.analysis.kpis import compute_kpis
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.resolution.batched import BatchedResolutionNode
from simdata.model.world import simulate
from tests.engine.test_batched import CASES

pytestmark = pytest.mark.unit

QUANTILE_KPIS = {"sojourn_p50", "sojourn_p99", "latency_p50", "latency_p99"}


def _scenario(write: Callable[[str, str], Path], resolution: str, engine: str) -> simdata.Scenario:
    text = (
        "name: agreement\n"
        "run: {horizon: 3000 s, warmup: 300 s, replications: 1, seed: 11}\n"
        f"resolution:\n{resolution}  sla: p99<=3s\n  engine: {engine}\n"
    )
    return simdata.load_scenario(write(text, f"agreement-{engine}.yaml"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_batched_node_gives_every_request_the_event_engines_start_and_end(
    write_scenario: Callable[[str, str], Path], case: str
) -> None:
    scenario = _scenario(write_scenario, CASES[case], "event")
    spec = scenario.resolution
    assert spec is not None
    requests = simulate(scenario, 0).frames["requests"]
    # Small blocks: node arrivals overtake each other across block boundaries.
    node = BatchedResolutionNode(
        spec, Streams(11, 0), Recorder(), 0.0, 3000.0, 300.0, collect=True, block=97
    )
    node.run()
    start, end, admitted, index = node.collected()
    misses = np.flatnonzero(~requests["cache_hit"].to_numpy())
    np.testing.assert_array_equal(index, misses)
    np.testing.assert_array_equal(admitted, requests["admitted"].to_numpy()[misses])
    for name, got in (("start_s", start), ("end_s", end)):
        want = requests[name].to_numpy()[misses]
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.nanmax(np.abs(got - want)) <= 1e-9


@pytest.mark.parametrize("case", sorted(CASES))
def test_batched_kpis_equal_the_event_engines(
    write_scenario: Callable[[str, str], Path], case: str
) -> None:
    event = compute_kpis(simulate(_scenario(write_scenario, CASES[case], "event"), 0))
    batched_run = simulate(_scenario(write_scenario, CASES[case], "batched"), 0)
    assert "requests" not in batched_run.frames
    assert batched_run.info["resolution_engine"] == "batched"
    batched = compute_kpis(batched_run)
    resolution = {k for k in event if k.startswith("resolution.")}
    assert resolution == {k for k in batched if k.startswith("resolution.")}
    for name in sorted(resolution):
        want, got = event[name], batched[name]
        if math.isnan(want):
            assert math.isnan(got), name
        elif name.split(".", 1)[1] in QUANTILE_KPIS:
            # Histogram representative vs numpy's linear interpolation between neighbours.
            assert got == pytest.approx(want, rel=0.011), name
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), name


def test_batched_in_system_series_equals_the_event_engines(
    write_scenario: Callable[[str, str], Path],
) -> None:
    case = CASES["timeout + cache + hops"]
    series = [
        simulate(_scenario(write_scenario, case, engine), 0)
        .frames["timeseries"]
        .filter(series="resolution.in_system")["value"]
        .to_numpy()
        for engine in ("event", "batched")
    ]
    np.testing.assert_allclose(series[1], series[0], rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_auto_engine_switches_to_batched_from_a_million_requests(
    write_scenario: Callable[[str, str], Path],
) -> None:
    small = _scenario(write_scenario, "  traffic: {rate: 300/s}\n", "auto")
    large = small.model_copy(
        update={"run": small.run.model_copy(update={"horizon": 3_400.0})}
    )  # 300/s × 3,400 s = 1.02 × 10⁶ requests
    assert simulate(small, 0).info["resolution_engine"] == "event"
    assert simulate(large, 0).info["resolution_engine"] == "batched"


def test_peak_hour_utilisation_is_the_busiest_whole_clock_hour_in_both_engines(
    write_scenario: Callable[[str, str], Path],
) -> None:
    weights = ", ".join(["1"] * 2 + ["3"] + ["1"] * 21)  # hour 02–03 carries 3× the rate
    resolution = (
        "  servers: 2\n  service_time: {dist: exponential, mean: 1 s}\n"
        f"  traffic: {{rate: 0.5/s, hourly_weights: [{weights}]}}\n"
    )
    values = {}
    for engine in ("event", "batched"):
        text = (
            "name: hours\nrun: {horizon: 4 h, warmup: 30 min, replications: 1, seed: 4}\n"
            f"resolution:\n{resolution}  engine: {engine}\n"
        )
        run = simulate(simdata.load_scenario(write_scenario(text, f"{engine}.yaml")), 0)
        hours = run.frames["node_hours"]
        assert hours["hour_start_s"].to_list() == [3600.0, 7200.0, 10800.0]
        values[engine] = compute_kpis(run)
        assert hours["utilisation"].arg_max() == 1  # 02:00–03:00
    name = "resolution.utilisation@window=peak_hour"
    assert values["batched"][name] == pytest.approx(values["event"][name], rel=1e-9)
    # Offered load in the peak hour: 0.5 × 3 / mean(w) ≈ 1.36/s on 2 servers of 1 s.
    assert 0.5 < values["event"][name] < 0.85


def test_latency_histogram_table_holds_every_measured_latency(
    write_scenario: Callable[[str, str], Path],
) -> None:
    case = CASES["timeout + cache + hops"]
    tables = {}
    for engine in ("event", "batched"):
        run = simulate(_scenario(write_scenario, case, engine), 0)
        table = run.frames["latency_histogram"]
        kpis = compute_kpis(run)
        answered = kpis["resolution.arrivals_count"] * (1 - kpis["resolution.rejected_share"])
        assert table["count"].sum() <= kpis["resolution.arrivals_count"]
        assert (table["bucket_low_s"] <= table["bucket_high_s"]).all()
        assert (table["window"] == "all").all()
        tables[engine] = table
        # The p99 read off the table agrees with the KPI (histogram accuracy 0.5 %).
        counts = table["count"].to_numpy()
        rank = math.ceil(0.99 * counts.sum())
        row = int(np.searchsorted(np.cumsum(counts), rank))
        p99 = table["bucket_high_s"][row]
        assert p99 == pytest.approx(kpis["resolution.latency_p99"], rel=0.011)
        assert answered > 0
    assert tables["event"]["count"].sum() == tables["batched"]["count"].sum()

"""``simdata capacity``: analytic M/M/1 capacity, common random numbers, bad input, ranges."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import simdata
from simdata.cli import cli
from simdata.experiments.capacity import CURVE_SCHEMA, capacity, load_profile
from tests.cli_checks import one_line_error, tree

MM1 = """\
name: mm1-capacity
run: {horizon: 2200 s, warmup: 200 s, replications: 10, seed: 5}
resolution:
  servers: 1
  service_time: {dist: exponential, mean: 4 ms}
  traffic: {rate: 100/s}
  sla: p99<=50ms
"""


@pytest.mark.validation
@pytest.mark.slow
def test_mm1_capacity_matches_the_analytic_answer(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """M/M/1, μ = 250/s: sojourn is Exp(μ − λ), so p99 ≤ 50 ms ⇔ λ ≤ 250 − ln(100)/0.05."""
    exact = 250.0 - math.log(100.0) / 0.05  # 157.90/s
    result = capacity(simdata.load_scenario(write_scenario(MM1)), out=tmp_path / "out")
    assert result.status == "found"
    assert result.capacity is not None
    assert result.ci_low is not None
    assert result.ci_high is not None
    assert abs(result.capacity - exact) / exact <= 0.02
    assert result.ci_low <= exact <= result.ci_high
    assert result.capacity_conservative is not None
    assert result.capacity_conservative < result.capacity
    written = json.loads((tmp_path / "out" / "capacity.json").read_text())
    for key in ("capacity", "ci_low", "ci_high", "capacity_conservative", "sla", "confidence"):
        assert key in written
    assert written["status"] == "found"
    assert written["capacity"] == pytest.approx(result.capacity)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["kind"] == "capacity"
    assert manifest["status"] == "complete"
    curve = pl.read_parquet(tmp_path / "out" / "curve.parquet")
    assert dict(curve.schema) == CURVE_SCHEMA
    assert set(curve["replication"].to_list()) == set(range(10))
    _check_pooled_curve(curve, pl.read_parquet(tmp_path / "out" / "curve_summary.parquet"))


def _check_pooled_curve(curve: pl.DataFrame, pooled: pl.DataFrame) -> None:
    """At each shared load the curve's p50/p99 pool all replications (issue 12 §1): a
    quantile of the pooled values lies between the replications' own, inside its CI."""
    assert pooled["n"].unique().to_list() == [10]
    assert pooled["load_per_s"].n_unique() >= 3
    for row in pooled.iter_rows(named=True):
        column = "latency_p50_s" if row["quantile"] == 0.5 else "latency_p99_s"
        own = curve.filter(pl.col("load_per_s") == row["load_per_s"])[column]
        assert len(own) == 10
        assert own.min() <= row["latency_s"] <= own.max()
        assert row["ci_low_s"] <= row["latency_s"] <= row["ci_high_s"]


@pytest.mark.unit
@pytest.mark.slow
def test_loads_share_random_numbers_so_the_sla_share_falls_with_load(
    write_scenario: Callable[[str, str], Path],
) -> None:
    """Common random numbers: within a replication, more load never helps (Lindley's
    recursion is monotone in the arrival rate when the same requests are compressed)."""
    scenario = simdata.load_scenario(write_scenario(MM1), ["run.replications=3"])
    result = capacity(scenario)
    for _, points in result.curve.group_by("replication"):
        shares = points.sort("load_per_s")["sla_share"].to_numpy()
        assert (shares[1:] <= shares[:-1] + 1e-3).all(), shares
    # And the searched capacities are where the SLA stops holding.
    for search in result.searches:
        assert search.capacity is not None
        met = [p.load_per_s for p in search.points if p.sla_met]
        missed = [p.load_per_s for p in search.points if not p.sla_met]
        assert max(met) <= search.capacity <= min(missed)
        assert min(missed) / max(met) - 1 <= 0.011  # bracket of 0.5 % (a grid point may be nearer)


@pytest.mark.unit
def test_profile_scales_the_hourly_shape_and_reports_the_peak(
    write_scenario: Callable[[str, str], Path],
) -> None:
    text = MM1.replace(
        "traffic: {rate: 100/s}",
        "traffic: {rate: 100/s, hourly_weights: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, "
        "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4]}",
    ).replace("horizon: 2200 s, warmup: 200 s", "horizon: 1 d, warmup: 0 s")
    profile = load_profile(simdata.load_scenario(write_scenario(text)), 0, 5)
    assert profile.mean_rate == pytest.approx(100.0)
    assert profile.peak_rate == pytest.approx(400.0 * 24 / 27)


def _invoke(args: list[str]) -> object:
    return CliRunner().invoke(cli, args)


@pytest.mark.cli
@pytest.mark.parametrize(
    ("sla", "says"),
    [
        ("p99<100", "expected a duration"),
        ("p101<=1s", "0 < NN < 100"),
        ("resolution.wait_mean<=1s", "expected a latency quantile KPI"),
    ],
)
def test_a_bad_sla_is_one_line_and_exit_2(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, sla: str, says: str
) -> None:
    path = write_scenario(MM1)
    out = tmp_path / "never"
    result = CliRunner().invoke(cli, ["capacity", str(path), "--sla", sla, "--out", str(out)])
    message = one_line_error(result)
    assert message.startswith("--sla: ")
    assert says in message
    assert not out.exists()


@pytest.mark.cli
def test_a_scenario_without_an_sla_is_refused(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    path = write_scenario(MM1.replace("  sla: p99<=50ms\n", ""))
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["capacity", str(path), "--out", str(tmp_path / "x")])
    message = one_line_error(result)
    assert "resolution.sla" in message
    assert "--sla" in message
    assert tree(tmp_path) == before


@pytest.mark.cli
@pytest.mark.parametrize(
    ("sla", "status"),
    [
        # Every miss pays a 20 ms top-level lookup: p99 ≤ 1 ms never holds.
        ("p99<=1ms", "below_range"),
        # 90 % of requests are 1 ms cache hits: the median holds at any load.
        ("p50<=10ms", "above_range"),
    ],
)
@pytest.mark.slow
def test_a_search_that_cannot_bracket_says_so_and_exits_0(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, sla: str, status: str
) -> None:
    text = (
        "name: unbracketed\n"
        "run: {horizon: 20 s, warmup: 2 s, replications: 2, seed: 3}\n"
        "resolution:\n  servers: 1\n  service_time: {dist: exponential, mean: 100 ms}\n"
        "  traffic: {rate: 1/s}\n"
        "  cache: {hit_ratio: 90%, hit_time: {dist: constant, value: 1 ms}}\n"
        "  top_level: {dist: constant, value: 20 ms}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["capacity", str(write_scenario(text)), "--sla", sla, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"status: {status}" in result.stdout
    written = json.loads((out / "capacity.json").read_text())
    assert written["status"] == status
    assert written["capacity"] is None


@pytest.mark.unit
@pytest.mark.slow
def test_capacity_is_the_same_on_a_process_pool(
    write_scenario: Callable[[str, str], Path],
) -> None:
    from simdata.experiments.executors import make_executor

    scenario = simdata.load_scenario(write_scenario(MM1), ["run.replications=3"])
    serial = capacity(scenario)
    pool = make_executor(2)
    try:
        parallel = capacity(scenario, executor=pool)
    finally:
        pool.close()
    assert parallel.as_json() == serial.as_json()
    assert parallel.curve.equals(serial.curve)


@pytest.mark.unit
def test_one_replication_has_no_ci_and_writes_strict_json(
    write_scenario: Callable[[str, str], Path], tmp_path: Path
) -> None:
    scenario = simdata.load_scenario(write_scenario(MM1), ["run.replications=1"])
    capacity(scenario, out=tmp_path / "one")
    text = (tmp_path / "one" / "capacity.json").read_text()
    written = json.loads(text, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert written["status"] == "found"
    assert written["capacity"] > 0
    assert written["ci_low"] is None
    assert written["capacity_conservative"] is None


@pytest.mark.unit
def test_a_replication_that_raises_makes_the_search_failed_not_below_range(
    write_scenario: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from simdata.experiments.capacity import bisection as module

    def broken(*_: object) -> object:
        raise RuntimeError("model broke")

    monkeypatch.setattr(module, "evaluate", broken)
    scenario = simdata.load_scenario(write_scenario(MM1), ["run.replications=2"])
    result = capacity(scenario, out=tmp_path / "bad")
    written = json.loads((tmp_path / "bad" / "capacity.json").read_text())
    assert written["status"] == result.status == "failed"
    assert written["capacity"] is None
    assert "model broke" in written["per_replication"][0]["error"]
    manifest = json.loads((tmp_path / "bad" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["failures"][0]["root_seed"] == 5


@pytest.mark.unit
def test_the_capacity_is_the_interpolated_sla_crossing() -> None:
    """Inside the final bracket the answer moves with the replication's SLA shares (linear in
    log-load), not to a lattice midpoint; a flat or inverted bracket falls back to it."""
    from simdata.experiments.capacity.bisection import crossing

    low, high = 100.0, 100.5
    assert crossing(low, high, 0.995, 0.985, 0.99) == pytest.approx(math.sqrt(low * high), 1e-6)
    near_low = crossing(low, high, 0.9901, 0.980, 0.99)
    near_high = crossing(low, high, 0.999, 0.9899, 0.99)
    assert low < near_low < near_high < high
    assert near_low == pytest.approx(low * (high / low) ** (0.0001 / 0.0101))
    assert crossing(low, high, 0.99, 0.99, 0.99) == pytest.approx(math.sqrt(low * high))


@pytest.mark.unit
def test_equal_capacities_give_no_ci_and_a_warning() -> None:
    """Replications that all land on one value get no (zero-width) CI; fewer than half
    distinct values are warned about."""
    from simdata.experiments.capacity.bisection import Search
    from simdata.experiments.capacity.experiment import _precision_warnings, _summarise

    same = [Search(i, "found", 372.722) for i in range(6)]
    status, mean, low, high, conservative = _summarise(same, 0.95)
    assert (status, mean) == ("found", 372.722)
    assert low is None
    assert high is None
    assert conservative is None
    assert "1 distinct capacities among 6" in _precision_warnings(same)[0]
    spread = [Search(i, "found", 370.0 + i) for i in range(6)]
    assert _precision_warnings(spread) == []
    assert _summarise(spread, 0.95)[2] is not None

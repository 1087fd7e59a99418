"""The optimiser against exact answers: the fewest M/M/c servers for an Erlang-C wait target,
and the cheapest (servers, queue limit) of an M/M/c/K with a blocking and a wait target."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from simdata.engine import histogram
from simdata.experiments.optimize import feasibility, optimize, shares
from simdata.scenario.models import Target
from tests.optimize.queueing import erlang_c_wait, mmck, sojourn_quantile, write_queue

pytestmark = pytest.mark.validation

#: (λ per s, mean service s, wait target s). Each case's exact answer c* has Wq(c*) at most
#: 70 % of the target and Wq(c* − 1) at least 1.4 times it, far outside the 1 % tolerance.
ERLANG_CASES = [
    (3.2, 1.0, 0.5),
    (8.0, 0.5, 0.05),
    (1.5, 2.0, 0.5),
]


def _fewest_servers(rate: float, service_s: float, target_s: float) -> int:
    return next(c for c in range(1, 100) if erlang_c_wait(c, rate, 1 / service_s) <= target_s)


@pytest.mark.parametrize(("rate", "service_s", "target_s"), ERLANG_CASES)
def test_fewest_servers_meet_an_erlang_c_wait_target(
    tmp_path: Path, rate: float, service_s: float, target_s: float
) -> None:
    """Bisection over servers finds the exact fewest c with Erlang-C W_q ≤ target."""
    exact = _fewest_servers(rate, service_s, target_s)
    mu = 1 / service_s
    assert erlang_c_wait(exact, rate, mu) <= 0.7 * target_s  # the case is not a near-tie
    assert erlang_c_wait(exact - 1, rate, mu) >= 1.4 * target_s
    scenario = write_queue(
        tmp_path / "mmc.yaml",
        rate,
        service_s,
        [f'{{kpi: resolution.wait_mean, "<=": {target_s:g} s}}'],
        horizon_s=600 * service_s,
        servers=exact + 3,
    )
    design = tmp_path / "design.yaml"
    design.write_text(
        "parameters:\n"
        "  - {path: resolution.servers, name: servers, range: [1, 16], integer: true,"
        " cost: 80000, monotone: true}\n"
        "max_replications: 80\n",
        encoding="utf-8",
    )
    result = optimize(scenario, design)
    assert result.chosen is not None
    assert result.chosen.values == {"servers": float(exact)}
    assert result.chosen.cost == 80000 * exact
    assert len(result.records) <= result.budget.plans_bound == 5


def _exact_mmck_plan(
    rate: float, servers: range, limits: range, blocking: float, wait_s: float
) -> tuple[tuple[int, int], set[tuple[int, int]]]:
    """The cheapest feasible (c, K) by the formulas, and the feasible set."""
    feasible = {
        (c, k)
        for c, k in itertools.product(servers, limits)
        if (found := mmck(c, k, rate, 1.0))[0] <= blocking and found[1] <= wait_s
    }
    return min(feasible, key=lambda plan: (80000 * plan[0] + 5000 * plan[1], plan)), feasible


def test_two_levers_find_the_cheapest_exact_mmck_plan(tmp_path: Path) -> None:
    """Servers and queue limit with a blocking and a wait target: the frontier walk returns
    the cheapest plan by the M/M/c/K formulas."""
    rate, blocking, wait_s = 3.0, 0.02, 1.0
    servers, limits = range(2, 7), range(6, 19, 3)
    exact, feasible = _exact_mmck_plan(rate, servers, limits, blocking, wait_s)
    for c, k in feasible:  # the case fits a monotone search: feasible plans form an upper set
        assert all((c2, k2) in feasible for c2 in servers for k2 in limits if c2 >= c and k2 >= k)
    c, k = exact
    assert mmck(c, k, rate, 1.0)[0] <= 0.7 * blocking  # not a near-tie at the answer …
    assert mmck(c, k - 3, rate, 1.0)[0] >= 1.3 * blocking  # … nor one step below it
    assert mmck(c - 1, k, rate, 1.0)[0] >= 1.3 * blocking
    scenario = write_queue(
        tmp_path / "mmck.yaml",
        rate,
        1.0,
        [
            f'{{kpi: resolution.rejected_share, "<=": "{blocking:.0%}"}}',
            f'{{kpi: resolution.wait_mean, "<=": {wait_s:g} s}}',
        ],
        horizon_s=1000,
        queue_limit=10,
        servers=4,
    )
    design = tmp_path / "design.yaml"
    design.write_text(
        "parameters:\n"
        "  - {path: resolution.servers, name: servers, range: [2, 6], integer: true,"
        " cost: 80000, monotone: true}\n"
        "  - {path: resolution.queue_limit, name: queue, levels: [6, 9, 12, 15, 18],"
        " integer: true, cost: 5000, monotone: true}\n"
        "max_replications: 80\n"
        # the admitted wait grows with the queue limit (the pilot check refuses it); only
        # the feasible set is an upper set, checked above from the formulas
        "pilot_check: false\n",
        encoding="utf-8",
    )
    result = optimize(scenario, design, out=tmp_path / "out")
    assert result.chosen is not None
    assert result.chosen.values == {"servers": float(c), "queue": float(k)}
    candidates = pl.read_parquet(tmp_path / "out" / "candidates.parquet")
    assert candidates.filter(pl.col("chosen"))["status"].to_list() in (["feasible"], ["tie"])


def test_fewest_servers_meet_a_sojourn_p99_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quantile target judged as a share: the fewest c with the exact M/M/c p99 time in
    system ≤ 0.6 s is found on replications too short for the pooled p99 (64 values beyond
    it per replication, the tail guard wants 100), where the pooled rule stays undecided."""
    rate, mu, target_s = 32.0, 10.0, 0.6
    exact = next(c for c in range(1, 20) if sojourn_quantile(0.99, c, rate, mu) <= target_s)
    assert exact == 5
    assert sojourn_quantile(0.99, exact, rate, mu) <= 0.85 * target_s
    assert sojourn_quantile(0.99, exact - 1, rate, mu) >= 1.1 * target_s
    scenario = write_queue(
        tmp_path / "mmc.yaml",
        rate,
        1 / mu,
        [f'{{kpi: resolution.sojourn_p99, "<=": {target_s:g} s}}'],
        horizon_s=220,
        servers=8,
    )
    design = tmp_path / "design.yaml"
    design.write_text(
        "parameters:\n"
        "  - {path: resolution.servers, name: servers, range: [1, 8], integer: true,"
        " cost: 80000, monotone: true}\n"
        "max_replications: 40\n",
        encoding="utf-8",
    )
    result = optimize(scenario, design)
    assert result.chosen is not None
    assert result.chosen.values == {"servers": float(exact)}
    (judged,) = result.chosen.judgements
    assert judged.share is not None
    assert judged.verdict == "pass"
    assert judged.share.estimate.ci_low >= 0.99
    monkeypatch.setattr(feasibility, "QUANTILE_AS_SHARE", False)
    pooled = optimize(scenario, design)  # the pooled quantile's tail guard cannot decide
    assert pooled.chosen is None or pooled.chosen.values != {"servers": float(exact)}


def test_share_within_a_threshold_matches_the_exact_count() -> None:
    """A replication's share ≤ T read from its log-bucket histogram is within a bucket's
    apportioning of the exact share of its values."""
    values = np.random.default_rng(3).exponential(0.1, 20_000)
    rows = pl.DataFrame(
        {"replication": 0, "sample": "x", "bucket": np.flatnonzero(histogram.of(values))}
    ).with_columns(pl.Series("count", histogram.of(values)[np.flatnonzero(histogram.of(values))]))
    for threshold in (0.01, 0.1, 0.3, 0.46):
        found = shares.within(rows, threshold)
        exact = float(np.mean(values <= threshold))
        assert found["total"].to_list() == [20_000]
        assert abs(found["within"][0] / 20_000 - exact) <= 0.0005


def test_a_quantile_tolerance_maps_to_the_share_band() -> None:
    """ε on a p90 ≤ T maps through the pooled CDF to the share band
    [q − (F(T+ε) − F(T)), q + (F(T) − F(T−ε))]: uniform values on [0, 1], T = 0.9, ε = 0.05
    give [0.85, 0.95]; a share interval inside it is a tie, outside it is undecided."""
    rng = np.random.default_rng(11)
    frames = []
    for replication in range(10):
        counts = histogram.of(rng.uniform(0.0, 1.0, 50_000))
        buckets = np.flatnonzero(counts)
        frames.append(
            pl.DataFrame({"replication": replication, "bucket": buckets, "count": counts[buckets]})
        )
    rows = pl.concat(frames).with_columns(pl.col("bucket").cast(pl.Int32))
    target = Target.model_validate({"kpi": "resolution.sojourn_p99", "<=": 0.9})
    found = shares.share_of(rows, list(range(10)), target, 0.9, 0.05, 0.95)
    assert found.band == pytest.approx((0.85, 0.95), abs=0.003)
    assert found.estimate.mean == pytest.approx(0.9, abs=0.002)  # F(0.9) = 0.9
    middle = found.estimate.mean  # a required share the interval straddles
    wide = shares.share_of(rows, list(range(10)), target, middle, 0.05, 0.95)
    assert feasibility.judge_share(feasibility.Constraint(target, 0.05, ""), wide) == "tie"
    narrow = shares.share_of(rows, list(range(10)), target, middle, 0.0001, 0.95)
    verdict = feasibility.judge_share(feasibility.Constraint(target, 0.0001, ""), narrow)
    assert verdict == "undecided"

"""The public-data model checked against queueing theory and for the direction of policies.

* One department's reviewer pool, with office hours switched off (``always_open``), Poisson
  arrivals, exponential review effort and every other step taking 0 s, is an M/M/2 queue:
  the mean wait for a reviewer and the mean time to data must match Erlang C within the
  99% Student-t CI over replications (the tolerance is the CI, never a guess).
* On a loaded case, policy variants run with the same root seed see the same requests and
  draws (common random numbers); the paired 99% CI of (variant − base) per replication
  must lie on the expected side of 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

import simdata
from simdata.model.world import simulate

pytestmark = pytest.mark.validation

CONFIDENCE = 0.99
DAY_S = 86_400.0


def t_ci(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t CI over replications."""
    n = len(values)
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * np.std(values, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


# -- M/M/c -----------------------------------------------------------------------------

SERVERS = 2
RATE_PER_WORKDAY = 33.6  # λ = 1.4/h against μ = 1/h per reviewer: ρ = 0.7
MEAN_REVIEW_S = 3_600.0
REPLICATIONS = 12
MMC = f"""\
name: mm2-reviewers
run: {{start_date: 2026-01-01, horizon: 400 d, warmup: 10 d, replications: {REPLICATIONS},
      seed: 11}}
calendar: {{always_open: true}}
catalogue:
  departments: 1
  datasets: 100
  sharing_mix: {{unconditional: 0, conditional: 1, not_shared: 0}}
  defect_probability: 0
requesters:
  groups:
    - {{name: gov, kind: government, rate: {RATE_PER_WORKDAY}/workday, channel: sharing,
        datasets_per_request: {{dist: constant, value: 1}}}}
policy:
  platform_time: {{dist: constant, value: 0 s}}
  compliance_check: {{dist: constant, value: 0 s}}
  signoff_wait: {{dist: constant, value: 0 s}}
  review_effort: {{dist: exponential, mean: 1 h}}
  reviewers_per_department: {SERVERS}
  reject_probability: 0
  auto_approval_share: 0
"""


def erlang_c_wait(servers: int, rate: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    offered = rate * mean_service
    rho = offered / servers
    top = offered**servers / math.factorial(servers) / (1 - rho)
    bottom = sum(offered**k / math.factorial(k) for k in range(servers)) + top
    return (top / bottom) / (servers / mean_service - rate)


@pytest.mark.slow
def test_one_department_of_reviewers_always_open_is_m_m_2(
    write_scenario: Callable[[str], Path], record_property: Callable[[str, object], None]
) -> None:
    """Mean reviewer wait and mean time to data match Erlang C (M/M/2, ρ = 0.7) in 99% CIs."""
    scenario = simdata.load_scenario(write_scenario(MMC))
    waits, sojourns = [], []
    for index in range(REPLICATIONS):
        simulated = simulate(scenario, index)
        end = simulated.window.end_s
        reviews = simulated.frames["reviews"].filter(
            (pl.col("queued_s") >= 0) & (pl.col("queued_s") < end)
        )
        requests = simulated.frames["data_requests"].filter(
            (pl.col("arrival_s") >= 0) & (pl.col("arrival_s") < end)
        )
        assert reviews.height == requests.height > 12_000  # every request reviewed once
        assert (requests["outcome"] == "delivered").all()
        waits.append((reviews["start_s"] - reviews["queued_s"]).mean())
        sojourns.append((requests["end_s"] - requests["arrival_s"]).mean())
    rate = RATE_PER_WORKDAY / DAY_S
    wq = erlang_c_wait(SERVERS, rate, MEAN_REVIEW_S)
    for name, values, theory in (
        ("reviewer wait", waits, wq),
        ("time to data", sojourns, wq + MEAN_REVIEW_S),
    ):
        mean, low, high = t_ci(np.array(values, dtype=float))
        print(f"{name}: mean {mean:.1f} s, 99% CI [{low:.1f}, {high:.1f}], theory {theory:.1f}")
        record_property(name, f"mean {mean:.1f} CI [{low:.1f}, {high:.1f}] theory {theory:.1f}")
        assert low <= theory <= high
        assert high - low < 0.15 * theory  # the CI is tight enough to mean something


# -- direction with common random numbers ---------------------------------------------

LOADED = """\
name: loaded
run: {start_date: 2026-03-02, horizon: 120 d, warmup: 20 d, replications: 12, seed: 3}
catalogue:
  departments: 2
  datasets: 200
  sharing_mix: {unconditional: 5%, conditional: 90%, not_shared: 5%}
  opening_mix: {not_open: 20%, ordinary: 50%, on_application: 30%}
requesters:
  groups:
    - {name: gov, kind: government, rate: 5/workday, channel: sharing,
       datasets_per_request: {dist: constant, value: 1}}
    - name: firms
      kind: enterprise
      rate: 2/workday
      channel_mix: {opening: 50%, development: 50%}
policy:
  review_effort: {dist: exponential, mean: 2 h}
  signoff_wait: {dist: lognormal, median: 1 workday, cv: 1.0}
  reviewers_per_department: 1
agency:
  analysts: 2
  sandbox_slots: 3
  analyst_effort: {dist: exponential, mean: 3 workday}
"""


def paired(base: simdata.RunResult, variant: simdata.RunResult, kpi: str) -> tuple[float, ...]:
    """Paired 99% CI of (variant − base) per replication index for ``kpi``."""

    def values(result: simdata.RunResult) -> pl.DataFrame:
        return result.kpis.filter(pl.col("kpi") == kpi).select("replication", "value")

    joined = values(base).join(values(variant), on="replication", suffix="_variant")
    assert joined.height == 12
    return t_ci((joined["value_variant"] - joined["value"]).to_numpy())


@pytest.mark.slow
def test_more_reviewers_and_auto_approval_shorten_time_to_data_with_crn(
    write_scenario: Callable[[str], Path],
) -> None:
    """With CRN, 2 reviewers cut mean time to data and 30% auto-approval cuts the sharing p90."""
    path = write_scenario(LOADED)
    base = simdata.run(simdata.load_scenario(path))
    utilisation = base.kpis.filter(pl.col("kpi") == "reviewers.utilisation_max")["value"]
    assert utilisation.mean() > 0.6  # loaded: review effort ≈ 5.4 h of 6.5 h per workday
    more = simdata.run(simdata.load_scenario(path, ["policy.reviewers_per_department=2"]))
    mean, low, high = paired(base, more, "requests.time_to_data_mean")
    print(f"2 reviewers − 1: {mean:.0f} s, 99% CI [{low:.0f}, {high:.0f}]")
    assert high < 0
    auto = simdata.run(simdata.load_scenario(path, ["policy.auto_approval_share=0.3"]))
    mean, low, high = paired(base, auto, "requests.time_to_data_p90@channel=sharing")
    print(f"30% auto-approval − none, sharing p90: {mean:.0f} s, 99% CI [{low:.0f}, {high:.0f}]")
    assert high < 0


def test_without_the_agency_no_products_and_every_development_request_is_rejected(
    write_scenario: Callable[[str], Path],
) -> None:
    """agency.enabled=false: products_count = 0 and every development request ends rejected."""
    path = write_scenario(LOADED)
    scenario = simdata.load_scenario(path, ["agency.enabled=false", "run.replications=2"])
    result = simdata.run(scenario)
    products = result.kpis.filter(pl.col("kpi") == "agency.products_count")["value"]
    assert products.len() == 2
    assert (products == 0).all()
    requests = simulate(scenario, 0).frames["data_requests"]
    development = requests.filter(pl.col("channel") == "development")
    assert development.height > 20
    assert (development["outcome"] == "rejected").all()
    assert (development["end_s"] == development["arrival_s"]).all()  # refused at once
    with_agency = simulate(simdata.load_scenario(path), 0).frames["data_requests"]
    assert (with_agency.filter(pl.col("channel") == "development")["outcome"] == "delivered").any()

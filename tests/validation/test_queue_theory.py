"""The resolution node checked against queueing theory (M/M/1, M/M/c, M/G/1, M/M/c/K).

Every case runs 10 replications with a fixed root seed, a warm-up of 5% of the horizon and
at least 10^5 measured arrivals per replication. A theoretical value must lie inside the
99% Student-t confidence interval over replications: the tolerance is the CI, never a
guessed percentage. Each check prints (``pytest -s``) and records (``record_property``)
the simulated mean, its 99% CI and the theory; ``tests/validation/README.md`` tabulates
them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

import simdata
from simdata.experiments.run import RunResult

pytestmark = pytest.mark.validation

CONFIDENCE = 0.99
REPLICATIONS = 10
MIN_CUSTOMERS = 100_000
MIN_WARMUP_SHARE = 0.05
#: Little's law L_q = λ_eff·W_q must hold per replication within this relative error
#: (the two sides are measured from the same sample path; only window-edge terms differ).
LITTLE_TOLERANCE = 0.02

RecordProperty = Callable[[str, object], None]


@dataclass(frozen=True)
class Case:
    """One validation scenario: an FCFS c-server queue with Poisson arrivals."""

    name: str
    servers: int
    rate: float  # λ, arrivals per second
    service: str  # the service_time mapping in scenario YAML (mean 1 s everywhere)
    horizon_s: float
    seed: int
    max_rho: float
    queue_limit: int | None = None
    mean_service_s: float = 1.0

    @property
    def warmup_s(self) -> float:
        return MIN_WARMUP_SHARE * self.horizon_s

    @property
    def mu(self) -> float:
        return 1.0 / self.mean_service_s

    @property
    def rho(self) -> float:
        return self.rate / (self.servers * self.mu)

    def yaml(self) -> str:
        limit = "" if self.queue_limit is None else f"  queue_limit: {self.queue_limit}\n"
        return (
            f"name: {self.name}\n"
            f"run: {{horizon: {self.horizon_s:g} s, warmup: {self.warmup_s:g} s, "
            f"replications: {REPLICATIONS}, seed: {self.seed}}}\n"
            "resolution:\n"
            f"  servers: {self.servers}\n"
            f"  service_time: {self.service}\n"
            f"  traffic: {{rate: {self.rate:g}/s}}\n"
            f"{limit}"
        )


# Horizons give λ·(horizon − warm-up) ≈ 1.06·10^5 measured (for M/M/c/K: admitted)
# arrivals, so 10^5 is ~19 Poisson standard deviations below the expected count.
MM1 = Case("mm1", 1, 0.8, "{dist: exponential, mean: 1 s}", 140_000, seed=11, max_rho=0.8)
MMC = Case("mm4", 4, 3.2, "{dist: exponential, mean: 1 s}", 35_000, seed=12, max_rho=0.8)
MG1 = Case("mg1-lognormal", 1, 0.7, "{dist: lognormal, mean: 1 s, cv: 1.5}", 160_000, 13, 0.7)
MG1_CV = 1.5
MMCK = Case(
    "mm2k6", 2, 1.6, "{dist: exponential, mean: 1 s}", 75_500, seed=14, max_rho=0.8, queue_limit=6
)


# --- theory -----------------------------------------------------------------------------


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang C), offered load a = λ/μ < c."""
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    bottom = sum(offered**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def mmck_distribution(servers: int, limit: int, offered: float) -> np.ndarray:
    """Stationary P(n in system), n = 0..K, of M/M/c/K with offered load a = λ/μ."""
    weights = [
        offered**n / math.factorial(n)
        if n <= servers
        else offered**n / (math.factorial(servers) * servers ** (n - servers))
        for n in range(limit + 1)
    ]
    p = np.array(weights, dtype=np.float64)
    distribution: np.ndarray = p / p.sum()
    return distribution


# --- helpers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


def t_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Mean and two-sided Student-t CI over i.i.d. replication values."""
    n = len(values)
    mean = float(np.mean(values))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(np.std(values, ddof=1))
    half /= math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def kpi_values(result: RunResult, kpi: str) -> np.ndarray:
    """One value per replication (ordered by replication index)."""
    frame = result.kpis.filter(pl.col("kpi") == kpi).sort("replication")
    return frame["value"].to_numpy()


def check_measured(result: RunResult, case: Case) -> None:
    """The run is a valid sample: all replications ran, ρ, warm-up and size as required."""
    assert not result.failures
    assert case.rho <= case.max_rho + 1e-12
    assert case.warmup_s >= MIN_WARMUP_SHARE * case.horizon_s
    counts = kpi_values(result, "resolution.arrivals_count")
    assert len(counts) == REPLICATIONS
    assert counts.min() >= MIN_CUSTOMERS


def report(record_property: RecordProperty, label: str, interval: Interval, theory: float) -> None:
    line = (
        f"{label}: simulated {interval.mean:.6g}, 99% CI [{interval.low:.6g}, "
        f"{interval.high:.6g}] (n={interval.n}), theory {theory:.6g}"
    )
    print(line)
    record_property(label, line)


def check_against_theory(
    result: RunResult,
    case: Case,
    kpi: str,
    theory: float,
    record_property: RecordProperty,
) -> None:
    check_measured(result, case)
    interval = t_interval(kpi_values(result, kpi))
    report(record_property, f"{case.name} {kpi}", interval, theory)
    assert theory in interval, (
        f"{case.name} {kpi}: theory {theory:.6g} outside the 99% CI "
        f"[{interval.low:.6g}, {interval.high:.6g}]"
    )


def simulate(case: Case, directory: Path) -> RunResult:
    path = directory / f"{case.name}.yaml"
    path.write_text(case.yaml(), encoding="utf-8")
    return simdata.run(simdata.load_scenario(path))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], RunResult]:
    """Each case simulated once per module and shared by the tests that check it."""
    cache: dict[str, RunResult] = {}
    directory = tmp_path_factory.mktemp("queue-theory")

    def get(case: Case) -> RunResult:
        if case.name not in cache:
            cache[case.name] = simulate(case, directory)
        return cache[case.name]

    return get


# --- M/M/1 ------------------------------------------------------------------------------


@pytest.mark.slow
def test_mm1_mean_wait(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/1 at ρ = 0.8: the mean wait matches W_q = ρ/(μ − λ)."""
    theory = MM1.rho / (MM1.mu - MM1.rate)
    check_against_theory(results(MM1), MM1, "resolution.wait_mean", theory, record_property)


def test_mm1_mean_sojourn(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/1 at ρ = 0.8: the mean sojourn matches W = 1/(μ − λ)."""
    theory = 1.0 / (MM1.mu - MM1.rate)
    check_against_theory(results(MM1), MM1, "resolution.sojourn_mean", theory, record_property)


def test_mm1_sojourn_p99(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/1 at ρ = 0.8: the sojourn p99 matches ln(100)/(μ − λ) (sojourn ~ Exp(μ − λ))."""
    theory = math.log(100.0) / (MM1.mu - MM1.rate)
    check_against_theory(results(MM1), MM1, "resolution.sojourn_p99", theory, record_property)


# --- M/M/c ------------------------------------------------------------------------------


def test_erlang_c_reference_values() -> None:
    """The test's own Erlang C reproduces c = 1, a hand value and the Erlang B recursion."""
    assert erlang_c(1, 0.8) == pytest.approx(0.8, rel=1e-12)
    # M/M/2 at a = 1: C = (1/2·2)/(1 + 1 + 1) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-12)
    # Independent route: Erlang B by B_k = aB_{k-1}/(k + aB_{k-1}), C = cB/(c − a(1 − B)).
    for servers, offered in [(4, 3.2), (8, 7.2)]:
        blocking = 1.0
        for k in range(1, servers + 1):
            blocking = offered * blocking / (k + offered * blocking)
        via_b = servers * blocking / (servers - offered * (1.0 - blocking))
        assert erlang_c(servers, offered) == pytest.approx(via_b, rel=1e-12)


@pytest.mark.slow
def test_mmc_mean_wait_erlang_c(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/4 at ρ = 0.8: the mean wait matches Erlang C, W_q = C(c, λ/μ)/(cμ − λ)."""
    offered = MMC.rate / MMC.mu
    theory = erlang_c(MMC.servers, offered) / (MMC.servers * MMC.mu - MMC.rate)
    check_against_theory(results(MMC), MMC, "resolution.wait_mean", theory, record_property)


# --- M/G/1 ------------------------------------------------------------------------------


def test_mg1_mean_wait_pollaczek_khinchine(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/G/1, lognormal service (cv 1.5) at ρ = 0.7: the mean wait matches P–K."""
    second_moment = MG1.mean_service_s**2 * (1.0 + MG1_CV**2)  # E[S²] = Var + E[S]²
    theory = MG1.rate * second_moment / (2.0 * (1.0 - MG1.rho))
    check_against_theory(results(MG1), MG1, "resolution.wait_mean", theory, record_property)


# --- M/M/c/K ----------------------------------------------------------------------------


def _mmck_theory() -> tuple[float, float]:
    """(blocking probability P_K, mean wait of admitted requests) of the M/M/c/K case."""
    assert MMCK.queue_limit is not None
    c, limit = MMCK.servers, MMCK.queue_limit
    p = mmck_distribution(c, limit, MMCK.rate / MMCK.mu)
    blocking = float(p[limit])
    queue_length = float(sum((n - c) * p[n] for n in range(c + 1, limit + 1)))
    wait = queue_length / (MMCK.rate * (1.0 - blocking))  # Little on the admitted flow
    return blocking, wait


def test_mmck_rejected_share(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/2/6 at ρ = 0.8: the rejected share matches the blocking probability P_K."""
    blocking, _ = _mmck_theory()
    assert 0.01 <= blocking <= 0.10
    check_against_theory(
        results(MMCK), MMCK, "resolution.rejected_share", blocking, record_property
    )


def test_mmck_mean_wait(
    results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """M/M/2/6 at ρ = 0.8: the admitted requests' mean wait matches L_q/(λ(1 − P_K))."""
    _, wait = _mmck_theory()
    check_against_theory(results(MMCK), MMCK, "resolution.wait_mean", wait, record_property)


# --- Little's law -----------------------------------------------------------------------


@pytest.mark.parametrize("case", [MM1, MMCK], ids=["no-limit", "queue-limit"])
def test_littles_law_per_replication(
    case: Case, results: Callable[[Case], RunResult], record_property: RecordProperty
) -> None:
    """In every replication the time-average queue L_q equals λ_eff·W_q within 2%."""
    result = results(case)
    check_measured(result, case)
    window_s = case.horizon_s - case.warmup_s
    arrivals = kpi_values(result, "resolution.arrivals_count")
    rejected = kpi_values(result, "resolution.rejected_share")
    queue = kpi_values(result, "resolution.queue_mean")
    wait = kpi_values(result, "resolution.wait_mean")
    admitted_rate = arrivals * (1.0 - rejected) / window_s
    errors = np.abs(queue - admitted_rate * wait) / queue
    line = (
        f"{case.name} Little's law: max |L_q − λ_eff·W_q|/L_q = {errors.max():.3%} over "
        f"{len(errors)} replications (L_q mean {queue.mean():.6g}, λ_eff·W_q mean "
        f"{(admitted_rate * wait).mean():.6g})"
    )
    print(line)
    record_property(f"{case.name} little", line)
    assert len(errors) == REPLICATIONS
    assert errors.max() <= LITTLE_TOLERANCE, line

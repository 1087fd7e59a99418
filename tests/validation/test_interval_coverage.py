"""Coverage of the summary's 95 % CI of a mean, measured by resampling stored replication
values (issue 12 §3): the skewness-corrected t (Hall 1992) must cover the true mean within
|ĉ − 0.95| ≤ 2.58·√(0.0475/N) on a skewed wait, a bursty share near 0 and mm8, where the
plain t under-covers the bursty share.

Each case's stored values (``tests/validation/data/sequential-values.parquet``, from
``python -m bench.sequential_values``) are the population, so its mean is the truth; N runs
of r replications are drawn from it with replacement (fixed seed).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from simdata.analysis.stats import hall_bounds, hall_interval, sample_skewness, t_interval

pytestmark = pytest.mark.validation

VALUES = Path(__file__).parent / "data" / "sequential-values.parquet"
RUNS = 1_000
TOLERANCE = 2.58 * math.sqrt(0.95 * 0.05 / RUNS)


def _runs(case: str, replications: int, seed: int) -> tuple[np.ndarray, float]:
    population = pl.read_parquet(VALUES).filter(pl.col("case") == case)["value"].to_numpy()
    draws = np.random.default_rng(seed).choice(population, (RUNS, replications))
    return draws, float(population.mean())


def _coverage(runs: np.ndarray, truth: float, *, corrected: bool, share: bool) -> float:
    n = runs.shape[1]
    skew = sample_skewness(runs) if corrected else np.zeros(len(runs))
    low, high = hall_bounds(runs.mean(axis=1), runs.std(axis=1, ddof=1), skew, n, 0.95)
    low, high = np.maximum(low, 0.0), np.minimum(high, 1.0) if share else high
    return float(np.mean((low <= truth) & (truth <= high)))


@pytest.mark.parametrize(
    ("case", "replications", "share"),
    [("skewed", 10, False), ("blocking", 10, True), ("mm8", 20, False)],
)
def test_the_95_ci_of_a_mean_covers_within_tolerance(
    case: str, replications: int, share: bool
) -> None:
    """Measured over 4,000 runs: 0.937 (skewed wait: 1.3 points short, the price of 10
    short replications of a heavy-tailed mean, stated in docs/statistics.md), 0.958
    (M/M/1/20 blocking share), 0.953 (mm8); over this test's 1,000 runs each is within
    the tolerance (±0.018)."""
    runs, truth = _runs(case, replications, seed=11)
    assert abs(_coverage(runs, truth, corrected=True, share=share) - 0.95) <= TOLERANCE


def test_the_plain_t_under_covers_the_bursty_share() -> None:
    """The measurement can fail: the Student-t interval (before issue 12 §3) covers the
    blocking share's mean in about 88 % of runs."""
    runs, truth = _runs("blocking", 10, seed=11)
    assert _coverage(runs, truth, corrected=False, share=True) < 0.95 - TOLERANCE


def test_the_vectorised_interval_is_the_summary_s() -> None:
    """hall_bounds on many runs equals hall_interval (what the summary uses) on each."""
    runs, _ = _runs("blocking", 10, seed=12)
    low, high = hall_bounds(
        runs.mean(axis=1), runs.std(axis=1, ddof=1), sample_skewness(runs), 10, 0.95
    )
    for index in range(0, RUNS, 100):
        one = hall_interval(runs[index])
        if one.std == 0:
            assert one == t_interval(runs[index])
            continue
        assert (one.ci_low, one.ci_high) == pytest.approx((low[index], high[index]))

"""The bimodality flag: two separate groups of replications are flagged, one skewed group
rarely is (the measured rates quoted in simdata/analysis/bimodality.py)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from simdata.analysis.bimodality import ashman_d, is_bimodal
from simdata.experiments.run.diagnostics import bimodal_warnings

pytestmark = pytest.mark.unit


def _brute_force(values: np.ndarray) -> float:
    x = np.sort(values)
    n, smallest = len(x), max(3, int(np.ceil(0.2 * len(x))))
    splits = range(smallest, n - smallest + 1)
    best = min(splits, key=lambda k: x[:k].var() * k + x[k:].var() * (n - k))
    low, high = x[:best], x[best:]
    return float(
        np.sqrt(2) * abs(high.mean() - low.mean()) / np.sqrt(low.var(ddof=1) + high.var(ddof=1))
    )


def test_ashman_d_is_that_of_the_best_split() -> None:
    """The vectorised split equals a brute-force search over every allowed split."""
    rng = np.random.default_rng(4)
    for n in (10, 17, 40):
        values = rng.lognormal(0, 1, n)
        assert ashman_d(values) == pytest.approx(_brute_force(values))


def test_false_alarms_are_rare_and_mixtures_are_found() -> None:
    """At 20 replications: exponential and normal values are flagged in ≤ 4 % of 1,000
    samples, a 50/50 mixture of minutes and days in ≥ 90 %."""
    rng = np.random.default_rng(7)
    normal = np.mean([is_bimodal(rng.normal(size=20)) for _ in range(1000)])
    skewed = np.mean([is_bimodal(rng.exponential(size=20)) for _ in range(1000)])
    minutes, days = 600.0, 3 * 86_400.0

    def mixture() -> np.ndarray:
        fast = rng.random(20) < 0.5
        return np.where(fast, rng.normal(minutes, 120, 20), rng.normal(days, 0.2 * days, 20))

    found = np.mean([is_bimodal(mixture()) for _ in range(1000)])
    assert normal <= 0.04
    assert skewed <= 0.04
    assert found >= 0.90


def test_too_few_replications_are_never_flagged() -> None:
    """Below 10 replications there is no verdict on bimodality."""
    assert not is_bimodal(np.array([0.0] * 4 + [1.0] * 5))
    assert is_bimodal(np.array([0.0] * 5 + [1.0] * 5))


def test_the_run_names_the_bimodal_kpis_in_one_warning() -> None:
    """One warning line lists the bimodal KPIs; a unimodal KPI is not named."""
    rng = np.random.default_rng(1)
    flips = np.where(np.arange(20) % 2 == 0, 600.0, 259_200.0) + rng.normal(0, 60, 20)
    kpis = pl.DataFrame(
        {
            "replication": list(range(20)) * 2,
            "kpi": ["requests.time_to_data_p50@channel=development"] * 20
            + ["requests.time_to_data_mean"] * 20,
            "value": [*flips, *rng.normal(100_000, 5_000, 20)],
        }
    )
    (warning,) = bimodal_warnings(kpis)
    assert "requests.time_to_data_p50@channel=development" in warning
    assert "requests.time_to_data_mean" not in warning
    assert warning.startswith("bimodal across replications — read the distribution")

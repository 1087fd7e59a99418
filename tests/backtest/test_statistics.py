"""The verdict test measures itself: its false-alarm rate when the observation is one more
trajectory of the model stays within the binomial tolerance of α = 0.05 — with the periods
strongly correlated (ρ = 0.9, as a backlog makes them) and skewed counts — and it detects
a 20 % shift. The rates here are those of bench/backtest_false_alarm.py (docs/backtest.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simdata.experiments.backtest.judge import mid_rank, period_stats, verdicts, z_test

pytestmark = pytest.mark.unit

ALPHA = 0.05


def _trajectories(rng: np.random.Generator, n: int, periods: int, rho: float) -> np.ndarray:
    """Lognormal counts whose log follows a stationary AR(1) over the periods."""
    z = np.empty((n, periods))
    noise = rng.normal(size=(n, periods))
    z[:, 0] = noise[:, 0]
    for p in range(1, periods):
        z[:, p] = rho * z[:, p - 1] + math.sqrt(1 - rho**2) * noise[:, p]
    return np.round(np.exp(5 + 0.1 * z))


def _rates(trials: int, rho: float, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    alarms = detected = 0
    for _ in range(trials):
        x = _trajectories(rng, 11, 12, rho)
        alarms += z_test(x[0], x[1:].T, log=True).p <= ALPHA
        detected += z_test(x[0] * 1.2, x[1:].T, log=True).p <= ALPHA
    return alarms / trials, detected / trials


def _tolerance(trials: int) -> float:
    return ALPHA + 2.58 * math.sqrt(ALPHA * (1 - ALPHA) / trials)


def test_false_alarms_and_power_small() -> None:
    """300 trials of 10 replications × 12 months of a count with log-SD 0.1, independent
    periods: a 20 % shift is 1.8 SDs every month, so it is always found."""
    alarms, detected = _rates(300, 0.0, seed=5)
    assert alarms <= _tolerance(300)
    assert detected >= 0.95


@pytest.mark.slow
def test_false_alarms_and_power_correlated_periods() -> None:
    """1,000 trials with ρ = 0.9 between months: the spread of the mean gap is measured on
    the replications, so correlation does not inflate false alarms; power falls (measured
    0.40 here: a 20 % shift is 1.8 SDs of a month, and the months move together) but
    stays well above α."""
    alarms, detected = _rates(1000, 0.9, seed=6)
    assert alarms <= _tolerance(1000)
    assert detected >= 0.3  # measured 0.40 (1,000 trials)


def test_percentile_interval_and_verdict_direction() -> None:
    sim = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]])
    assert mid_rank(4.5, sim[0]) == pytest.approx(0.5)
    assert mid_rank(0.0, sim[0]) == pytest.approx(0.5 / 9)
    assert mid_rank(4.0, sim[0]) == pytest.approx((3 + 0.5 + 0.5) / 9)
    stats = period_stats(np.array([9.0]), sim, (0.0, math.inf))
    assert stats.low[0] < 4.5 < stats.high[0]
    assert stats.method == "normal"
    rng = np.random.default_rng(3)
    base = rng.normal(100, 5, size=(12, 10))
    high, low = z_test(np.full(12, 130.0), base), z_test(np.full(12, 70.0), base)
    p_holm, found = verdicts([high, low, z_test(base[:, 0] + 0.1, base)])
    assert found[:2] == ["model too low", "model too high"]
    assert p_holm[0] >= high.p  # Holm only raises p-values


def test_order_statistics_from_39_replications() -> None:
    """With ≥ 39 replications the interval is their 1st and R-th values (38/40 = 95 %)."""
    sim = np.arange(39, dtype=float)[None, :]
    stats = period_stats(np.array([5.0]), sim)
    assert (stats.low[0], stats.high[0]) == (0.0, 38.0)
    assert stats.method == "order statistics"

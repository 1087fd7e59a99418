"""How many values beyond the quantile a replication needs for the sectioning CI to cover.

    .venv/bin/python -m bench.quantile_sections [--runs 1000]

M/M/1 at ρ = 0.8 (sojourn p99 = ln(100)/(μ − λ) = 23.026 s), simulated directly by the
Lindley recursion from empty, r replications of horizon T: the pooled p99 of all
replications' values (inverted CDF) with the sectioning CI ξ̂ ± t(r−1)·S/√r,
S² = Σ(ξ̂ᵢ − ξ̂)²/(r − 1). The table — coverage against the expected number of values
beyond the p99 in a replication, λT·0.01 — is what sets the tail guard
(``simdata.analysis.quantiles.MIN_TAIL``): this queue's busy periods make its tail values
come in clumps, the hard case for a guard that counts values.
"""

from __future__ import annotations

import argparse
import math

import numba
import numpy as np
from scipy import stats

RATE, SERVICE_RATE = 0.8, 1.0
TRUTH = math.log(100) / (SERVICE_RATE - RATE)


@numba.njit(cache=True)
def _sojourns(gaps: np.ndarray, services: np.ndarray) -> np.ndarray:
    wait = np.empty(len(gaps))
    wait[0] = 0.0
    for i in range(1, len(gaps)):
        wait[i] = max(0.0, wait[i - 1] + services[i - 1] - gaps[i])
    return wait + services


def _quantile(values: np.ndarray, q: float) -> float:
    ordered = np.sort(values)
    return float(ordered[max(1, math.ceil(q * len(ordered))) - 1])


def measure(horizon: float, replications: int, runs: int, seed: int) -> tuple[float, float]:
    """Coverage of the sectioning CI and the relative bias of the pooled p99."""
    rng = np.random.default_rng(seed)
    covered, estimates = 0, []
    t = stats.t.ppf(0.975, replications - 1)
    for _ in range(runs):
        sections = []
        for _ in range(replications):
            n = max(2, rng.poisson(RATE * horizon))
            gaps = rng.exponential(1 / RATE, n)
            sections.append(_sojourns(gaps, rng.exponential(1 / SERVICE_RATE, n)))
        pooled = _quantile(np.concatenate(sections), 0.99)
        own = np.array([_quantile(s, 0.99) for s in sections])
        half = t * math.sqrt(np.sum((own - pooled) ** 2) / (replications - 1) / replications)
        covered += pooled - half <= TRUTH <= pooled + half
        estimates.append(pooled)
    return covered / runs, float(np.mean(estimates)) / TRUTH - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    print("| values beyond p99 per replication | horizon | replications | coverage | bias |")
    print("| --- | --- | --- | --- | --- |")
    for horizon, replications in [(2250, 10), (2250, 40), (6250, 10), (12500, 10), (25000, 10)]:
        coverage, bias = measure(horizon, replications, args.runs, seed=int(horizon) + replications)
        tail = RATE * horizon * 0.01
        print(f"| {tail:.0f} | {horizon} s | {replications} | {coverage:.3f} | {bias:+.1%} |")


if __name__ == "__main__":
    main()

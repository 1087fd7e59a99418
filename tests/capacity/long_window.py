"""Coverage of the capacity CI on a long window, against the exact M/M/c capacity.

    .venv/bin/python -m tests.capacity.long_window [--runs 200] [--replications 5]

The case is issue 12's: M/M/2 with exponential service of mean 4 ms (μ = 250/s), SLA
``p90 <= 20 ms``, measured over 4,000 s (≈ 1.5 million requests per load). The exact capacity
λ* is where the M/M/c sojourn time's survival function P(T > 20 ms) reaches 10 %: waiting is
0 with probability 1 − C and Exp(cμ − λ) with probability C (Erlang C), then service
Exp(μ), so P(T > t) = e^{−μt} + C·μ·(e^{−μt} − e^{−θt})/(θ − μ) with θ = cμ − λ
(Gross & Harris, *Fundamentals of Queueing Theory*, §2.3). λ* = 372.885/s.

A *run* is the capacity search of ``--replications`` replications with its own root seed
(each replication's bisection and interpolated crossing, the Student-t CI over
replications — the estimator of :func:`simdata.capacity` without its curve grid); it covers
λ* or not. Over N runs the coverage ĉ should be within 2.58·√(0.0475/N) of 0.95. This is
the measurement behind the long-window row of the coverage table in docs/statistics.md;
``test_long_window_coverage.py`` runs a smaller version.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from simdata.experiments.capacity.bisection import CapacityTask, search_task
from simdata.experiments.capacity.experiment import _summarise, resolve_sla
from simdata.scenario.models import Scenario

SERVERS = 2
SERVICE_RATE = 250.0  # per second: exponential service of mean 4 ms
THRESHOLD_S = 0.020
QUANTILE = 0.90


def scenario(horizon_s: float, warmup_s: float, replications: int) -> Scenario:
    """The node-only M/M/2 case (the traffic rate is only the search's starting scale)."""
    return Scenario.model_validate(
        {
            "name": "mm2-capacity-long-window",
            "run": {
                "horizon": f"{horizon_s:g} s",
                "warmup": f"{warmup_s:g} s",
                "replications": replications,
            },
            "resolution": {
                "servers": SERVERS,
                "service_time": {"dist": "exponential", "mean": f"{1000 / SERVICE_RATE:g} ms"},
                "traffic": {"rate": "300/s"},
                "sla": f"p{100 * QUANTILE:g}<={1000 * THRESHOLD_S:g}ms",
            },
        }
    )


def sojourn_survival(rate: float, t: float) -> float:
    """P(T > t) for the M/M/c sojourn time T at arrival rate ``rate``."""
    offered = rate / SERVICE_RATE
    terms = sum(offered**k / math.factorial(k) for k in range(SERVERS))
    last = offered**SERVERS / math.factorial(SERVERS) * SERVERS / (SERVERS - offered)
    waits = last / (terms + last)
    theta = SERVERS * SERVICE_RATE - rate
    mu = SERVICE_RATE
    if math.isclose(theta, mu):
        return math.exp(-mu * t) * (1 + waits * mu * t)
    return math.exp(-mu * t) + waits * mu * (math.exp(-mu * t) - math.exp(-theta * t)) / (
        theta - mu
    )


def exact_capacity() -> float:
    """λ*: the arrival rate at which exactly ``QUANTILE`` of sojourns end within the threshold."""
    top = SERVERS * SERVICE_RATE * (1 - 1e-12)
    return float(
        optimize.brentq(lambda r: sojourn_survival(r, THRESHOLD_S) - (1 - QUANTILE), 1e-9, top)
    )


@dataclass(frozen=True)
class Coverage:
    """The outcome of ``runs`` capacity searches against λ*."""

    truth: float
    runs: int
    covered: int
    #: Every replication's capacity, run by run (for the bias and the spread).
    values: np.ndarray
    distinct_share: float

    @property
    def coverage(self) -> float:
        return self.covered / self.runs

    @property
    def tolerance(self) -> float:
        """Issue 12's binomial tolerance at 99 %: 2.58·√(0.95·0.05/N)."""
        return 2.58 * math.sqrt(0.0475 / self.runs)


def measure(
    runs: int, replications: int, horizon_s: float = 4100.0, warmup_s: float = 100.0
) -> Coverage:
    """``runs`` independent capacity searches (root seeds 1…runs), serially."""
    case = scenario(horizon_s, warmup_s, replications)
    sla = resolve_sla(case, None)
    truth = exact_capacity()
    covered, values, distinct = 0, [], 0
    for seed in range(1, runs + 1):
        searches = [
            search_task(CapacityTask(case, sla, index, seed)) for index in range(replications)
        ]
        status, _, low, high, _ = _summarise(searches, 0.95)
        if status != "found":
            raise RuntimeError(f"seed {seed}: expected a capacity, got {status}")
        # Replications that all agree give no CI (never a zero-width one): it covers nothing.
        covered += low is not None and high is not None and low <= truth <= high
        found = [s.capacity for s in searches if s.capacity is not None]
        values.append(found)
        distinct += len(set(found)) == len(found)
    return Coverage(truth, runs, covered, np.array(values), distinct / runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--horizon", type=float, default=4100.0)
    args = parser.parse_args()
    started = time.perf_counter()
    result = measure(args.runs, args.replications, args.horizon)
    values = result.values
    within = abs(result.coverage - 0.95) <= result.tolerance
    spread = float(np.mean(np.std(values, axis=1, ddof=1)))
    print(f"λ* = {result.truth:.3f}/s; {result.runs} runs × {args.replications} replications")
    print(
        f"coverage {result.coverage:.3f} (±{result.tolerance:.3f}: "
        f"{'within' if within else 'OUTSIDE'}); mean {values.mean():.3f}/s "
        f"(bias {100 * (values.mean() / result.truth - 1):+.3f} %); within-run sd "
        f"{spread:.3f}/s; runs with all replications distinct {result.distinct_share:.0%}; "
        f"{time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()

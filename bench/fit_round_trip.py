"""The round trip of issue 18 over many seeds: 99 % CI coverage of what ``simdata fit`` recovers
from logs that ``simdata export --logs`` wrote of a simulated run.

    .venv/bin/python -m bench.fit_round_trip --seeds 40
    .venv/bin/python -m bench.fit_round_trip --seeds 40 --kind node

Each seed is ``tests.fit.round_trip.round_trip``: ``simdata run`` of Fujian's first half of
2026 (no growth, 10 % auto-approval) at that root seed, ``simdata export --logs``,
``simdata fit --as requests`` through the CLI, and the 99 % CI of each of 8 true parameters.
Prints, per parameter and pooled, the coverage against the binomial tolerance
0.99 − 2.58·√(0.0099/N), the mean fitted value (the CI's log-centre) and how often the true
family ranked first. ``--kind node``: ``tests.fit.round_trip.node_round_trip`` (two weeks of
scenarios/node-baseline.yaml at 0.05/s with a cache and a timeout; 6 parameters). The
figures are in docs/fit.md.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from tests.fit.round_trip import NODE_TRUE, TRUE, node_round_trip, round_trip, tolerance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first", type=int, default=1000, help="first root seed")
    parser.add_argument("--kind", choices=("requests", "node"), default="requests")
    args = parser.parse_args()
    trip_of, truth = (node_round_trip, NODE_TRUE) if args.kind == "node" else (round_trip, TRUE)
    started = time.perf_counter()
    trips = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(args.first, args.first + args.seeds):
            trips.append(trip_of(seed, Path(scratch) / str(seed)))
    n = len(trips)
    print(f"{n} seeds ({args.first}..{args.first + n - 1}), {time.perf_counter() - started:.0f} s")
    print(f"| parameter | true | mean fitted | 99 % CI coverage (tolerance {tolerance(n):.3f}) |")
    print("|---|---|---|---|")
    pooled = []
    for key, true in truth.items():
        covered = [trip.covered[key] for trip in trips]
        pooled += covered
        centre = sum(math.sqrt(trip.cis[key][0] * trip.cis[key][1]) for trip in trips) / n
        print(f"| {key} | {true:.4g} | {centre:.4g} | {sum(covered) / n:.3f} |")
    rate = sum(pooled) / len(pooled)
    print(
        f"pooled: {sum(pooled)} of {len(pooled)} = {rate:.4f} "
        f"(tolerance {tolerance(len(pooled)):.4f} over {len(pooled)} checks)"
    )
    first = sum(trip.family == "lognormal" for trip in trips)
    print(f"lognormal ranked first by AIC in {first} of {n} logs")


if __name__ == "__main__":
    main()

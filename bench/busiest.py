"""Measure the busiest-department rule (simdata.analysis.busiest): how often it names a
department when all are identical (false naming), and how often it names the true
busiest when one is busier by a given margin (power).

    .venv/bin/python -m bench.busiest

Replication values are drawn iid normal around a common mean (sd 0.02 ≈ the spread of a
department's reviewer utilisation over Fujian replications); a leader gets + margin.
"""

from __future__ import annotations

import numpy as np

from simdata.analysis.busiest import busiest_decision

TRIALS = 400


def rate(departments: int, reps: int, margin: float, seed: int, trials: int = TRIALS) -> float:
    """Share of trials in which department 0 (null: any department) is named."""
    rng = np.random.default_rng(seed)
    names = [f"d{i}" for i in range(departments)]
    named = 0
    for _ in range(trials):
        values = rng.normal(0.11, 0.02, (reps, departments))
        values[:, 0] += margin
        decision = busiest_decision(values, names)
        named += decision.name is not None and (margin == 0 or decision.name == "d0")
    return named / trials


def main() -> None:
    print("departments reps margin  named")
    for departments, reps, margin in (
        (60, 10, 0.0), (2, 10, 0.0), (2, 3, 0.0), (40, 10, 0.0),
        (40, 10, 0.02), (40, 10, 0.04), (40, 10, 0.10),
    ):  # fmt: skip
        named = rate(departments, reps, margin, 1)
        print(f"{departments:11d} {reps:4d} {margin:6.2f} {named:6.3f}")


if __name__ == "__main__":
    main()

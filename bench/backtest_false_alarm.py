"""False-alarm rate and power of ``simdata backtest``'s verdict test.

    .venv/bin/python -m bench.backtest_false_alarm synthetic [--trials N]
    .venv/bin/python -m bench.backtest_false_alarm real RUN_DIR [--replications R]

``synthetic``: trajectories of P periods from a stationary AR(1) (correlation ρ between
consecutive periods, so the periods of one replication move together as a backlog makes
them), as a normal level (100 + 10·z, a count), a lognormal count and a share rounded to
0.01; R + 1 independent trajectories per trial, one the observation. Under the null the
observation is another trajectory (a false alarm is p ≤ 0.05); for the power it is scaled
by 1.2 (counts) or 0.8 (the share).

``real``: one big run of a shipped scenario (many replications) split into disjoint groups
of R + 1; in each group every replication in turn is the observation and the other R the
run (trials of one group share replications, so the rate's binomial tolerance is optimistic
by the group size at most). Per KPI and per period grain as named below; the Holm family
over the KPIs gives the file-wise rate.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from simdata.analysis.multiplicity import ALPHA, holm
from simdata.arrays import FloatArray
from simdata.experiments.backtest import read_run
from simdata.experiments.backtest.judge import period_stats, z_test
from simdata.experiments.backtest.observe import periods_of
from simdata.experiments.backtest.observed import Observed
from simdata.experiments.backtest.simulated import simulated

#: KPI → grain measured on each kind of run.
REAL_SERIES = {
    "requests.within_sla_share@channel=sharing": "month",
    "requests.arrivals_count": "month",
    "requests.rejected_share": "month",
    "requests.time_to_data_workdays_p90": "month",
    "registrations.count": "month",
    "resolutions.count": "day",
    "resolutions.daily_mean": "month",
}


def tolerance(trials: int) -> float:
    """The most a rate at α may read over ``trials`` (α + 2.58 binomial SDs)."""
    return ALPHA + 2.58 * math.sqrt(ALPHA * (1 - ALPHA) / trials)


def trajectories(
    rng: np.random.Generator, n: int, periods: int, rho: float, kind: str
) -> FloatArray:
    z = np.empty((n, periods))
    noise = rng.normal(size=(n, periods))
    z[:, 0] = noise[:, 0]
    for p in range(1, periods):
        z[:, p] = rho * z[:, p - 1] + math.sqrt(1 - rho**2) * noise[:, p]
    if kind == "normal":
        values: FloatArray = 100 + 10 * z
    elif kind == "lognormal":
        values = np.round(np.exp(3 + 0.5 * z)).astype(np.float64)
    else:
        values = np.clip(np.round(0.9 + 0.05 * z, 2), 0, 1)
    return values


def synthetic(trials: int, seed: int = 1) -> list[tuple[str, int, int, float, float, float]]:
    """(kind, R, P, ρ, false-alarm rate, power) per configuration."""
    rng = np.random.default_rng(seed)
    rows = []
    for kind in ("normal", "lognormal", "share"):
        log, factor = kind != "share", 0.8 if kind == "share" else 1.2
        for reps in (10, 20):
            for periods in (12, 60):
                for rho in (0.0, 0.9):
                    alarms = power = 0
                    for _ in range(trials):
                        x = trajectories(rng, reps + 1, periods, rho, kind)
                        alarms += z_test(x[0], x[1:].T, log).p <= ALPHA
                        shifted = np.clip(x[0] * factor, 0, 1) if kind == "share" else x[0] * factor
                        power += z_test(shifted, x[1:].T, log).p <= ALPHA
                    rows.append((kind, reps, periods, rho, alarms / trials, power / trials))
                    print(rows[-1], flush=True)
    return rows


def real(run_dir: Path, reps: int) -> None:
    run = read_run(run_dir)
    units = run.units()
    matrices = {}
    for kpi, grain in REAL_SERIES.items():
        if kpi in units:
            periods = periods_of(run, grain)
            blank = Observed(kpi, periods, (0.0,) * len(periods), (0,) * len(periods))
            matrices[kpi] = (simulated(run, blank), units[kpi] != "fraction", units[kpi])
    total = len(run.replications)
    groups = total // (reps + 1)
    p_null: dict[str, list[float]] = {k: [] for k in matrices}
    hits_up: dict[str, int] = dict.fromkeys(matrices, 0)
    hits_down: dict[str, int] = dict.fromkeys(matrices, 0)
    outside: dict[str, list[float]] = {k: [] for k in matrices}
    for g in range(groups):
        members = list(range(g * (reps + 1), (g + 1) * (reps + 1)))
        for obs in members:
            others = [m for m in members if m != obs]
            for kpi, (matrix, log, unit) in matrices.items():
                y, sim = matrix[:, obs], matrix[:, others]
                p_null[kpi].append(z_test(y, sim, log).p)
                bounds = (0.0, 1.0) if unit == "fraction" else (0.0, math.inf)
                stats = period_stats(y, sim, bounds, log)
                outside[kpi] += list((y < stats.low) | (y > stats.high))
                up = np.clip(y * 1.2, 0, 1) if unit == "fraction" else y * 1.2
                hits_up[kpi] += z_test(up, sim, log).p <= ALPHA
                hits_down[kpi] += z_test(y * 0.8, sim, log).p <= ALPHA
    trials = groups * (reps + 1)
    print(f"{run_dir}: {total} replications, {groups} groups of {reps + 1}, {trials} trials")
    print(f"tolerance at α: {tolerance(trials):.3f}")
    print("| KPI | periods | false alarms | power ×1.2 | power ×0.8 | outside the 95% PI |")
    for kpi, (matrix, _, _) in matrices.items():
        rate = np.mean(np.array(p_null[kpi]) <= ALPHA)
        print(
            f"| `{kpi}` | {matrix.shape[0]} | {rate:.3f} | {hits_up[kpi] / trials:.3f} | "
            f"{hits_down[kpi] / trials:.3f} | {np.mean(outside[kpi]):.3f} |"
        )
    family = np.array([p_null[k] for k in matrices]).T
    fwer = np.mean([np.any(holm(row) <= ALPHA) for row in family])
    print(f"file-wise (Holm over {len(matrices)} KPIs): {fwer:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("synthetic", "real"))
    parser.add_argument("run_dir", nargs="?", type=Path)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    if args.what == "synthetic":
        rows = synthetic(args.trials)
        print(f"tolerance at α over {args.trials} trials: {tolerance(args.trials):.3f}")
        print("| series | R | periods | ρ | false alarms | power |")
        for kind, reps, periods, rho, rate, power in rows:
            print(f"| {kind} | {reps} | {periods} | {rho} | {rate:.3f} | {power:.3f} |")
    else:
        real(args.run_dir, args.replications)


if __name__ == "__main__":
    main()

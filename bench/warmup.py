"""The warm-up rule measured: false alarms on a steady queue, detection and bias on a cold one.

    .venv/bin/python -m bench.warmup [--runs N]

Two cases, each run N times through ``simdata.run`` with its own root seed (batched engine:
the same trajectories as the event engine, in a fraction of the time):

* ``mm8`` as shipped (20 replications of 20,000 s, warm-up 2000 s), then with 3
  replications (the golden runs), then with ``run.warmup: auto``: it is steady within
  minutes, so every MSER-5 warning is a false alarm;
* an M/M/1 at ρ = 0.95 started empty, 10 replications of 4,000 s, warm-up 0 or ``auto``:
  its mean number in node needs about 1,500 s to settle, so a warm-up warning at warm-up 0
  is a detection. The mean wait's truth is ρ/(μ − λ) = 19 s.

For each it prints the share of runs with a warm-up warning — also under the rule before
issue 12 (MSER-5 on the raw replication-mean series, minimum anywhere) — and, for the
M/M/1, the mean wait over all runs (bias against 19 s) and the replications' cuts. This is
the measurement behind the warm-up section of ``docs/statistics.md``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import polars as pl

import simdata
from simdata.analysis.warmup import mser5
from simdata.experiments.executors import SerialExecutor
from simdata.experiments.run import RunResult

MM1 = """\
name: mm1-cold
run: {{horizon: 4000 s, {warmup}replications: 10, seed: 1}}
resolution:
  engine: batched
  servers: 1
  service_time: {{dist: exponential, mean: 1 s}}
  traffic: {{rate: 0.95/s}}
"""
MM1_WAIT_S = 19.0


@dataclass(frozen=True)
class Case:
    """A scenario (path or text) with overrides, and the truth of its mean wait if known."""

    name: str
    path: str
    overrides: tuple[str, ...] = ()
    wait_s: float | None = None


def old_rule_warns(result: RunResult, warmup_s: float) -> bool:
    """The rule before issue 12: MSER-5 on the raw replication-mean series."""
    series = result.timeseries.filter(pl.col("series") == "resolution.in_system")
    mean = series.group_by("time_s").agg(pl.col("value").mean()).sort("time_s")
    times = mean["time_s"].to_numpy()
    width = float(times[1] - times[0])
    check = mser5(mean["value"].to_numpy(), width)
    return not check.determined or check.suggested_s > warmup_s + width


def measure(case: Case, runs: int) -> dict[str, object]:
    """Warning shares, the mean wait and the cuts over ``runs`` runs of ``case``."""
    scenario = simdata.load_scenario(case.path, list(case.overrides))
    warmup = scenario.run.warmup_s
    warned = old = 0
    waits, cuts = [], []
    for run in range(runs):
        result = simdata.run(scenario, seed=10_000 + run, executor=SerialExecutor())
        warned += any("MSER-5" in w for w in result.warnings)
        old += old_rule_warns(result, warmup)
        kpis = result.kpis.filter(pl.col("kpi") == "resolution.wait_mean")
        waits.append(float(kpis["value"].mean()))
        record = result.manifest.warmup if result.manifest is not None else None
        cuts += record.truncation_s if record is not None else []
    row: dict[str, object] = {
        "case": case.name,
        "runs": runs,
        "warned": warned / runs,
        "warned_before": old / runs,
        "wait_mean_s": float(np.mean(waits)),
        "wait_se_s": float(np.std(waits, ddof=1) / np.sqrt(runs)),
    }
    if case.wait_s is not None:
        row["bias"] = float(np.mean(waits)) / case.wait_s - 1
    if cuts:
        row["cut_median_s"] = float(np.median(cuts))
        row["cut_p90_s"] = float(np.percentile(cuts, 90))
        row["cut_zero_share"] = float(np.mean(np.array(cuts) == 0))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    cold = folder / "mm1-cold-0.yaml"
    cold.write_text(MM1.format(warmup="warmup: 0 s, "), encoding="utf-8")
    auto = folder / "mm1-cold-auto.yaml"
    auto.write_text(MM1.format(warmup=""), encoding="utf-8")  # omitted: auto by default
    batched = "resolution.engine=batched"
    cases = [
        Case("mm8 as shipped", "scenarios/mm8.yaml", (batched,)),
        Case("mm8, 3 replications", "scenarios/mm8.yaml", (batched, "run.replications=3")),
        Case("mm8, warm-up auto", "scenarios/mm8.yaml", (batched, "run.warmup=auto")),
        Case("M/M/1 ρ=0.95 cold, warm-up 0", str(cold), (), MM1_WAIT_S),
        Case("M/M/1 ρ=0.95 cold, warm-up auto", str(auto), (), MM1_WAIT_S),
    ]
    for case in cases:
        started = time.perf_counter()
        row = measure(case, args.runs)
        print({**row, "seconds": round(time.perf_counter() - started, 1)}, flush=True)


if __name__ == "__main__":
    main()

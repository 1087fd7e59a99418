"""Coverage of simdata's 95 % CIs against exact queueing theory, over many independent runs.

    .venv/bin/python -m bench.interval_coverage [--runs N] [--case NAME ...]

Each case is a node-only scenario whose KPI has a closed form (M/M/1 and M/M/c waits and
sojourn quantiles, M/M/1/K blocking). A *run* is ``simdata.run`` with the case's
replications and its own root seed; the run's 95 % CI covers the truth or not. Over N
runs the coverage ĉ should be within 2.58·√(0.95·0.05/N) of 0.95 (issue 12's tolerance);
the table also shows the mean point estimate against the truth (bias) and how often a CI
leaves the possible range (below 0). This is the measurement behind ``docs/statistics.md``;
it is a script, not a test, because the full runs take minutes (the tests resample stored
replication values instead).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import optimize

import simdata
from simdata.experiments.executors import SerialExecutor

NODE = """\
name: {name}
run: {{horizon: {horizon} s, warmup: {warmup} s, replications: {replications}, seed: 1}}
resolution:
  engine: {engine}
  servers: {servers}
  service_time: {{dist: exponential, mean: 1 s}}
  traffic: {{rate: {rate}/s}}
"""


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang C), offered load a = λ/μ."""
    terms = sum(offered**k / math.factorial(k) for k in range(servers))
    last = offered**servers / math.factorial(servers) * servers / (servers - offered)
    return last / (terms + last)


def mmc_sojourn_quantile(servers: int, rate: float, q: float) -> float:
    """The q-quantile of the M/M/c sojourn time (μ = 1): waiting is Exp(c − λ) with
    probability C, then service Exp(1)."""
    waits = erlang_c(servers, rate)
    theta = servers - rate

    def survival(t: float) -> float:
        if math.isclose(theta, 1.0):
            return math.exp(-t) * (1 + waits * t)
        return math.exp(-t) + waits / (theta - 1) * (math.exp(-t) - math.exp(-theta * t))

    return float(optimize.brentq(lambda t: survival(t) - (1 - q), 1e-9, 1e4))


def mm1k_blocking(rho: float, limit: int) -> float:
    """Blocking probability of M/M/1/K (K = requests the node holds)."""
    return (1 - rho) * rho**limit / (1 - rho ** (limit + 1))


@dataclass(frozen=True)
class Case:
    """A scenario, the KPI measured and its exact value."""

    name: str
    text: str
    kpi: str
    truth: float
    overrides: tuple[str, ...] = ()


def _node(name: str, *, servers: int, rate: float, horizon: float, warmup: float,
          replications: int, engine: str = "event") -> str:  # fmt: skip
    return NODE.format(
        name=name, servers=servers, rate=rate, horizon=horizon, warmup=warmup,
        replications=replications, engine=engine,
    )  # fmt: skip


#: M/M/1 at ρ = 0.8 with about 1,800 measured customers per replication (issue 12's case).
MM1_SHORT = _node("mm1-short", servers=1, rate=0.8, horizon=2450, warmup=200, replications=10)
#: The same queue with about 10,000 customers per replication: 100 beyond the p99 in a
#: replication, the tail guard's threshold (docs/statistics.md).
MM1_LONG = _node("mm1-long", servers=1, rate=0.8, horizon=12700, warmup=200, replications=10,
                 engine="batched")  # fmt: skip
#: The shipped mm8 (batched engine: the same numbers as the event engine, faster).
MM8 = _node("mm8", servers=8, rate=7.2, horizon=20000, warmup=2000, replications=20,
            engine="batched")  # fmt: skip

CASES = {
    case.name: case
    for case in (
        Case("mm1-short wait_mean", MM1_SHORT, "resolution.wait_mean", 0.8 / (1 - 0.8)),
        Case(
            "mm1-short sojourn_p99", MM1_SHORT, "resolution.sojourn_p99", math.log(100) / (1 - 0.8)
        ),
        Case("mm1-long sojourn_p99", MM1_LONG, "resolution.sojourn_p99", math.log(100) / (1 - 0.8)),
        Case("mm8 wait_mean", MM8, "resolution.wait_mean", erlang_c(8, 7.2) / (8 - 7.2)),
        Case("mm8 sojourn_p99", MM8, "resolution.sojourn_p99", mmc_sojourn_quantile(8, 7.2, 0.99)),
        Case(
            "mm1k-5 blocking",
            MM1_SHORT,
            "resolution.rejected_share",
            mm1k_blocking(0.8, 5),
            ("resolution.queue_limit=5",),
        ),
        Case(
            "mm1k-20 blocking (near 0)",
            MM1_SHORT,
            "resolution.rejected_share",
            mm1k_blocking(0.8, 20),
            ("resolution.queue_limit=20",),
        ),
    )
}


def measure(case: Case, runs: int, path: str) -> dict[str, float]:
    """Coverage, bias and impossible-CI share of ``case`` over ``runs`` root seeds."""
    covered, below_zero, guarded, means = 0, 0, 0, []
    for seed in range(runs):
        scenario = simdata.load_scenario(path, [*case.overrides, f"run.seed={1000 + seed}"])
        summary = simdata.run(scenario, executor=SerialExecutor()).summary
        row = summary.filter(pl.col("kpi") == case.kpi).row(0, named=True)
        covered += row["ci_low"] <= case.truth <= row["ci_high"]
        below_zero += row["ci_low"] < 0
        guarded += row["note"] is not None
        means.append(row["mean"])
    coverage = covered / runs
    return {
        "coverage": coverage,
        "tolerance": 2.58 * math.sqrt(0.95 * 0.05 / runs),
        "mean": float(np.mean(means)),
        "bias": float(np.mean(means)) / case.truth - 1,
        "below_zero": below_zero / runs,
        "guarded": guarded / runs,
    }


def main(argv: list[str] | None = None, write: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    args = parser.parse_args(argv)
    import tempfile
    from pathlib import Path

    write("| case | KPI | truth | runs | mean estimate (bias) | 95 % CI coverage | "
          "within ±tolerance | CI below 0 | tail-guarded |")  # fmt: skip
    write("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.case or list(CASES):
            case = CASES[name]
            path = Path(folder) / "case.yaml"
            path.write_text(case.text, encoding="utf-8")
            started = time.perf_counter()
            found = measure(case, args.runs, str(path))
            ok = abs(found["coverage"] - 0.95) <= found["tolerance"]
            write(
                f"| {name} | `{case.kpi}` | {case.truth:.5g} | {args.runs} | "
                f"{found['mean']:.5g} ({found['bias']:+.1%}) | {found['coverage']:.3f} | "
                f"{'yes' if ok else 'no'} (±{found['tolerance']:.3f}) | "
                f"{found['below_zero']:.1%} | {found['guarded']:.0%} |"
            )
            print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

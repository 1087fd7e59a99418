"""The golden results: what every shipped scenario, a capacity search and a sweep produce.

Restructuring must not change a number (issue 16). Each case runs through the public API
into a directory; :func:`regenerate` writes them under ``tests/golden/data/`` and
``tests/golden/test_golden.py`` runs them again and compares frame-equal (same schema, same
rows, floats exactly equal). An intended numeric change is its own commit that reruns
``python -m tests.golden.cases`` and says why.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

import simdata
from simdata.experiments.executors import SerialExecutor

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DATA = HERE / "data"
SEED = 20261201


@dataclass(frozen=True)
class Case:
    """One golden directory: a run, capacity search or sweep of a scenario."""

    name: str
    kind: str
    scenario: str
    overrides: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        """The files compared (Parquet frame-equal, JSON value-equal)."""
        return {
            "run": ("kpis.parquet", "summary.parquet", "histograms.parquet"),
            "capacity": ("curve.parquet", "capacity.json", "curve_summary.parquet"),
            "sweep": ("points.parquet", "indices.parquet"),
        }[self.kind]


def _runs() -> list[Case]:
    cases = []
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        overrides: tuple[str, ...] = ("run.replications=3", f"run.seed={SEED}")
        if path.stem == "national-day":
            # One replication of a tenth of the day's traffic: still the batched engine at
            # 1.5 × 10⁷ requests, in seconds instead of a minute.
            overrides = ("run.replications=1", f"run.seed={SEED}", "run.warmup=1 min",
                         "resolution.traffic.rate=15000000/d")  # fmt: skip
        if path.stem == "national-network":
            # One replication of a hundredth of the day: every node still sees traffic.
            overrides = ("run.replications=1", f"run.seed={SEED}", "run.warmup=1 min",
                         "network.traffic.rate=1500000/d")  # fmt: skip
        cases.append(Case(path.stem, "run", f"scenarios/{path.name}", overrides))
    return cases


CASES = [
    *_runs(),
    Case(
        "capacity-node-baseline",
        "capacity",
        "scenarios/node-baseline.yaml",
        ("run.replications=3", f"run.seed={SEED}", "resolution.sla=p99<=100ms"),
    ),
    Case(
        "sweep-mm8-grid",
        "sweep",
        "scenarios/mm8.yaml",
        ("run.horizon=4000 s", "run.warmup=400 s", f"run.seed={SEED}"),
    ),
]


def produce(case: Case, out: Path) -> None:
    """Run ``case`` serially into the new directory ``out``."""
    scenario = simdata.load_scenario(REPO / case.scenario, list(case.overrides))
    if case.kind == "run":
        simdata.run(scenario, out=out, executor=SerialExecutor())
    elif case.kind == "capacity":
        simdata.capacity(scenario, out=out, executor=SerialExecutor())
    else:
        simdata.sweep(scenario, HERE / "mm8-grid.yaml", out=out, executor=SerialExecutor())


def differences(case: Case, produced: Path, golden: Path) -> list[str]:
    """What differs between a produced directory and the golden one (empty when equal)."""
    found = []
    for name in case.files:
        if name.endswith(".json"):
            mine = json.loads((produced / name).read_text(encoding="utf-8"))
            theirs = json.loads((golden / name).read_text(encoding="utf-8"))
            if mine != theirs:
                found.append(f"{name}: {mine} != {theirs}")
            continue
        mine_frame = pl.read_parquet(produced / name)
        theirs_frame = pl.read_parquet(golden / name)
        if mine_frame.schema != theirs_frame.schema:
            found.append(f"{name}: schema {mine_frame.schema} != {theirs_frame.schema}")
        elif not mine_frame.equals(theirs_frame, null_equal=True):
            found.append(f"{name}: rows differ\n{_diff(mine_frame, theirs_frame)}")
    return found


def _diff(mine: pl.DataFrame, theirs: pl.DataFrame) -> str:
    if mine.height != theirs.height:
        return f"{mine.height} rows != {theirs.height} rows"
    rows = []
    for index, (a, b) in enumerate(zip(mine.iter_rows(), theirs.iter_rows(), strict=True)):
        if a != b and not all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True)):
            rows.append(f"  row {index}: {a} != {b}")
    return "\n".join(rows[:10])


def regenerate(names: list[str] | None = None) -> None:
    """Write the golden directories (all, or those named) under ``tests/golden/data``."""
    for case in CASES:
        if names and case.name not in names:
            continue
        target = DATA / case.name
        scratch = DATA / f".{case.name}.new"
        shutil.rmtree(scratch, ignore_errors=True)
        produce(case, scratch)
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in case.files:
            shutil.copyfile(scratch / name, target / name)
        shutil.rmtree(scratch)
        print(f"wrote {target.relative_to(REPO)}")


if __name__ == "__main__":
    regenerate(sys.argv[1:] or None)

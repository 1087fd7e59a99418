"""Sweeps: a design's points × replications through an executor, then SALib's indices.

A loop around the replication runner, never inside the model: each point is the base
scenario plus overrides, each (point, replication) task runs
``run_replication(point_scenario, replication, root_seed)`` with the same root seed at
every point (common random numbers), so differences between points are the parameters'
doing, not the random numbers'. The indices are computed on each point's mean over its
replications; the share of a KPI's variance that is replication noise is reported beside
them, and indices whose CI spans 0 are flagged "≈ 0".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from simdata.analysis.kpis import kpi_units
from simdata.errors import ScenarioError
from simdata.experiments.design import (
    Design,
    LoadedDesign,
    Sweepable,
    design_from_data,
    load_design,
    point_scenario,
    scenario_data,
)
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.replication import run_replication
from simdata.results import check_out_dir, manifest, utc_now, write_json, write_parquet, write_text
from simdata.scenario.loader import kpi_context, scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario

#: ``evaluator(values, replication) -> {kpi: value}`` replaces the simulation (tests, toys).
Evaluator = Callable[[dict[str, float], int], dict[str, float]]

INDEX_SCHEMA = {
    "kpi": pl.String,
    "parameter": pl.String,
    "index": pl.String,
    "value": pl.Float64,
    "conf": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "near_zero": pl.Boolean,
    "noise_share": pl.Float64,
}


@dataclass(frozen=True)
class PointTask:
    """One (point, replication): everything its numbers depend on, and nothing else.

    The point's scenario travels as its validated data (what the scenario set, JSON
    values) and is validated again in the worker: plain data pickles on every back end,
    whereas some parametrised pydantic classes of the scenario do not.
    """

    point: int
    replication: int
    root_seed: int
    scenario_data: dict[str, Any]


@dataclass
class PointOutcome:
    """The KPIs of one (point, replication), or the error that stopped it."""

    point: int
    replication: int
    kpis: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    runtime_s: float = 0.0


Progress = Callable[[PointOutcome], None]


def run_point(task: PointTask) -> PointOutcome:
    """Simulate one (point, replication); module level so every executor can ship it."""
    scenario = Scenario.model_validate(task.scenario_data, context=kpi_context(kpi_units()))
    replication = run_replication(scenario, task.replication, task.root_seed)
    return PointOutcome(
        task.point, task.replication, replication.kpis, replication.error, replication.runtime_s
    )


def task_key(point: int, replication: int) -> str:
    """The stable task name executors see (Dask task key)."""
    return f"sweep-p{point:06d}-r{replication:04d}"


@dataclass
class SweepResult:
    """What a sweep produced: the tables its run directory holds."""

    design: Design
    points: pl.DataFrame
    indices: pl.DataFrame
    noise: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    out_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "failed" if self.failures else "complete"


@dataclass(frozen=True)
class SweepPlan:
    """A design bound to its base scenario: the points, their scenarios, the task list."""

    bound: Sweepable
    matrix: np.ndarray
    values: list[dict[str, float]]
    scenarios: list[Scenario] | None
    root_seed: int

    @property
    def points(self) -> int:
        return len(self.values)

    @property
    def runs(self) -> int:
        return self.points * self.bound.design.replications

    def tasks(self) -> tuple[list[PointTask], list[str]]:
        if self.scenarios is None:
            raise ValueError("a plan without scenarios (an evaluator sweep) has no tasks")
        items, keys = [], []
        for point, scenario in enumerate(self.scenarios):
            data = scenario_data(scenario)
            for replication in range(self.bound.design.replications):
                items.append(PointTask(point, replication, self.root_seed, data))
                keys.append(task_key(point, replication))
        return items, keys


def _as_loaded(design: LoadedDesign | Design | str | Path) -> LoadedDesign:
    if isinstance(design, LoadedDesign):
        return design
    if isinstance(design, Design):
        return design_from_data(design.model_dump(mode="json"))
    return load_design(design)


def plan_sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    with_evaluator: bool = False,
) -> SweepPlan:
    """Validate ``design`` against ``scenario`` and build every point's scenario.

    Raises :class:`ScenarioError` (one line, naming the design file's line) for a path the
    scenario lacks, a value it rejects or an unknown KPI, before anything runs.
    """
    loaded = _as_loaded(design)
    bound = Sweepable(loaded)
    if scenario is None and not with_evaluator:
        raise ValueError("a sweep needs a scenario unless an evaluator replaces the simulation")
    if scenario is not None and not with_evaluator:
        bound.check_against(scenario)
    sample = bound.sample()
    scenarios = None
    if scenario is not None and not with_evaluator:
        scenarios = []
        for point, values in enumerate(sample.values):
            try:
                scenarios.append(point_scenario(scenario, bound.overrides(values)))
            except ScenarioError as error:
                shown = ", ".join(f"{k}={v:g}" for k, v in values.items())
                raise loaded.error(
                    ("parameters",),
                    f"expected every point to give a valid scenario, got point {point} "
                    f"({shown}): {error.detail}",
                ) from None
    seed = loaded.design.seed
    root_seed = seed if seed is not None else (scenario.run.seed if scenario is not None else 0)
    return SweepPlan(bound, sample.matrix, sample.values, scenarios, root_seed)


def pilot_seconds(plan: SweepPlan) -> float:
    """Wall time of one replication of the first point (for ``--dry-run`` estimates)."""
    if plan.scenarios is None:
        return 0.0
    return run_replication(plan.scenarios[0], 0, plan.root_seed).runtime_s


def _noise_share(values: np.ndarray) -> float:
    """Share of the KPI's variation over all runs that lies within points (replication noise).

    One-way ANOVA over points: the within-point sum of squares over the total sum of
    squares, in [0, 1]. NaN with fewer than 2 replications per point or a constant KPI.
    """
    if values.shape[1] < 2 or np.isnan(values).any():
        return math.nan
    total = float(np.sum((values - values.mean()) ** 2))
    if total == 0.0:
        return math.nan
    within = float(np.sum((values - values.mean(axis=1, keepdims=True)) ** 2))
    return within / total


def _indices(
    plan: SweepPlan, outputs: dict[str, np.ndarray], warnings_out: list[str]
) -> tuple[pl.DataFrame, dict[str, float]]:
    rows: list[dict[str, Any]] = []
    noise: dict[str, float] = {}
    for kpi, values in outputs.items():
        noise[kpi] = _noise_share(values)
        if plan.bound.design.method == "grid":
            continue
        if np.isnan(values).all(axis=1).any():
            warnings_out.append(f"{kpi}: undefined at some points; no indices computed")
            continue
        means = np.nanmean(values, axis=1)
        if float(np.ptp(means)) == 0.0:
            warnings_out.append(f"{kpi}: the same at every point; no indices computed")
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = plan.bound.analyse(plan.matrix, means)
        warnings_out.extend(f"{kpi}: SALib: {w.message}" for w in caught)
        for row in found:
            conf = row["conf"]
            low = None if conf is None else row["value"] - conf
            high = None if conf is None else row["value"] + conf
            rows.append(
                {
                    "kpi": kpi,
                    **row,
                    "ci_low": low,
                    "ci_high": high,
                    "near_zero": None if low is None or high is None else low <= 0.0 <= high,
                    "noise_share": noise[kpi],
                }
            )
    return pl.DataFrame(rows, schema=INDEX_SCHEMA, orient="row"), noise


def _points_frame(plan: SweepPlan, outputs: dict[str, np.ndarray]) -> pl.DataFrame:
    reps = plan.bound.design.replications
    columns: dict[str, Any] = {
        "point": pl.Series(np.repeat(np.arange(plan.points), reps), dtype=pl.Int64),
        "replication": pl.Series(np.tile(np.arange(reps), plan.points), dtype=pl.Int64),
    }
    for parameter in plan.bound.parameters:
        label = parameter.label
        per_point = np.array([v[label] for v in plan.values], dtype=np.float64)
        columns[label] = pl.Series(np.repeat(per_point, reps), dtype=pl.Float64)
    for kpi, values in outputs.items():
        columns[kpi] = pl.Series(values.reshape(-1), dtype=pl.Float64)
    return pl.DataFrame(columns)


def _collect(
    plan: SweepPlan,
    executor: Executor,
    evaluator: Evaluator | None,
    progress: Progress | None,
    outcomes: list[PointOutcome],
) -> None:
    """Run every (point, replication), appending outcomes as they finish (kept on Ctrl-C)."""
    if evaluator is not None:
        for point, values in enumerate(plan.values):
            for replication in range(plan.bound.design.replications):
                outcome = PointOutcome(point, replication, dict(evaluator(values, replication)))
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)
        return
    items, keys = plan.tasks()
    for _, outcome in executor.map(run_point, items, keys):
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)


def _outputs(
    plan: SweepPlan, outcomes: Sequence[PointOutcome]
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """KPI → (points × replications) values (NaN where missing), and the failed runs."""
    design = plan.bound.design
    outputs = {kpi: np.full((plan.points, design.replications), np.nan) for kpi in design.kpis}
    failures = []
    for outcome in outcomes:
        if outcome.error is not None:
            failures.append(
                {
                    "point": outcome.point,
                    "replication": outcome.replication,
                    "root_seed": plan.root_seed,
                    "values": plan.values[outcome.point],
                    "error": outcome.error,
                }
            )
            continue
        for kpi in design.kpis:
            outputs[kpi][outcome.point, outcome.replication] = outcome.kpis.get(kpi, math.nan)
    return outputs, failures


def sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    out: str | Path | None = None,
    executor: Executor | None = None,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
    argv: Sequence[str] = (),
) -> SweepResult:
    """Run ``design`` around ``scenario``; write the run directory to ``out`` if given.

    ``evaluator(values, replication) -> {kpi: value}`` replaces the simulation (``scenario``
    may then be None and parameter paths are not checked); it runs in this process. Otherwise
    every (point, replication) goes through ``executor`` (serial when None).
    """
    plan = plan_sweep(scenario, design, with_evaluator=evaluator is not None)
    loaded = plan.bound.loaded
    out_dir = Path(out) if out is not None else None
    if out_dir is not None:
        check_out_dir(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        if scenario is not None:
            write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
        design_text = yaml.safe_dump(
            loaded.design.model_dump(mode="json"), sort_keys=False, allow_unicode=True
        )
        write_text(out_dir / "design.yaml", design_text)
    started = utc_now()
    own_executor = executor is None
    runner: Executor = SerialExecutor() if executor is None else executor
    outcomes: list[PointOutcome] = []

    def provenance(
        status: str,
        warnings: list[str],
        failures: list[dict[str, Any]],
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        return manifest(
            kind="sweep",
            status=status,
            argv=list(argv),
            started=started,
            finished=utc_now(),
            scenario_sha256=scenario_sha256(scenario) if scenario is not None else "",
            root_seed=plan.root_seed,
            replications=loaded.design.replications,
            warnings=warnings,
            failures=failures,
            extra={
                "design": loaded.design.name,
                "design_file": loaded.file,
                "method": loaded.design.method,
                "points": plan.points,
                "runs": plan.runs,
                "runs_done": len(outcomes),
                "runtime_s": sum(o.runtime_s for o in outcomes),
                **({"scenario_name": scenario.name} if scenario is not None else {}),
                **extra,
            },
        )

    try:
        _collect(plan, runner, evaluator, progress, outcomes)
    except KeyboardInterrupt:
        # Keep what finished: the points so far (NaN for the rest) and an interrupted manifest.
        if out_dir is not None:
            outputs, failures = _outputs(plan, outcomes)
            write_parquet(out_dir / "points.parquet", _points_frame(plan, outputs))
            write_json(out_dir / "manifest.json", provenance("interrupted", [], failures, {}))
        raise
    finally:
        if own_executor:
            runner.close()
    kpis = loaded.design.kpis
    outputs, failures = _outputs(plan, outcomes)
    warnings_out: list[str] = []
    missing = [kpi for kpi in kpis if np.isnan(outputs[kpi]).all()]
    warnings_out += [f"{kpi}: not produced by any run (check the name)" for kpi in missing]
    indices, noise = _indices(plan, outputs, warnings_out)
    result = SweepResult(
        design=loaded.design,
        points=_points_frame(plan, outputs),
        indices=indices,
        noise=noise,
        warnings=list(dict.fromkeys(warnings_out)),
        failures=failures,
        out_dir=out_dir,
    )
    result.manifest = provenance(result.status, result.warnings, failures, {"noise_share": noise})
    if out_dir is not None:
        write_parquet(out_dir / "points.parquet", result.points)
        write_parquet(out_dir / "indices.parquet", result.indices)
        write_json(out_dir / "manifest.json", result.manifest)
    return result

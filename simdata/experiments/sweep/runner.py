"""Running a sweep: a design's points × replications through an executor, then SALib's indices.

A loop around the replication runner, never inside the model: each point is the base
scenario plus overrides, each (point, replication) task runs
``run_replication(point_scenario, replication, root_seed)`` with the same root seed at
every point (common random numbers), so differences between points are the parameters'
doing, not the random numbers' — except the noise lever's, which Morris, Sobol' and eFAST
designs get: its value picks the point's random substream, so its index is what replication
noise alone gives (:mod:`simdata.experiments.sweep.noise`). The indices are computed on each
point's mean over its replications; the share of a KPI's variance that is replication noise
is reported beside them, and a lever whose index is not above the noise lever's at 95 %
(without a noise lever: whose CI spans 0) is flagged "≈ 0".
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
from simdata.arrays import FloatArray
from simdata.errors import RunError, SimdataError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.replication import run_replication
from simdata.experiments.sweep.design import Design, LoadedDesign
from simdata.experiments.sweep.plan import PointTask, SweepPlan, plan_sweep
from simdata.results import claim_run_dir, manifest, utc_now, write_json, write_parquet, write_text
from simdata.scenario.loader import kpi_context, scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario

#: ``evaluator(values, replication) -> {kpi: value}`` replaces the simulation (tests, toys);
#: ``values`` also holds the noise lever's value (``"(noise)"``) and, under
#: :data:`NOISE_SEED`, the root seed the point's replications would run with (its substream),
#: for a toy to draw its noise by.
Evaluator = Callable[[dict[str, float], int], dict[str, float]]
#: The key of a point's root seed in the values an evaluator sees.
NOISE_SEED = "(noise seed)"

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


def _noise_share(values: FloatArray) -> float:
    """Share of the KPI's variance that is replication noise, from the variance components
    of a one-way random-effects ANOVA by point (Searle, Casella & McCulloch 1992, §3.5).

    With p points of r replications, the within-point mean square MSW estimates the noise
    variance σ²ₑ without bias, and (MSB − MSW)/r the variance of the point effects σ²ₚ
    (truncated at 0); the share is σ²ₑ / (σ²ₑ + σ²ₚ), in [0, 1]. The ratio of sums of
    squares used before was (r − 1)/r for pure noise (0.5 at r = 2), not 1 (issue 12 §5).
    NaN with fewer than 2 replications per point, 2 points, or a constant KPI.
    """
    points, replications = int(values.shape[0]), int(values.shape[1])
    if replications < 2 or points < 2 or np.isnan(values).any():
        return math.nan
    point_means = values.mean(axis=1, keepdims=True)
    within = float(np.sum((values - point_means) ** 2)) / (points * (replications - 1))
    between = float(np.sum((point_means - values.mean()) ** 2)) * replications / (points - 1)
    effects = max(0.0, (between - within) / replications)
    if within + effects == 0.0:
        return math.nan
    return within / (within + effects)


def _indices(
    plan: SweepPlan, outputs: dict[str, FloatArray], warnings_out: list[str]
) -> tuple[pl.DataFrame, dict[str, float]]:
    rows: list[dict[str, Any]] = []
    noise: dict[str, float] = {}
    for kpi, values in outputs.items():
        noise[kpi] = _noise_share(values)
        if plan.bound.method.analyse is None:  # a grid: no indices
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
            rows.append(
                {
                    "kpi": kpi,
                    **row,
                    "ci_low": None if conf is None else row["value"] - conf,
                    "ci_high": None if conf is None else row["value"] + conf,
                    "noise_share": noise[kpi],
                }
            )
    return pl.DataFrame(rows, schema=INDEX_SCHEMA, orient="row"), noise


def _points_frame(plan: SweepPlan, outputs: dict[str, FloatArray]) -> pl.DataFrame:
    reps = plan.bound.design.replications
    columns: dict[str, Any] = {
        "point": pl.Series(np.repeat(np.arange(plan.points), reps), dtype=pl.Int64),
        "replication": pl.Series(np.tile(np.arange(reps), plan.points), dtype=pl.Int64),
    }
    for label in plan.bound.lever_names:
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
    """Run every (point, replication), appending outcomes as they finish (kept on Ctrl-C).

    Only the design's KPIs are kept from each run: a replication yields every KPI of its
    scenario (hundreds for Zhanjiang), and a large sweep holds one outcome per run.
    """
    kpis = plan.bound.design.kpis
    if evaluator is not None:
        for point, values in enumerate(plan.values):
            for replication in range(plan.bound.design.replications):
                seen = {**values, NOISE_SEED: float(plan.point_seed(point))}
                outcome = PointOutcome(point, replication, dict(evaluator(seen, replication)))
                outcomes.append(outcome)
                if progress is not None:
                    progress(outcome)
        return
    items, keys = plan.tasks()
    finished = executor.map(run_point, items, keys)
    try:
        for _, outcome in finished:
            outcome.kpis = {kpi: outcome.kpis[kpi] for kpi in kpis if kpi in outcome.kpis}
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome)
    finally:
        close = getattr(finished, "close", None)
        if close is not None:
            close()


def _outputs(
    plan: SweepPlan, outcomes: Sequence[PointOutcome]
) -> tuple[dict[str, FloatArray], list[dict[str, Any]]]:
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
                    "root_seed": plan.point_seed(outcome.point),
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
    design: SweepPlan | LoadedDesign | Design | str | Path,
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
    every (point, replication) goes through ``executor`` (serial when None). ``design`` may be
    the :class:`SweepPlan` :func:`plan_sweep` made for ``scenario`` (the CLI sizes its progress
    bar from it), so a large design's points are built and validated once.
    """
    if isinstance(design, SweepPlan):
        plan = design
    else:
        plan = plan_sweep(scenario, design, with_evaluator=evaluator is not None)
    out_dir = Path(out) if out is not None else None
    lock = claim_run_dir(out_dir) if out_dir is not None else None
    try:
        return _execute(scenario, plan, out_dir, executor, evaluator, progress, argv)
    finally:
        if lock is not None:
            lock.release()


def _execute(
    scenario: Scenario | None,
    plan: SweepPlan,
    out_dir: Path | None,
    executor: Executor | None,
    evaluator: Evaluator | None,
    progress: Progress | None,
    argv: Sequence[str],
) -> SweepResult:
    """:func:`sweep` once its directory is owned (locked): run the points, keep them."""
    if out_dir is not None:
        _write_inputs(out_dir, scenario, plan.bound.loaded)
    run = _SweepRun(scenario, plan, out_dir, argv)
    own_executor = executor is None
    runner: Executor = SerialExecutor() if executor is None else executor
    try:
        run.collect(runner, evaluator, progress)
    finally:
        if own_executor:
            runner.close()
    return run.finish()


def _write_inputs(out_dir: Path, scenario: Scenario | None, loaded: LoadedDesign) -> None:
    """The base scenario and the design, as the sweep read them."""
    if scenario is not None:
        write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
    design_text = yaml.safe_dump(
        loaded.design.model_dump(mode="json"), sort_keys=False, allow_unicode=True
    )
    write_text(out_dir / "design.yaml", design_text)


class _SweepRun:
    """One sweep under way: its outcomes so far and the manifest that says how far it got."""

    def __init__(
        self, scenario: Scenario | None, plan: SweepPlan, out_dir: Path | None, argv: Sequence[str]
    ) -> None:
        self.scenario, self.plan, self.out_dir, self.argv = scenario, plan, out_dir, argv
        self.loaded = plan.bound.loaded
        self.started = utc_now()
        self.outcomes: list[PointOutcome] = []

    def provenance(
        self,
        status: str,
        warnings: list[str],
        failures: list[dict[str, Any]],
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        scenario, design = self.scenario, self.loaded.design
        return manifest(
            kind="sweep",
            status=status,
            argv=list(self.argv),
            started=self.started,
            finished=utc_now(),
            scenario_sha256=scenario_sha256(scenario) if scenario is not None else "",
            root_seed=self.plan.root_seed,
            replications=design.replications,
            warnings=warnings,
            failures=failures,
            extra={
                "design": design.name,
                "design_file": self.loaded.file,
                "method": design.method,
                "points": self.plan.points,
                "runs": self.plan.runs,
                "runs_done": len(self.outcomes),
                "runtime_s": sum(o.runtime_s for o in self.outcomes),
                **({"scenario_name": scenario.name} if scenario is not None else {}),
                **extra,
            },
        )

    def keep_finished(self, status: str, error: str | None = None) -> None:
        """The points so far (NaN for the rest) and a manifest saying how far it got."""
        if self.out_dir is None:
            return
        outputs, failures = _outputs(self.plan, self.outcomes)
        write_parquet(self.out_dir / "points.parquet", _points_frame(self.plan, outputs))
        extra = {} if error is None else {"error": error}
        write_json(self.out_dir / "manifest.json", self.provenance(status, [], failures, extra))

    def collect(
        self, runner: Executor, evaluator: Evaluator | None, progress: Progress | None
    ) -> None:
        """Run every point; on Ctrl-C or a failure keep what finished, then raise."""
        try:
            _collect(self.plan, runner, evaluator, progress, self.outcomes)
        except KeyboardInterrupt:
            self.keep_finished("interrupted")
            raise
        except SimdataError as error:
            self.keep_finished("failed", str(error))
            raise
        except Exception as error:
            # The executor failed (a worker process killed: BrokenProcessPool; a lost Dask
            # scheduler) or the evaluator raised: the sweep cannot go on, and says how far
            # it got.
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            self.keep_finished("failed", reason)
            kept = f"; {len(self.outcomes)} of {self.plan.runs} runs finished"
            if self.out_dir is not None:
                kept += f", kept in {self.out_dir / 'points.parquet'}"
            raise RunError(f"the sweep stopped: {reason}{kept}") from error

    def finish(self) -> SweepResult:
        """The indices over every point's outcomes; the run directory written."""
        plan, design = self.plan, self.loaded.design
        outputs, failures = _outputs(plan, self.outcomes)
        warnings_out = [
            f"{kpi}: not produced by any run (check the name)"
            for kpi in design.kpis
            if np.isnan(outputs[kpi]).all()
        ]
        indices, noise = _indices(plan, outputs, warnings_out)
        result = SweepResult(
            design=design,
            points=_points_frame(plan, outputs),
            indices=indices,
            noise=noise,
            warnings=list(dict.fromkeys(warnings_out)),
            failures=failures,
            out_dir=self.out_dir,
        )
        result.manifest = self.provenance(
            result.status, result.warnings, failures, {"noise_share": noise}
        )
        if self.out_dir is not None:
            write_parquet(self.out_dir / "points.parquet", result.points)
            write_parquet(self.out_dir / "indices.parquet", result.indices)
            write_json(self.out_dir / "manifest.json", result.manifest)
        return result

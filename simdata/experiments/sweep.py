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

import json
import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from simdata.analysis.kpis import kpi_units
from simdata.errors import RunError, ScenarioError, SimdataError
from simdata.experiments import sizing
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
from simdata.results import claim_run_dir, manifest, utc_now, write_json, write_parquet, write_text
from simdata.scenario.loader import kpi_context, scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario

#: ``evaluator(values, replication) -> {kpi: value}`` replaces the simulation (tests, toys).
Evaluator = Callable[[dict[str, float], int], dict[str, float]]

#: Most runs (points × replications) a sweep accepts. Planning validates every point's
#: scenario (about 0.5 ms each) and a run is rarely under 0.05 s, so 10⁷ runs is days of
#: work before the first index; a design past it is a typo or needs fewer samples.
MAX_RUNS = 10_000_000
#: Bytes a point's plan holds per byte of the base scenario's JSON dump (its validated
#: scenario and the data its tasks carry): 9.5× for mm8, 10.7× for zhanjiang-baseline,
#: measured with tracemalloc; rounded up.
POINT_BYTES_PER_SCENARIO_BYTE = 12
#: Bytes of a point's matrix row and values, per parameter (evaluator sweeps hold only these).
POINT_BYTES_PER_PARAMETER = 128
#: Bytes a run holds in this process: its task, its key and its outcome (the design's KPIs).
RUN_BYTES = 1024
#: Share of this machine's available memory a sweep's plan may take (the runs need the rest).
MEMORY_SHARE = 0.5

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


@dataclass(frozen=True)
class SweepSize:
    """How big a design is, computed by arithmetic before anything is sampled."""

    points: int
    #: How the point count follows from the design (``"1000 × 1000 × 1000 levels"``).
    formula: str
    replications: int
    #: Estimated bytes the plan and its runs hold in this process.
    memory_bytes: int
    #: Why a real sweep of this size is refused (None when it is not).
    refusal: SweepSizeError | None

    @property
    def runs(self) -> int:
        return self.points * self.replications


def _bytes(count: int | float) -> str:
    if count >= 2**30:
        return f"{count / 2**30:.1f} GB"
    return f"{count / 2**20:.1f} MB"


class SweepSizeError(ScenarioError):
    """A design that cannot fit in this machine's memory or cannot finish: a real sweep
    refuses it (exit 2), ``--dry-run`` reports it beside the size and still estimates."""


def _too_large(loaded: LoadedDesign, where: tuple[str | int, ...], message: str) -> SweepSizeError:
    located = loaded.error(where, message)
    return SweepSizeError(message, file=located.file, line=located.line, path=located.path)


def _available_memory() -> float:
    """Bytes this machine can give now (the run-size check's reading, patched in tests)."""
    return sizing.available_memory()


def size_sweep(bound: Sweepable, scenario: Scenario | None) -> SweepSize:
    """The design's points, runs and memory, and a refusal when it cannot fit or finish.

    Refused: more than :data:`MAX_RUNS` runs, or a plan estimated above
    :data:`MEMORY_SHARE` of the memory available now. The refusal names the design field
    to shrink (samples, levels or replications), so the line says the way out.
    """
    design = bound.design
    points, formula = bound.size()
    replications = design.replications
    runs = points * replications
    per_point = POINT_BYTES_PER_PARAMETER * len(bound.parameters)
    if scenario is not None:
        dumped = scenario.model_dump(mode="json", by_alias=True, exclude={"extends"})
        per_point += POINT_BYTES_PER_SCENARIO_BYTE * len(json.dumps(dumped))
    memory = points * per_point + runs * RUN_BYTES
    available = _available_memory()
    where = bound.size_field()
    fewer = {"samples": "samples", "levels": "levels", "parameters": "levels or parameters"}
    way_out = fewer[str(where[0])]
    if points <= MAX_RUNS and runs > MAX_RUNS:
        where, way_out = ("replications",), f"replications or {way_out}"
    shown = f"{points:,} points ({formula}) × {replications} replications"
    refusal = None
    if runs > MAX_RUNS:
        refusal = _too_large(
            bound.loaded,
            where,
            f"expected at most {MAX_RUNS:,} runs, got {shown} = {runs:,} runs; use fewer {way_out}",
        )
    elif memory > MEMORY_SHARE * available:
        refusal = _too_large(
            bound.loaded,
            where,
            f"expected a sweep that fits in this machine's memory, got {shown} = {runs:,} "
            f"runs needing about {_bytes(memory)} ({_bytes(available)} available); "
            f"use fewer {way_out}",
        )
    return SweepSize(points, formula, replications, memory, refusal)


def measure_sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    with_evaluator: bool = False,
) -> SweepSize:
    """Check ``design`` against ``scenario`` and size it, without sampling a point.

    What ``--dry-run`` prints first: a 1000³ grid is sized here in microseconds, where
    :func:`plan_sweep` would build a matrix of gigabytes.
    """
    bound = Sweepable(_as_loaded(design))
    if scenario is not None and not with_evaluator:
        bound.check_against(scenario)
    return size_sweep(bound, None if with_evaluator else scenario)


def _as_loaded(design: LoadedDesign | Design | str | Path) -> LoadedDesign:
    if isinstance(design, LoadedDesign):
        return design
    if isinstance(design, Design):
        return design_from_data(design.model_dump(mode="json"))
    return load_design(design)


#: Control characters (C0, DEL, C1): a parameter name holding a newline would split an error
#: line, an ESC would reach the terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _point_text(values: dict[str, float]) -> str:
    """``name=value, …`` for an error line, control characters in names shown as ``\\xNN``."""
    return ", ".join(
        _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name) + f"={value:g}"
        for name, value in values.items()
    )


def plan_sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    with_evaluator: bool = False,
) -> SweepPlan:
    """Validate ``design`` against ``scenario`` and build every point's scenario.

    Raises :class:`ScenarioError` (one line, naming the design file's line) for a path the
    scenario lacks, a value it rejects or an unknown KPI, and :class:`SweepSizeError` for a
    size that cannot fit or finish (:func:`size_sweep` before anything is sampled, then
    :func:`_check_work` on the points' own run sizes), before anything runs.
    """
    loaded = _as_loaded(design)
    bound = Sweepable(loaded)
    if scenario is None and not with_evaluator:
        raise ValueError("a sweep needs a scenario unless an evaluator replaces the simulation")
    if scenario is not None and not with_evaluator:
        bound.check_against(scenario)
    size = size_sweep(bound, None if with_evaluator else scenario)
    if size.refusal is not None:
        raise size.refusal
    sample = bound.sample()
    scenarios = None
    if scenario is not None and not with_evaluator:
        scenarios = []
        for point, values in enumerate(sample.values):
            try:
                scenarios.append(point_scenario(scenario, bound.overrides(values)))
            except ScenarioError as error:
                shown = _point_text(values)
                raise loaded.error(
                    ("parameters",),
                    f"expected every point to give a valid scenario, got point {point} "
                    f"({shown}): {error.detail}",
                ) from None
        _check_work(bound, scenarios, sample.values)
    seed = loaded.design.seed
    root_seed = seed if seed is not None else (scenario.run.seed if scenario is not None else 0)
    return SweepPlan(bound, sample.matrix, sample.values, scenarios, root_seed)


def _check_work(
    bound: Sweepable, scenarios: Sequence[Scenario], values: Sequence[dict[str, float]]
) -> None:
    """Refuse points whose replication alone cannot fit in memory, and a sweep whose
    estimated computing (every point's replications, sized like ``simdata run``'s) cannot
    finish: a design may set a rate or a horizon that no single run would be allowed."""
    loaded, design = bound.loaded, bound.design
    available = _available_memory()
    core_s = 0.0
    for point, scenario in enumerate(scenarios):
        size = sizing.estimate(scenario)
        if size.bytes_per_replication > sizing.MEMORY_SHARE * available:
            shown = _point_text(values[point])
            raise _too_large(
                loaded,
                ("parameters",),
                f"expected every point to fit in this machine's memory, got point {point} "
                f"({shown}) needing about {_bytes(size.bytes_per_replication)} per "
                f"replication ({_bytes(available)} available); narrow the parameters' ranges",
            )
        core_s += size.core_s_per_replication
    core_s *= design.replications
    if core_s > sizing.MAX_CORE_S:
        runs = len(scenarios) * design.replications
        raise _too_large(
            loaded,
            bound.size_field(),
            f"expected a sweep that can finish, got {runs:,} runs needing about "
            f"{core_s / 86_400:,.0f} days of computing (more than "
            f"{sizing.MAX_CORE_S / 86_400:.0f}); use fewer samples, levels or replications",
        )


@dataclass(frozen=True)
class Pilot:
    """Seconds one replication takes, and how that was found (for ``--dry-run``)."""

    seconds: float
    #: ``"pilot replication"`` (the first point's), ``"… (base scenario)"`` when the points
    #: were not built, or ``"estimated replication"`` when a pilot would itself be too long.
    how: str


def pilot(plan: SweepPlan | None, scenario: Scenario, design: LoadedDesign) -> Pilot:
    """Time one replication of the plan's first point, or of the base scenario when the
    design was too large to plan; use ``simdata run``'s size estimate instead when that
    replication would take more than a minute or not fit in memory (a dry run must be quick).
    """
    seed = design.design.seed
    root_seed = seed if seed is not None else scenario.run.seed
    how = "pilot replication (base scenario)"
    if plan is not None and plan.scenarios:
        scenario, root_seed, how = plan.scenarios[0], plan.root_seed, "pilot replication"
    size = sizing.estimate(scenario)
    too_long = size.core_s_per_replication > sizing.ANNOUNCE_S
    if too_long or size.bytes_per_replication > sizing.MEMORY_SHARE * _available_memory():
        return Pilot(size.core_s_per_replication, "estimated replication (no pilot)")
    return Pilot(run_replication(scenario, 0, root_seed).runtime_s, how)


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
    """Run every (point, replication), appending outcomes as they finish (kept on Ctrl-C).

    Only the design's KPIs are kept from each run: a replication yields every KPI of its
    scenario (hundreds for Zhanjiang), and a large sweep holds one outcome per run.
    """
    kpis = plan.bound.design.kpis
    if evaluator is not None:
        for point, values in enumerate(plan.values):
            for replication in range(plan.bound.design.replications):
                outcome = PointOutcome(point, replication, dict(evaluator(values, replication)))
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
    loaded = plan.bound.loaded
    if out_dir is not None:
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

    def keep_finished(status: str, error: str | None = None) -> None:
        """The points so far (NaN for the rest) and a manifest saying how far it got."""
        if out_dir is None:
            return
        outputs, failures = _outputs(plan, outcomes)
        write_parquet(out_dir / "points.parquet", _points_frame(plan, outputs))
        extra = {} if error is None else {"error": error}
        write_json(out_dir / "manifest.json", provenance(status, [], failures, extra))

    try:
        _collect(plan, runner, evaluator, progress, outcomes)
    except KeyboardInterrupt:
        keep_finished("interrupted")
        raise
    except SimdataError as error:
        keep_finished("failed", str(error))
        raise
    except Exception as error:
        # The executor failed (a worker process killed: BrokenProcessPool; a lost Dask
        # scheduler) or the evaluator raised: the sweep cannot go on, and says how far it got.
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        keep_finished("failed", reason)
        kept = f"; {len(outcomes)} of {plan.runs} runs finished"
        if out_dir is not None:
            kept += f", kept in {out_dir / 'points.parquet'}"
        raise RunError(f"the sweep stopped: {reason}{kept}") from error
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

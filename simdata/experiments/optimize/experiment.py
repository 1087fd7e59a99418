"""``optimize``: bind a design to its scenario, search the plans, write the run directory.

A loop around the replication runner, never inside the model: the search
(:mod:`~simdata.experiments.optimize.search`) asks for plan statuses, the evaluator
(:mod:`~simdata.experiments.optimize.evaluate`) runs each plan's replications through the
executor and judges them (:mod:`~simdata.experiments.optimize.feasibility`), and the result
(:mod:`~simdata.experiments.optimize.result`) is written into a run directory owned with
the run's lock, the manifest last.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simdata.analysis.kpis import kpi_units
from simdata.analysis.producible import check_targets, why_not_producible
from simdata.analysis.quantiles import quantile_of
from simdata.errors import ScenarioError, UsageError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.optimize import blackbox
from simdata.experiments.optimize.design import (
    LoadedOptimizeDesign,
    Maximise,
    load_optimize_design,
    objective_kpi,
)
from simdata.experiments.optimize.evaluate import PlanEvaluator, PlanRecord, Progress
from simdata.experiments.optimize.feasibility import MEETS, Constraint, judgement_alpha
from simdata.experiments.optimize.monotone_check import check_monotone, refusal
from simdata.experiments.optimize.result import (
    Budget,
    OptimizeResult,
    explored_frame,
    plan_yaml,
)
from simdata.experiments.optimize.resume import RecordingExecutor, check_resumable, load_kept
from simdata.experiments.optimize.search import dominated, frontier_search, max_evaluations
from simdata.experiments.optimize.selection import select_best
from simdata.experiments.sweep.points import point_scenario
from simdata.experiments.until_decided import StoppingRule
from simdata.results import claim_run_dir, manifest, utc_now, write_json, write_parquet, write_text
from simdata.scenario import loader
from simdata.scenario.models import Scenario


@dataclass(frozen=True)
class Bound:
    """A design bound to its scenario: the constraints, the α split and the look schedule."""

    loaded: LoadedOptimizeDesign
    scenario: Scenario
    constraints: list[Constraint]
    sizes: list[int]
    budget: Budget
    rule: StoppingRule
    root_seed: int

    @property
    def space_size(self) -> float:
        """Plans the design allows (infinite with a continuous lever)."""
        if any(lever.continuous for lever in self.loaded.design.parameters):
            return math.inf
        return math.prod(self.sizes)

    @property
    def monotone(self) -> bool:
        """Every lever monotone: the frontier search; otherwise Optuna and confirmation."""
        return all(lever.monotone for lever in self.loaded.design.parameters)

    @property
    def objective_kpi(self) -> str | None:
        return objective_kpi(self.loaded.design)

    @property
    def maximise(self) -> bool:
        return isinstance(self.loaded.design.objective, Maximise)


def bind(scenario: Scenario, loaded: LoadedOptimizeDesign) -> Bound:
    """Check the design against ``scenario`` (lever fields and values, constraint KPIs,
    tolerance keys) and fix the α split before any replication runs."""
    design = loaded.design
    targets = loaded.constraints(list(scenario.targets), kpi_units())
    if not targets:
        raise loaded.error(
            ("constraints",),
            f"expected at least one constraint, got none (scenario {scenario.name!r} has no "
            "targets: add targets to it, or list constraints here)",
        )
    if design.constraints != "targets":
        for index, target in enumerate(targets):
            why = why_not_producible(scenario, target.kpi)
            if why is not None:
                raise loaded.error(
                    ("constraints", index, "kpi"),
                    f"expected a KPI this scenario produces, got {target.kpi!r} ({why})",
                )
    names = {t.kpi for t in targets}
    for key in design.tolerance:
        if key != "default" and key not in names:
            raise loaded.error(
                ("tolerance", key),
                f"expected a constrained KPI ({', '.join(sorted(names))}) or default, got {key!r}",
            )
    _check_levers(scenario, loaded)
    _check_objective(scenario, loaded)
    constraints = [
        Constraint(t, (tol := loaded.tolerance_for(t.kpi)).epsilon(t.value), tol.text)
        for t in targets
    ]
    sizes = [len(lever.values()) for lever in design.parameters]
    monotone = all(lever.monotone for lever in design.parameters)
    bound_plans = max_evaluations(sizes) if monotone else design.confirm
    alpha = 1 - design.confidence
    alpha_select = alpha / 2 if objective_kpi(design) is not None else 0.0
    alpha_j = judgement_alpha(alpha - alpha_select, bound_plans, len(constraints))
    budget = Budget(design.confidence, bound_plans, len(constraints), alpha_j, alpha_select)
    rule = StoppingRule(
        max_replications=design.max_replications,
        alpha=alpha_j,
        first=min(design.first_replications, design.max_replications),
    )
    seed = scenario.run.seed if design.seed is None else design.seed
    return Bound(loaded, scenario, constraints, sizes, budget, rule, seed)


def _check_levers(scenario: Scenario, loaded: LoadedOptimizeDesign) -> None:
    """Each lever's lowest and highest value, alone on the base, must be a valid scenario."""
    for index, lever in enumerate(loaded.design.parameters):
        for value in (lever.values()[0], lever.values()[-1]):
            try:
                point_scenario(scenario, [f"{lever.path}={lever.text(value)}"])
            except ScenarioError as error:
                kind = "range" if lever.range is not None else "levels"
                raise loaded.error(
                    ("parameters", index, kind),
                    f"expected values scenario field {lever.path} accepts, got "
                    f"{lever.text(value)!r} ({error.detail})",
                ) from None


def _check_objective(scenario: Scenario, loaded: LoadedOptimizeDesign) -> None:
    """A KPI objective must be a mean KPI the scenario produces (KN compares means)."""
    kpi = objective_kpi(loaded.design)
    if kpi is None:
        return
    where = ("objective", "maximise" if isinstance(loaded.design.objective, Maximise) else
             "minimise")  # fmt: skip
    why = why_not_producible(scenario, kpi)
    if why is not None:
        raise loaded.error(where, f"expected a KPI this scenario produces, got {kpi!r} ({why})")
    if quantile_of(kpi) is not None:
        raise loaded.error(
            where,
            f"expected a mean KPI (KN selects on means), got the quantile {kpi!r}",
        )


def load_base(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """The base scenario, loaded as ``simdata.load_scenario`` loads it."""
    return loader.load_scenario(path, overrides, kpi_units=kpi_units(), checks=(check_targets,))


def optimize(
    scenario: Scenario | str | Path,
    design: LoadedOptimizeDesign | str | Path,
    *,
    out: str | Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    argv: Sequence[str] = (),
    overrides: Sequence[str] = (),
    resume: bool = False,
) -> OptimizeResult:
    """The cheapest plan of ``design``'s levers that meets every constraint of ``scenario``.

    ``scenario`` is a loaded scenario or a path (then ``plan.yaml`` extends that file);
    ``executor`` runs the replications (serial when None); ``out`` names the run directory
    (nothing is written without it); ``resume`` goes on with an interrupted run in ``out``
    (:mod:`.resume`: the replications it kept are not run again, the result is the same).
    """
    base_path = None
    loaded = design if isinstance(design, LoadedOptimizeDesign) else load_optimize_design(design)
    if not isinstance(scenario, Scenario):
        base_path = Path(scenario)
        overrides = [*loaded.design.set, *overrides]
        scenario = load_base(base_path, overrides)
        if overrides:
            base_path = None  # plan.yaml cannot extend a file with --set applied
    bound = bind(scenario, loaded)
    out_dir = Path(out) if out is not None else None
    if resume and out_dir is None:
        raise UsageError("--resume: expected the run directory to go on with, got none")
    runner: Executor = SerialExecutor() if executor is None else executor
    lock = None
    try:
        if bound.monotone and loaded.design.pilot_check and not resume:
            pilot_check(bound, runner)  # a refused declaration writes nothing
        if out_dir is None:
            return _Search(bound, out_dir, base_path, argv).run(runner, progress)
        lock = claim_run_dir(out_dir, resume=resume)
        if resume:
            check_resumable(
                out_dir,
                loader.scenario_sha256(bound.scenario),
                loaded.design.model_dump(mode="json"),
                bound.root_seed,
            )
        kept = load_kept(out_dir) if resume else {}
        recording = RecordingExecutor(runner, out_dir, kept)
        return _Search(bound, out_dir, base_path, argv).run(recording, progress)
    finally:
        if executor is None:
            runner.close()
        if lock is not None:
            lock.release()


def _evaluator(bound: Bound, executor: Executor, progress: Progress | None) -> PlanEvaluator:
    return PlanEvaluator(
        bound.scenario,
        bound.loaded.design.parameters,
        bound.constraints,
        bound.rule,
        bound.root_seed,
        executor,
        progress,
        objective_kpi=bound.objective_kpi,
    )


def pilot_check(bound: Bound, executor: Executor) -> None:
    """Levers declared monotone: the pilot's paired test (:mod:`.monotone_check`); the first
    lever and KPI found worse stop the run with one line."""
    evaluator = _evaluator(bound, executor, None)
    found = check_monotone(evaluator, bound.sizes, bound.loaded.design.first_replications)
    if found:
        raise refusal(bound.loaded, found[0])


class _Search:
    """One optimisation under way: its evaluator, and the manifest of how far it got."""

    def __init__(
        self, bound: Bound, out_dir: Path | None, base_path: Path | None, argv: Sequence[str]
    ) -> None:
        self.bound, self.out_dir, self.base_path, self.argv = bound, out_dir, base_path, argv
        self.started = utc_now()
        self.clock = time.perf_counter()

    def run(self, executor: Executor, progress: Progress | None) -> OptimizeResult:
        bound = self.bound
        levers = bound.loaded.design.parameters
        result = OptimizeResult(
            bound.loaded.design, levers, bound.constraints, bound.budget, [], None
        )

        def kept(record: PlanRecord) -> None:  # candidates.parquet as plans are evaluated
            if self.out_dir is not None:
                write_parquet(self.out_dir / "candidates.parquet", result.candidates())
            if progress is not None:
                progress(record)

        evaluator = _evaluator(bound, executor, kept)
        result.records = evaluator.records
        if self.out_dir is not None:
            self._write_inputs()
        try:
            if bound.monotone:
                self._frontier(evaluator, result)
            else:
                self._blackbox(evaluator, result)
            if bound.objective_kpi is not None:
                self._select(evaluator, result)
        except BaseException as error:
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            self._write(result, status, None if status == "interrupted" else str(error))
            raise
        self._write(result, "complete", None)
        return result

    def _frontier(self, evaluator: PlanEvaluator, result: OptimizeResult) -> None:
        """Monotone levers: bisection / the frontier walk; the cheapest frontier plan (cost
        objective) or the whole frontier as KN's candidates (KPI objective)."""
        bound = self.bound
        by_cost = bound.objective_kpi is None
        trace = frontier_search(bound.sizes, evaluator.cost_of, evaluator, prune=by_cost)
        by_values = {tuple(r.values.values()): r for r in evaluator.records}
        if trace.chosen is not None and by_cost:
            result.chosen = by_values[tuple(evaluator.values_of(trace.chosen).values())]
        for plan in trace.frontier.values():
            found = (
                None if plan is None else by_values.get(tuple(evaluator.values_of(plan).values()))
            )
            if found is not None and plan is not None and not dominated(trace, plan):
                result.frontier.add(found.number)

    def _blackbox(self, evaluator: PlanEvaluator, result: OptimizeResult) -> None:
        """Other levers: Optuna's exploration, then the best ``confirm`` plans confirmed in
        order (cost objective: until the first that meets every target)."""
        bound, design = self.bound, self.bound.loaded.design
        result.trials = blackbox.explore(
            evaluator,
            trials=design.trials,
            batch=design.batch,
            replications=design.first_replications,
            seed=bound.root_seed,
            maximise=bound.maximise,
        )
        for values in blackbox.candidates(result.trials, design.confirm, bound.maximise):
            record = evaluator.evaluate_values(values)
            result.frontier.add(record.number)
            if bound.objective_kpi is None and record.status in MEETS:
                break
        if bound.objective_kpi is None:
            meets = [r for r in evaluator.records if r.status in MEETS]
            result.chosen = min(meets, key=lambda r: (r.cost, r.number), default=None)

    def _select(self, evaluator: PlanEvaluator, result: OptimizeResult) -> None:
        """KPI objectives: KN among the candidates confirmed to meet every target."""
        design = self.bound.loaded.design
        candidates = [
            r for r in evaluator.records if r.number in result.frontier and r.status in MEETS
        ]
        result.selection = select_best(
            evaluator,
            candidates,
            alpha=self.bound.budget.alpha_selection,
            indifference=design.indifference,
            first=design.first_replications,
            max_replications=design.max_replications,
            maximise=self.bound.maximise,
        )
        result.chosen = None if result.selection is None else result.selection.chosen

    def _write_inputs(self) -> None:
        assert self.out_dir is not None
        write_text(self.out_dir / "scenario.yaml", loader.scenario_to_yaml(self.bound.scenario))
        design = self.bound.loaded.design.model_dump(mode="json")
        write_text(
            self.out_dir / "design.yaml",
            yaml.safe_dump(design, sort_keys=False, allow_unicode=True),
        )
        write_json(self.out_dir / "design.json", design)  # what --resume compares

    def _write(self, result: OptimizeResult, status: str, error: str | None) -> None:
        result.out_dir = self.out_dir
        result.manifest = self._manifest(result, status, error)
        if self.out_dir is None:
            return
        write_parquet(self.out_dir / "candidates.parquet", result.candidates())
        if result.trials is not None:
            write_parquet(
                self.out_dir / "explored.parquet", explored_frame(result.trials, result.levers)
            )
        if status == "complete":
            write_json(self.out_dir / "plan.json", result.plan_json())
            if result.chosen is not None:
                chosen = point_scenario(
                    self.bound.scenario,
                    [
                        f"{lever.path}={lever.text(result.chosen.values[lever.label])}"
                        for lever in result.levers
                    ],
                )
                text = plan_yaml(
                    self.bound.scenario,
                    self.base_path,
                    self.out_dir,
                    result.levers,
                    result.chosen.values,
                    chosen,
                )
                write_text(self.out_dir / "plan.yaml", text)
        write_json(self.out_dir / "manifest.json", result.manifest)

    def _manifest(self, result: OptimizeResult, status: str, error: str | None) -> dict[str, Any]:
        bound, chosen = self.bound, result.chosen
        return manifest(
            kind="optimize",
            status=status,
            argv=list(self.argv),
            started=self.started,
            finished=utc_now(),
            scenario_sha256=loader.scenario_sha256(bound.scenario),
            root_seed=bound.root_seed,
            replications=result.replications_spent,
            warnings=[],
            failures=[],
            extra={
                "scenario_name": bound.scenario.name,
                "design": bound.loaded.design.name,
                "design_file": bound.loaded.file,
                "space_size": bound.space_size,
                "plans_bound": bound.budget.plans_bound,
                "confidence": bound.budget.confidence,
                "alpha_per_judgement": bound.budget.alpha_per_judgement,
                "plans_evaluated": len(result.records),
                "replications_spent": result.replications_spent,
                "chosen": None if chosen is None else chosen.values,
                "cost": None if chosen is None else chosen.cost,
                "guarantee": result.guarantee() if status == "complete" else None,
                "runtime_s": time.perf_counter() - self.clock,
                **({} if error is None else {"error": error}),
            },
        )

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
from simdata.errors import ScenarioError
from simdata.experiments import sizing
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.experiments.optimize.design import LoadedOptimizeDesign, load_optimize_design
from simdata.experiments.optimize.evaluate import PlanEvaluator, Progress
from simdata.experiments.optimize.feasibility import Constraint, judgement_alpha
from simdata.experiments.optimize.result import Budget, OptimizeResult, plan_yaml
from simdata.experiments.optimize.search import dominated, frontier_search, max_evaluations
from simdata.experiments.replication import run_replication
from simdata.experiments.sizing import duration_text
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
    def space_size(self) -> int:
        return math.prod(self.sizes)


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
    constraints = [
        Constraint(t, (tol := loaded.tolerance_for(t.kpi)).epsilon(t.value), tol.text)
        for t in targets
    ]
    sizes = [len(lever.values()) for lever in design.parameters]
    bound_plans = max_evaluations(sizes)
    alpha_j = judgement_alpha(1 - design.confidence, bound_plans, len(constraints))
    budget = Budget(design.confidence, bound_plans, len(constraints), alpha_j)
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
) -> OptimizeResult:
    """The cheapest plan of ``design``'s levers that meets every constraint of ``scenario``.

    ``scenario`` is a loaded scenario or a path (then ``plan.yaml`` extends that file);
    ``executor`` runs the replications (serial when None); ``out`` names the run directory
    (nothing is written without it).
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
    lock = claim_run_dir(out_dir) if out_dir is not None else None
    runner: Executor = SerialExecutor() if executor is None else executor
    try:
        return _Search(bound, out_dir, base_path, argv).run(runner, progress)
    finally:
        if executor is None:
            runner.close()
        if lock is not None:
            lock.release()


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
        evaluator = PlanEvaluator(
            bound.scenario,
            levers,
            bound.constraints,
            bound.rule,
            bound.root_seed,
            executor,
            progress,
        )
        if self.out_dir is not None:
            self._write_inputs()
        result = OptimizeResult(
            bound.loaded.design, levers, bound.constraints, bound.budget, evaluator.records, None
        )
        try:
            trace = frontier_search(bound.sizes, evaluator.cost_of, evaluator)
        except BaseException as error:
            status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            self._write(result, status, None if status == "interrupted" else str(error))
            raise
        by_values = {tuple(r.values.values()): r for r in evaluator.records}
        if trace.chosen is not None:
            result.chosen = by_values[tuple(evaluator.values_of(trace.chosen).values())]
        for plan in trace.frontier.values():
            found = (
                None if plan is None else by_values.get(tuple(evaluator.values_of(plan).values()))
            )
            if found is not None and plan is not None and not dominated(trace, plan):
                result.frontier.add(found.number)
        self._write(result, "complete", None)
        return result

    def _write_inputs(self) -> None:
        assert self.out_dir is not None
        write_text(self.out_dir / "scenario.yaml", loader.scenario_to_yaml(self.bound.scenario))
        design = self.bound.loaded.design.model_dump(mode="json")
        write_text(
            self.out_dir / "design.yaml",
            yaml.safe_dump(design, sort_keys=False, allow_unicode=True),
        )

    def _write(self, result: OptimizeResult, status: str, error: str | None) -> None:
        result.out_dir = self.out_dir
        result.manifest = self._manifest(result, status, error)
        if self.out_dir is None:
            return
        write_parquet(self.out_dir / "candidates.parquet", result.candidates())
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


@dataclass(frozen=True)
class DryRun:
    """What ``--dry-run`` prints: the space, the α split and the time bounds."""

    bound: Bound
    seconds_per_replication: float
    how: str

    def lines(self, workers: int) -> list[str]:
        bound, budget, rule = self.bound, self.bound.budget, self.bound.rule
        looks = rule.looks()
        first = duration_text(
            budget.plans_bound * looks[0] * self.seconds_per_replication / workers
        )
        most = duration_text(
            budget.plans_bound * looks[-1] * self.seconds_per_replication / workers
        )
        sizes = " × ".join(str(size) for size in bound.sizes)
        return [
            f"{bound.loaded.design.name}: {bound.space_size:,} plans ({sizes} lever values), "
            f"at most {budget.plans_bound} evaluated; {len(bound.constraints)} constraint(s)",
            f"α = {1 - budget.confidence:.3g} split over {budget.plans_bound} × "
            f"{len(bound.constraints)} judgements: α_j = {budget.alpha_per_judgement:.3g}; "
            f"looks at {', '.join(map(str, looks))} replications",
            f"{self.how} {self.seconds_per_replication:.2f} s → about {first} if every plan "
            f"is decided at its first look, at most {most}, on {workers} worker(s)",
        ]


def dry_run(bound: Bound) -> DryRun:
    """Time one replication of the base scenario (or estimate it when it is long)."""
    size = sizing.estimate(bound.scenario)
    if size.core_s_per_replication > sizing.ANNOUNCE_S:
        return DryRun(bound, size.core_s_per_replication, "estimated replication (no pilot)")
    timed = run_replication(bound.scenario, 0, bound.root_seed).runtime_s
    return DryRun(bound, timed, "pilot replication (base scenario)")

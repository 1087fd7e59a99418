"""Levers not declared monotone: Optuna's TPE over the design space, then the same
confirmation as the frontier search.

Thresholds, shares and other ``--set``-able fields have no order a bisection could use, so
their plans are **explored** with Optuna's Tree-structured Parzen Estimator (seeded
``TPESampler``; the constraints set with ``Trial.set_constraint``: a trial is feasible when
every constraint's exploration mean is on its target's right side). Trials are asked and told in
fixed batches of ``batch`` (the design's), told in trial order, and each trial's numbers
depend only on its plan and replication indices — so the search is the same on every
executor (serial, pool, dask), and a batch's replications run in parallel.

Exploration replications use their own indices (:data:`EXPLORE_OFFSET` + i, the same for
every plan: common random numbers), so the plans it prefers are confirmed on independent
replications: the best ``confirm`` distinct plans (feasible by their exploration means
first, by objective; then the least infeasible) go to the sequential feasibility procedure.
The search itself guarantees nothing about plans it never tried; the guarantee is about the
plans confirmed (docs/optimize.md).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from simdata.errors import ScenarioError
from simdata.experiments.optimize.design import Lever
from simdata.experiments.optimize.evaluate import EXPLORE_OFFSET, PlanEvaluator, task_label
from simdata.experiments.optimize.feasibility import Constraint
from simdata.scenario.models import Scenario


@dataclass(frozen=True)
class Trial:
    """One explored plan: its values, objective and constraint violations (≤ 0: met)."""

    number: int
    values: dict[str, float]
    objective: float
    violations: tuple[float, ...]
    invalid: str | None = None

    @property
    def feasible(self) -> bool:
        return self.invalid is None and all(v <= 0 for v in self.violations)


def distributions(levers: Sequence[Lever]) -> dict[str, BaseDistribution]:
    """Each lever's Optuna distribution: levels by their (ordered) index, integer ranges as
    integers, continuous ranges as floats (log-uniform when ``scale: log``)."""
    found: dict[str, BaseDistribution] = {}
    for lever in levers:
        log = lever.scale == "log"
        if lever.levels is not None:
            found[lever.label] = IntDistribution(0, len(lever.levels) - 1)
        elif lever.continuous:
            assert lever.range is not None
            found[lever.label] = FloatDistribution(lever.range[0], lever.range[1], log=log)
        else:
            values = lever.values()
            found[lever.label] = IntDistribution(int(values[0]), int(values[-1]), log=log)
    return found


def plan_values(levers: Sequence[Lever], params: dict[str, float | int]) -> dict[str, float]:
    """A trial's parameters as lever values (a level's index → the level)."""
    values = {}
    for lever in levers:
        raw = params[lever.label]
        values[lever.label] = (
            float(lever.levels[int(raw)]) if lever.levels is not None else float(raw)
        )
    return values


def violation(constraint: Constraint, mean: float) -> float:
    """How far an exploration mean lies on the wrong side of its target, relative to the
    target's size (≤ 0: on the right side; NaN counts as violated)."""
    target = constraint.target
    if math.isnan(mean):
        return 1.0
    scale = max(abs(target.value), constraint.epsilon, 1e-12)
    sign = 1.0 if target.op in ("<", "<=") else -1.0
    return min(max(sign * (mean - target.value) / scale, -1e6), 1e6)


def explore(
    evaluator: PlanEvaluator,
    *,
    trials: int,
    batch: int,
    replications: int,
    seed: int,
    maximise: bool,
) -> list[Trial]:
    """Optuna's search over the levers: ``trials`` plans, each on ``replications``
    exploration replications, asked and told ``batch`` at a time in trial order."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize" if maximise else "minimize", sampler=sampler)
    space = distributions(evaluator.levers)
    found: list[Trial] = []
    seen: dict[tuple[float, ...], Outcome] = {}
    for start in range(0, trials, batch):
        asked = [study.ask(space) for _ in range(min(batch, trials - start))]
        plans = [plan_values(evaluator.levers, t.params) for t in asked]
        fresh = list(
            {tuple(p.values()): p for p in plans if tuple(p.values()) not in seen}.values()
        )
        for outcome in _run_batch(evaluator, fresh, replications):
            seen[tuple(outcome[0].values())] = outcome
        for trial, values in zip(asked, plans, strict=True):
            # a plan asked again has the same numbers (common random numbers): run once
            done = Trial(trial.number, *seen[tuple(values.values())])
            found.append(done)
            with warnings.catch_warnings():  # constraints may be marked experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                for index, value in enumerate(done.violations):
                    trial.set_constraint(f"constraint {index + 1}", value)
            if done.invalid is not None:
                study.tell(trial, state=TrialState.FAIL)
            else:
                study.tell(trial, done.objective)
    return found


Outcome = tuple[dict[str, float], float, tuple[float, ...], str | None]


def _run_batch(
    evaluator: PlanEvaluator, plans: list[dict[str, float]], replications: int
) -> list[Outcome]:
    """Every (distinct) plan of a batch on the exploration replications, in one executor
    map (task keys must be unique)."""
    scenarios: list[Scenario] = []
    runnable: list[dict[str, float]] = []
    outcomes: list[Outcome] = []
    for values in plans:
        try:
            scenarios.append(evaluator.scenario_of(values))
            runnable.append(values)
        except ScenarioError as error:
            outcomes.append((values, math.nan, (), error.detail))
    indices = [EXPLORE_OFFSET + i for i in range(replications)]
    measured = evaluator.run_many(scenarios, indices, [task_label(v) for v in runnable])
    constraints = evaluator.constraints
    for values, plan in zip(runnable, measured, strict=True):
        means = {
            name: math.fsum(m.kpis[name] for m in plan) / len(plan) for name in evaluator.kpis()
        }
        kpi = evaluator.objective_kpi
        objective = evaluator.cost_of_values(values) if kpi is None else means[kpi]
        violations = tuple(violation(c, means[c.target.kpi]) for c in constraints)
        outcomes.append((values, objective, violations, None))
    return outcomes


def candidates(found: Sequence[Trial], count: int, maximise: bool) -> list[dict[str, float]]:
    """The ``count`` best distinct explored plans: feasible ones by objective (best first,
    earlier trial on equal), then infeasible ones by total violation."""
    sign = -1.0 if maximise else 1.0
    ranked = sorted(
        (t for t in found if t.invalid is None),
        key=lambda t: (
            not t.feasible,
            sign * t.objective if t.feasible else sum(max(v, 0.0) for v in t.violations),
            t.number,
        ),
    )
    chosen: list[dict[str, float]] = []
    for trial in ranked:
        if trial.values not in chosen:
            chosen.append(trial.values)
        if len(chosen) == count:
            break
    return chosen

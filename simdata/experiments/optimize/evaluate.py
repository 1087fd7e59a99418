"""Evaluating one plan: its replications through an executor, looked at sequentially.

Replication i of every plan runs ``run_replication(plan_scenario, i, root_seed)`` with the
same root seed (common random numbers: neighbouring plans see the same arrivals and service
times, so their differences are the levers' doing). A worker returns only the constrained
KPIs and their quantile samples (:func:`measure`), and the numbers depend on the task alone,
so every executor gives the same plan statuses.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from simdata.analysis.quantiles import HISTOGRAM_SCHEMA, quantile_of
from simdata.errors import RunError, ScenarioError
from simdata.experiments.executors import Executor
from simdata.experiments.optimize.design import Lever
from simdata.experiments.optimize.feasibility import (
    Constraint,
    Judgement,
    Status,
    judge_plan,
    plan_status,
    settled,
)
from simdata.experiments.replication import ReplicationTask, replicate
from simdata.experiments.sweep.points import point_scenario
from simdata.experiments.until_decided import StoppingRule
from simdata.scenario.models import Scenario

KPI_SCHEMA = {"replication": pl.Int64, "kpi": pl.String, "value": pl.Float64}
#: Replication indices of KN's selection stage and of Optuna's exploration start here, so
#: their random numbers are independent of the confirmation's (indices 0, 1, …) while every
#: plan still shares them (common random numbers within each stage).
SELECTION_OFFSET = 1_000_000
EXPLORE_OFFSET = 2_000_000


@dataclass(frozen=True)
class ConstraintTask:
    """What a worker gets: one replication of one plan, and which KPIs to send back."""

    replication: ReplicationTask
    kpis: tuple[str, ...]
    samples: tuple[str, ...]


@dataclass
class Measured:
    """The constrained KPIs of one replication, their quantile samples, or its error."""

    index: int
    kpis: dict[str, float]
    histograms: pl.DataFrame
    error: str | None
    runtime_s: float


def measure(task: ConstraintTask) -> Measured:
    """Executor task: one replication, trimmed to what the constraints read."""
    done = replicate(task.replication)
    kpis = {name: done.kpis.get(name, math.nan) for name in task.kpis}
    histograms = done.histograms.filter(pl.col("sample").is_in(list(task.samples)))
    return Measured(done.index, kpis, histograms, done.error, done.runtime_s)


@dataclass
class PlanRecord:
    """One evaluated plan: levers, cost, replications, status and its constraints' verdicts."""

    number: int
    values: dict[str, float]
    cost: float
    status: Status
    replications: int = 0
    judgements: list[Judgement] = field(default_factory=list)
    looks: list[int] = field(default_factory=list)
    runtime_s: float = 0.0
    #: Why the plan's scenario is not valid (status ``invalid``).
    reason: str | None = None
    #: The objective KPI's mean over the confirmation replications (KPI objectives).
    objective: float | None = None
    #: The objective's mean over KN's selection replications (candidates of KN only).
    selection_mean: float | None = None
    selection_replications: int = 0


Progress = Callable[[PlanRecord], None]


@dataclass
class PlanEvaluator:
    """Evaluates plans for the search, keeping every record in evaluation order."""

    base: Scenario
    levers: Sequence[Lever]
    constraints: Sequence[Constraint]
    rule: StoppingRule
    root_seed: int
    executor: Executor
    progress: Progress | None = None
    records: list[PlanRecord] = field(default_factory=list)
    #: The KPI a KPI objective names (measured alongside the constraints), or None.
    objective_kpi: str | None = None

    def values_of(self, plan: tuple[int, ...]) -> dict[str, float]:
        return {lever.label: lever.values()[i] for lever, i in zip(self.levers, plan, strict=True)}

    def cost_of(self, plan: tuple[int, ...]) -> float:
        values = self.values_of(plan)
        return sum(values[lever.label] * lever.cost for lever in self.levers)

    def scenario_of(self, values: dict[str, float]) -> Scenario:
        overrides = [f"{lever.path}={lever.text(values[lever.label])}" for lever in self.levers]
        return point_scenario(self.base, overrides)

    def __call__(self, plan: tuple[int, ...]) -> Status:
        return self.evaluate_values(self.values_of(plan)).status

    def cost_of_values(self, values: dict[str, float]) -> float:
        return sum(values[lever.label] * lever.cost for lever in self.levers)

    def evaluate_values(self, values: dict[str, float]) -> PlanRecord:
        """Confirm one plan: its replications 0, 1, … looked at until it is settled."""
        record = PlanRecord(len(self.records), values, self.cost_of_values(values), "undecided")
        try:
            scenario = self.scenario_of(values)
        except ScenarioError as error:
            record.status, record.reason = "invalid", error.detail
        else:
            self._sample(record, scenario)
        self.records.append(record)
        if self.progress is not None:
            self.progress(record)
        return record

    def kpis(self) -> tuple[str, ...]:
        """The KPIs a worker sends back: the constrained ones, then the objective."""
        names = [c.target.kpi for c in self.constraints]
        if self.objective_kpi is not None:
            names.append(self.objective_kpi)
        return tuple(dict.fromkeys(names))

    def run_many(
        self, scenarios: Sequence[Scenario], indices: Sequence[int], names: Sequence[str]
    ) -> list[list[Measured]]:
        """Replications ``indices`` of each scenario in one executor map (KPIs only); per
        scenario, its replications in index order."""
        kpis = self.kpis()
        tasks = [
            ConstraintTask(ReplicationTask(scenario, i, self.root_seed), kpis, ())
            for scenario in scenarios
            for i in indices
        ]
        keys = [f"optimize-{name}-r{i:07d}" for name in names for i in indices]
        found: list[list[Measured]] = [[] for _ in scenarios]
        for position, done in self.executor.map(measure, tasks, keys):
            if done.error is not None:
                raise RunError(
                    f"plan {names[position // len(indices)]} replication {done.index} (root "
                    f"seed {self.root_seed}) failed: {done.error}"
                )
            found[position // len(indices)].append(done)
        for measured in found:
            measured.sort(key=lambda m: m.index)
        return found

    def objective_samples(
        self, records: Sequence[PlanRecord], start: int, stop: int
    ) -> list[list[float]]:
        """The objective KPI of KN's selection replications ``start … stop − 1`` of each
        plan (indices from :data:`SELECTION_OFFSET`, the same for every plan)."""
        assert self.objective_kpi is not None
        indices = [SELECTION_OFFSET + i for i in range(start, stop)]
        scenarios = [self.scenario_of(r.values) for r in records]
        names = [task_label(r.values) for r in records]
        measured = self.run_many(scenarios, indices, names)
        return [[m.kpis[self.objective_kpi] for m in plan] for plan in measured]

    def _sample(self, record: PlanRecord, scenario: Scenario) -> None:
        """Replications in batches up to each look, until the plan is settled or capped."""
        kpis = self.kpis()
        samples = tuple(found[1] for name in kpis if (found := quantile_of(name)) is not None)
        rows: list[dict[str, object]] = []
        histograms: list[pl.DataFrame] = []
        started = time.perf_counter()
        for n in self.rule.looks():
            tasks = [
                ConstraintTask(ReplicationTask(scenario, i, self.root_seed), kpis, samples)
                for i in range(record.replications, n)
            ]
            name = task_label(record.values)
            keys = [f"optimize-{name}-r{t.replication.index:05d}" for t in tasks]
            for _, done in self.executor.map(measure, tasks, keys):
                if done.error is not None:
                    raise RunError(
                        f"plan {task_label(record.values)} replication {done.index} (root seed "
                        f"{self.root_seed}) failed: {done.error}"
                    )
                rows += [
                    {"replication": done.index, "kpi": k, "value": v} for k, v in done.kpis.items()
                ]
                histograms.append(
                    done.histograms.with_columns(pl.lit(done.index, pl.Int64).alias("replication"))
                )
            record.replications = n
            record.looks.append(n)
            # in replication order, whatever order the executor finished them in: sums are
            # then bit-identical on every executor
            frame = pl.DataFrame(rows, schema=KPI_SCHEMA, orient="row").sort(
                "replication", maintain_order=True
            )
            merged = pl.concat([h.select(list(HISTOGRAM_SCHEMA)) for h in histograms])
            merged = merged.sort("replication", maintain_order=True)
            record.judgements = judge_plan(
                frame, merged, self.constraints, self.rule.confidence_at(n)
            )
            record.status = plan_status(record.judgements)
            if self.objective_kpi is not None:
                values = frame.filter(pl.col("kpi") == self.objective_kpi)["value"]
                record.objective = float(values.mean())  # type: ignore[arg-type]
            if settled(record.judgements):
                break
        record.runtime_s = time.perf_counter() - started


def task_label(values: dict[str, float]) -> str:
    """``servers=4,queue=8``: a plan's name in task keys and messages — to the 12 digits
    the scenario is set with (:meth:`Lever.text`), so a key names exactly one plan."""
    return ",".join(f"{name}={value:.12g}" for name, value in values.items())

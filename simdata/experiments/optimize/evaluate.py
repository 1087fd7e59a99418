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

    def values_of(self, plan: tuple[int, ...]) -> dict[str, float]:
        return {lever.label: lever.values()[i] for lever, i in zip(self.levers, plan, strict=True)}

    def cost_of(self, plan: tuple[int, ...]) -> float:
        values = self.values_of(plan)
        return sum(values[lever.label] * lever.cost for lever in self.levers)

    def scenario_of(self, values: dict[str, float]) -> Scenario:
        overrides = [f"{lever.path}={lever.text(values[lever.label])}" for lever in self.levers]
        return point_scenario(self.base, overrides)

    def __call__(self, plan: tuple[int, ...]) -> Status:
        values = self.values_of(plan)
        record = PlanRecord(len(self.records), values, self.cost_of(plan), "undecided")
        try:
            scenario = self.scenario_of(values)
        except ScenarioError as error:
            record.status, record.reason = "invalid", error.detail
        else:
            self._sample(record, scenario)
        self.records.append(record)
        if self.progress is not None:
            self.progress(record)
        return record.status

    def _sample(self, record: PlanRecord, scenario: Scenario) -> None:
        """Replications in batches up to each look, until the plan is settled or capped."""
        kpis = tuple(dict.fromkeys(c.target.kpi for c in self.constraints))
        samples = tuple(found[1] for name in kpis if (found := quantile_of(name)) is not None)
        rows: list[dict[str, object]] = []
        histograms: list[pl.DataFrame] = []
        started = time.perf_counter()
        for n in self.rule.looks():
            tasks = [
                ConstraintTask(ReplicationTask(scenario, i, self.root_seed), kpis, samples)
                for i in range(record.replications, n)
            ]
            keys = [f"optimize-{_label(record.values)}-r{t.replication.index:05d}" for t in tasks]
            for _, done in self.executor.map(measure, tasks, keys):
                if done.error is not None:
                    raise RunError(
                        f"plan {_label(record.values)} replication {done.index} (root seed "
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
            frame = pl.DataFrame(rows, schema=KPI_SCHEMA, orient="row")
            merged = pl.concat([h.select(list(HISTOGRAM_SCHEMA)) for h in histograms])
            record.judgements = judge_plan(
                frame, merged, self.constraints, self.rule.confidence_at(n)
            )
            record.status = plan_status(record.judgements)
            if settled(record.judgements):
                break
        record.runtime_s = time.perf_counter() - started


def _label(values: dict[str, float]) -> str:
    """``servers=4,queue=8``: a plan's name in task keys and messages."""
    return ",".join(f"{name}={value:g}" for name, value in values.items())

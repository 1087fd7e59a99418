"""What an optimisation found, and the files of its run directory.

``plan.json`` (the chosen plan, its cost, each target's estimate and CI, the guarantee,
the replications spent, the plans it beat and why), ``candidates.parquet`` (every evaluated
plan), ``plan.yaml`` (a scenario that ``extends`` the base with the chosen levers) and the
manifest, written last.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from simdata.experiments.optimize.blackbox import Trial
from simdata.experiments.optimize.design import Lever, Maximise, OptimizeDesign, objective_kpi
from simdata.experiments.optimize.evaluate import PlanRecord
from simdata.experiments.optimize.feasibility import MEETS, Constraint, Judgement
from simdata.experiments.optimize.selection import SelectionOutcome
from simdata.experiments.sweep.design import split_path
from simdata.scenario.loader import scenario_to_yaml
from simdata.scenario.models import Scenario


@dataclass(frozen=True)
class Budget:
    """How the design's α is split (Bonferroni), fixed before any replication runs."""

    confidence: float
    plans_bound: int
    constraints: int
    alpha_per_judgement: float
    #: KN's share of α (KPI objectives: half of it; the cost objective: 0).
    alpha_selection: float = 0.0

    @property
    def alpha_feasibility(self) -> float:
        return 1 - self.confidence - self.alpha_selection

    def as_dict(self) -> dict[str, Any]:
        how = (
            f"Bonferroni: α = {self.alpha_feasibility:.3g} over at most {self.plans_bound} "
            f"plan evaluations × {self.constraints} constraint(s); each judgement's "
            "sequential looks share its α quadratically (1 − α_j·n_k²/Σn²)"
        )
        if self.alpha_selection:
            how = (
                f"α = {1 - self.confidence:.3g} split in two: feasibility gets "
                f"{self.alpha_feasibility:.3g}, KN's selection {self.alpha_selection:.3g}. " + how
            )
        return {
            "confidence": self.confidence,
            "alpha": 1 - self.confidence,
            "alpha_feasibility": self.alpha_feasibility,
            "alpha_selection": self.alpha_selection,
            "plans_bound": self.plans_bound,
            "constraints": self.constraints,
            "alpha_per_judgement": self.alpha_per_judgement,
            "how": how,
        }


def label(values: dict[str, float]) -> str:
    """``servers = 4, queue = 8``: a plan as a planner reads it."""
    return ", ".join(f"{name} = {value:g}" for name, value in values.items())


@dataclass
class OptimizeResult:
    """The evaluated plans, the chosen one and the statement that qualifies it."""

    design: OptimizeDesign
    levers: Sequence[Lever]
    constraints: Sequence[Constraint]
    budget: Budget
    records: list[PlanRecord]
    chosen: PlanRecord | None
    frontier: set[int] = field(default_factory=set)
    out_dir: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    #: KN's selection (KPI objectives), or None.
    selection: SelectionOutcome | None = None
    #: Optuna's explored plans (levers not all monotone), or None.
    trials: list[Trial] | None = None

    @property
    def replications_spent(self) -> int:
        """Every replication run: confirmation, KN's selection and Optuna's exploration."""
        spent = sum(r.replications for r in self.records)
        if self.selection is not None:
            spent += self.selection.spent
        if self.trials is not None:  # a plan asked again is run once
            distinct = {tuple(t.values.values()) for t in self.trials if t.invalid is None}
            spent += len(distinct) * self.design.first_replications
        return spent

    def cheaper_open(self) -> list[PlanRecord]:
        """Evaluated plans cheaper than the chosen one that were not shown infeasible."""
        if self.chosen is None:
            return []
        return [
            r
            for r in self.records
            if r.cost < self.chosen.cost and r.status not in ("infeasible", "invalid", *MEETS)
        ]

    def guarantee(self) -> str:
        """The sentence the result stands on (docs/optimize.md)."""
        level = f"{self.budget.confidence * 100:g} %"
        if self.chosen is None:
            return (
                "no plan in the design's ranges meets every target: with probability ≥ "
                f"{level}, each plan examined fails a target or stays undecided at "
                f"max_replications ({self.design.max_replications})"
            )
        within = " (within the tolerance)" if self.chosen.status == "tie" else ""
        if objective_kpi(self.design) is not None:
            return self._kpi_guarantee(level, within)
        examined = "among those examined" if self.trials is None else (
            f"among the {len(self.records)} confirmed of {len(self.trials)} explored by "
            "Optuna (plans it never tried carry no guarantee)"
        )  # fmt: skip
        text = (
            f"with probability ≥ {level}, plan {label(self.chosen.values)} meets every "
            f"target{within}, and no cheaper plan {examined} does (each was shown "
            "infeasible, or lies within the tolerance)"
        )
        open_ = self.cheaper_open()
        if open_:
            text += (
                f" — except {len(open_)} cheaper plan(s) left undecided at max_replications: "
                + "; ".join(label(r.values) for r in open_)
            )
        return text

    def _kpi_guarantee(self, level: str, within: str) -> str:
        """The sentence of a KPI objective: feasibility and KN's selection together."""
        assert self.chosen is not None
        assert self.selection is not None
        sel, budget = self.selection, self.budget
        best = "largest" if isinstance(self.design.objective, Maximise) else "smallest"
        pool = "frontier" if self.trials is None else "confirmed"
        text = (
            f"with probability ≥ {level}, plan {label(self.chosen.values)} meets every "
            f"target{within} and its {sel.kpi} is within δ = {sel.delta:.6g} "
            f"({sel.indifference}) of the {best} among the {len(sel.candidates)} {pool} "
            f"plan(s) shown to meet them (α = {1 - budget.confidence:.3g}: "
            f"{budget.alpha_feasibility:.3g} for feasibility, {budget.alpha_selection:.3g} "
            "for Kim & Nelson's KN selection on common random numbers)"
        )
        if not sel.decided:
            text += (
                f" — except that KN had not separated the plans by max_replications "
                f"({self.design.max_replications}): the choice is the best mean, without "
                "the δ guarantee"
            )
        open_ = [r for r in self.records if r.number in self.frontier and r.status == "undecided"]
        if open_:
            text += f" — {len(open_)} candidate(s) left undecided were not compared: " + (
                "; ".join(label(r.values) for r in open_)
            )
        return text

    def why_beaten(self, record: PlanRecord) -> str:
        """Why ``record`` is not the answer: what it failed, or that it costs more."""
        if record.status == "invalid":
            return f"not a valid scenario: {record.reason}"
        failed = [j for j in record.judgements if j.verdict == "fail"]
        if failed:
            return "; ".join(f"{j.constraint.text} fails: {_estimate_text(j)}" for j in failed)
        if record.status == "undecided":
            open_ = [j for j in record.judgements if j.verdict == "undecided"]
            return "undecided: " + "; ".join(
                f"{j.constraint.text}: {_estimate_text(j)}" for j in open_
            )
        assert self.chosen is not None  # a plan meeting the targets implies a chosen one
        if self.selection is not None:
            return self._why_not_selected(record)
        return f"meets the targets but costs {record.cost:,.0f} 元 ≥ {self.chosen.cost:,.0f} 元"

    def _why_not_selected(self, record: PlanRecord) -> str:
        sel = self.selection
        assert sel is not None
        if record not in sel.candidates:
            return "meets the targets but is not a minimal frontier plan (not a KN candidate)"
        by = sel.beaten_by.get(record.number)
        mean = f"{sel.kpi} {record.selection_mean:.6g} over {record.selection_replications}"
        if by is None:
            return f"meets the targets; {mean} replications, not the best mean at KN's end"
        return f"meets the targets; {mean} replications, eliminated by KN (plan {by + 1} leads)"

    def plan_json(self) -> dict[str, Any]:
        chosen = self.chosen
        return {
            "design": self.design.name,
            "found": chosen is not None,
            "plan": None if chosen is None else _record_json(chosen),
            "targets": [] if chosen is None else [_judgement_json(j) for j in chosen.judgements],
            "guarantee": self.guarantee(),
            "budget": self.budget.as_dict(),
            "replications_spent": self.replications_spent,
            "plans_evaluated": len(self.records),
            "selection": None if self.selection is None else _selection_json(self.selection),
            "explored": None if self.trials is None else len(self.trials),
            "beaten": [
                {**_record_json(r), "why": self.why_beaten(r)}
                for r in self.records
                if r is not chosen
            ],
        }

    def candidates(self) -> pl.DataFrame:
        """``candidates.parquet``: one row per evaluated plan, in evaluation order."""
        kpis = list(dict.fromkeys(c.target.kpi for c in self.constraints))
        rows = []
        for record in self.records:
            row: dict[str, Any] = {"plan": record.number, **record.values}
            row |= {
                "cost": record.cost,
                "replications": record.replications,
                "status": record.status,
                "frontier": record.number in self.frontier,
                "chosen": record is self.chosen,
            }
            by_kpi = {j.constraint.target.kpi: j for j in record.judgements}
            for kpi in kpis:
                found = by_kpi.get(kpi)
                row[kpi] = None if found is None else found.estimate.mean
                row[f"{kpi} ci_low"] = None if found is None else found.estimate.ci_low
                row[f"{kpi} ci_high"] = None if found is None else found.estimate.ci_high
            row["objective"] = record.objective
            row["selection_mean"] = record.selection_mean
            row["selection_replications"] = record.selection_replications
            for constraint in self.constraints:
                verdict = next(
                    (j.verdict for j in record.judgements if j.constraint == constraint), None
                )
                row[f"verdict: {constraint.text}"] = verdict
            rows.append(row)
        schema = {
            "plan": pl.Int64,
            **{lever.label: pl.Float64 for lever in self.levers},
            "cost": pl.Float64,
            "replications": pl.Int64,
            "status": pl.String,
            "frontier": pl.Boolean,
            "chosen": pl.Boolean,
            **{
                name: pl.Float64
                for kpi in kpis
                for name in (kpi, f"{kpi} ci_low", f"{kpi} ci_high")
            },
            "objective": pl.Float64,
            "selection_mean": pl.Float64,
            "selection_replications": pl.Int64,
            **{f"verdict: {c.text}": pl.String for c in self.constraints},
        }
        return pl.DataFrame(rows, schema=schema, orient="row")


def explored_frame(trials: Sequence[Trial], levers: Sequence[Lever]) -> pl.DataFrame:
    """``explored.parquet``: Optuna's trials in trial order — levers, objective (cost or
    the KPI's exploration mean), each constraint's violation (≤ 0: met), feasible."""
    width = max((len(t.violations) for t in trials), default=0)
    rows = []
    for t in trials:
        padded = [*t.violations, *([None] * (width - len(t.violations)))]
        row: dict[str, Any] = {"trial": t.number, **t.values, "objective": t.objective}
        row |= {f"violation {i + 1}": v for i, v in enumerate(padded)}
        rows.append(row | {"feasible": t.feasible, "invalid": t.invalid})
    schema = {
        "trial": pl.Int64,
        **{lever.label: pl.Float64 for lever in levers},
        "objective": pl.Float64,
        **{f"violation {i + 1}": pl.Float64 for i in range(width)},
        "feasible": pl.Boolean,
        "invalid": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _selection_json(sel: SelectionOutcome) -> dict[str, Any]:
    return {
        "method": "KN (Kim & Nelson 2001), common random numbers",
        "kpi": sel.kpi,
        "indifference": sel.indifference,
        "delta": sel.delta,
        "alpha": sel.alpha,
        "decided": sel.decided,
        "candidates": [c.number + 1 for c in sel.candidates],
        "replications_per_plan": sel.replications,
        "replications_spent": sel.spent,
        "means": {str(c.number + 1): c.selection_mean for c in sel.candidates},
    }


def _estimate_text(judgement: Judgement) -> str:
    e = judgement.estimate
    return f"{e.mean:.6g} [{e.ci_low:.6g}, {e.ci_high:.6g}] at {judgement.level:.4%}"


def _record_json(record: PlanRecord) -> dict[str, Any]:
    return {
        "plan": record.number + 1,
        "levers": record.values,
        "cost": record.cost,
        "objective": record.objective,
        "status": record.status,
        "replications": record.replications,
        "looks": record.looks,
    }


def _judgement_json(judgement: Judgement) -> dict[str, Any]:
    target, estimate = judgement.constraint.target, judgement.estimate
    return {
        "kpi": target.kpi,
        "target": target.describe(),
        "estimate": estimate.mean,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "n": estimate.n,
        "ci_level": judgement.level,
        "ci_method": judgement.method,
        "verdict": judgement.verdict,
        "tolerance": judgement.constraint.tolerance_text,
        "epsilon": judgement.constraint.epsilon,
        "note": judgement.note,
        "share": None if judgement.share is None else judgement.share.as_dict(),
    }


def plan_yaml(
    base: Scenario,
    base_path: Path | None,
    out_dir: Path,
    levers: Sequence[Lever],
    values: dict[str, float],
    chosen: Scenario,
) -> str:
    """The chosen plan as a scenario: ``extends`` the base file with the levers' values, or
    (no base file, or a lever inside a list, which ``extends`` replaces whole) the resolved
    scenario of the plan."""
    header = f"# The cheapest plan found by simdata optimize: {label(values)}\n"
    paths = [split_path(lever.path.strip()) for lever in levers]
    if base_path is None or any(isinstance(p, int) for path in paths for p in path):
        return header + scenario_to_yaml(chosen)
    data: dict[str, Any] = {
        "name": f"{base.name}-plan",
        "extends": os.path.relpath(base_path.resolve(), out_dir.resolve()),
    }
    for lever, path in zip(levers, paths, strict=True):
        node = data
        for part in path[:-1]:
            node = node.setdefault(str(part), {})
        node[str(path[-1])] = yaml.safe_load(lever.text(values[lever.label]))
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

"""What the ``simdata optimize`` page reads from a run directory, and how it names things.

Read from the run directory only (``plan.json``, ``candidates.parquet``, ``design.yaml``),
defensively, as :mod:`simdata.report.source` reads every kind: a directory of an
interrupted search has candidates but no plan, and the page shows what is there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl
import pydantic
import yaml

from simdata.report import i18n
from simdata.report.numbers import plain_number
from simdata.report.plots.common import kpi_unit
from simdata.report.source import Results
from simdata.scenario.models import Target

#: Operators as a planner reads them.
OPS = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}


@dataclass(frozen=True)
class Constraint:
    """One constraint as the candidates table names it (``verdict: KPI OP VALUE``)."""

    column: str
    target: Target
    epsilon: float | None

    @property
    def kpi(self) -> str:
        return self.target.kpi

    def label(self, lang: str) -> str:
        value = i18n.format_value(self.target.value, kpi_unit(self.kpi), lang)
        return f"{i18n.kpi_label(self.kpi, lang)} {OPS[self.target.op]} {value}"

    def margin(self, estimate: float | None) -> float:
        """How far ``estimate`` lies on the target's right side (negative: the wrong side)."""
        if estimate is None or not math.isfinite(estimate):
            return math.nan
        sign = 1.0 if self.target.op in ("<", "<=") else -1.0
        return sign * (self.target.value - estimate)


@dataclass(frozen=True)
class Lever:
    """A lever of the design: its name, cost per unit and values in order."""

    name: str
    cost: float
    values: list[float]

    def below(self, value: float) -> float | None:
        lower = [v for v in self.values if v < value - 1e-9]
        return lower[-1] if lower else None


def constraints_of(candidates: pl.DataFrame, plan: dict[str, Any] | None) -> list[Constraint]:
    """The constraints, from the candidates' verdict columns; ε from ``plan.json``."""
    epsilons = {
        (t.get("kpi"), t.get("target")): t.get("epsilon")
        for t in ((plan or {}).get("targets") or [])
        if isinstance(t, dict)
    }
    found = []
    for column in candidates.columns:
        if not column.startswith("verdict: "):
            continue
        kpi, _, rest = column.removeprefix("verdict: ").partition(" ")
        op, _, value = rest.partition(" ")
        try:
            target = Target.model_validate({"kpi": kpi, op: value})
        except (pydantic.ValidationError, ValueError, TypeError):
            continue
        epsilon = epsilons.get((kpi, rest))
        found.append(Constraint(column, target, float(epsilon) if epsilon is not None else None))
    return found


def levers_of(design: dict[str, Any]) -> list[Lever]:
    """The design's levers with their values (a range of whole numbers, or the levels)."""
    found = []
    for item in design.get("parameters") or []:
        if not isinstance(item, dict):
            continue
        if item.get("levels"):
            values = [float(v) for v in item["levels"]]
        elif item.get("range"):
            low, high = (float(v) for v in item["range"])
            values = [float(v) for v in range(math.ceil(low), math.floor(high) + 1)]
        else:
            values = []
        name = str(item.get("name") or item.get("path"))
        found.append(Lever(name, float(item.get("cost") or 0.0), values))
    return found


def money(value: float | None, lang: str) -> str:
    """Yuan as a planner reads them: ``380,000 元`` / ``38万元`` (元 in both languages,
    as the command line prints costs)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{plain_number(value, lang)}{'元' if lang == 'zh' else ' 元'}"


def status_label(status: object, lang: str) -> str:
    key = f"opt.status.{status}"
    return i18n.text(key, lang) if key in i18n.TEXT else str(status)


def plan_label(row: dict[str, Any], levers: list[Lever]) -> str:
    return ", ".join(
        f"{lever.name} = {plain_number(float(row[lever.name]), 'en')}"
        for lever in levers
        if row.get(lever.name) is not None
    )


def value_text(constraint: Constraint, row: dict[str, Any], lang: str) -> tuple[str, str]:
    """``(estimate, [low, high])`` of ``constraint``'s KPI in ``row``, readable."""
    unit = kpi_unit(constraint.kpi)
    kpi = constraint.kpi
    estimate = i18n.format_value(_number(row.get(kpi)), unit, lang)
    low = i18n.format_value(_number(row.get(f"{kpi} ci_low")), unit, lang)
    high = i18n.format_value(_number(row.get(f"{kpi} ci_high")), unit, lang)
    return estimate, f"[{low}, {high}]"


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and math.isfinite(float(value)):
        return float(value)
    return None


@dataclass
class OptimizeData:
    """What the page reads: the plans in evaluation order, levers, constraints, plan.json."""

    rows: list[dict[str, Any]]
    levers: list[Lever]
    constraints: list[Constraint]
    plan: dict[str, Any] | None

    @property
    def chosen(self) -> dict[str, Any] | None:
        return next((row for row in self.rows if row.get("chosen")), None)


def read_optimize(results: Results) -> OptimizeData:
    """The directory's plans, design and plan.json (missing parts left empty)."""
    candidates = results.table("candidates")
    frame = candidates if candidates is not None else pl.DataFrame()
    plan = results.json("plan.json")
    design: dict[str, Any] = {}
    if results.has("design.yaml"):
        try:
            loaded = yaml.safe_load((results.path / "design.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            loaded = None
        design = loaded if isinstance(loaded, dict) else {}
    return OptimizeData(frame.to_dicts(), levers_of(design), constraints_of(frame, plan), plan)

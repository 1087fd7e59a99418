"""Optimisation designs: which levers, what each unit costs, which targets must hold.

A design file (``docs/optimize.md``) names its levers in the sweep design's grammar
(:class:`simdata.experiments.sweep.design.Parameter`: ``path``, ``name``, ``range`` or
``levels``, ``integer``, ``unit``) plus ``cost`` (元 per unit of the lever) and
``monotone: true`` (more of it never makes a constrained KPI worse). The objective is the
plan's cost ``Σ value × cost``; the constraints are the scenario's targets or a list of
targets; each constraint has a tolerance (``±ε``: a plan whose KPI is within it of the
target is a *tie*, judged feasible-within-tolerance); ``confidence`` is the probability
the guarantee holds and ``max_replications`` caps the replications of one plan.

Validated like scenarios: one line naming file, line, field and what was expected; exit 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from simdata import kpi_names
from simdata.errors import ScenarioError
from simdata.experiments.sweep.design import Parameter, located_error, split_path, validated
from simdata.scenario.loader import kpi_context
from simdata.scenario.models import MAX_REPLICATIONS, Target
from simdata.scenario.strict_yaml import SourceMap, read_yaml_file
from simdata.scenario.units import UnitError, parse_quantity

FieldPath = tuple[str | int, ...]
#: The tolerance of constraints the ``tolerance`` mapping does not name.
DEFAULT_TOLERANCE = "1%"
#: Most plans a monotone lever may offer (its values are enumerated).
MAX_LEVELS = 10_000


class Lever(Parameter):
    """One lever: a sweep parameter with a unit cost, searched as a monotone resource."""

    cost: float = Field(default=0.0, ge=0, description="Cost of one unit of the lever, in 元.")
    monotone: StrictBool = Field(
        default=False,
        description="More of it never makes a constrained KPI worse (frontier search); "
        "false: searched by Optuna.",
    )

    @property
    def continuous(self) -> bool:
        """A range of real numbers (only for levers searched by Optuna)."""
        return self.range is not None and not self.integer

    def values(self) -> list[float]:
        """Every value the search may give the lever, ascending (a continuous range: its
        two ends)."""
        if self.levels is not None:
            return [float(v) for v in self.levels]
        assert self.range is not None  # one kind of values: checked by the design rules
        low, high = self.range
        if self.continuous:
            return [float(low), float(high)]
        return [float(v) for v in range(math.ceil(low), math.floor(high) + 1)]


class Minimise(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    minimise: str


class Maximise(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    maximise: str


class OptimizeDesign(BaseModel):
    """An optimisation design (``scenarios/designs/*.yaml`` with ``objective``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="optimize", description="Short name shown in results.")
    description: str = Field(default="", description="What the design asks.")
    parameters: list[Lever] = Field(min_length=1, description="The levers and their costs.")
    objective: Literal["cost"] | Minimise | Maximise = Field(
        default="cost",
        description="cost: Σ value × cost; {minimise: KPI} or {maximise: KPI}: a mean KPI.",
    )
    indifference: str | float = Field(
        default="0.5%",
        description="KPI objectives: differences smaller than this are ties (a share of "
        "the objective's size, or a value in its unit).",
    )
    constraints: Literal["targets"] | list[dict[str, Any]] = Field(
        default="targets", description="targets (the scenario's) or a list of targets."
    )
    tolerance: dict[str, str | float] = Field(
        default_factory=dict, description="Per constraint KPI (and default): ±ε of a tie."
    )
    confidence: float = Field(default=0.95, gt=0.5, lt=1, description="P(guarantee holds).")
    max_replications: StrictInt = Field(
        default=200, ge=10, le=MAX_REPLICATIONS, description="Cap on one plan's replications."
    )
    first_replications: StrictInt = Field(
        default=10, ge=2, description="Replications of a plan's first look (then doubling)."
    )
    trials: StrictInt = Field(
        default=48, ge=1, le=10_000, description="Optuna trials (levers not all monotone)."
    )
    batch: StrictInt = Field(
        default=8, ge=1, le=1_000, description="Optuna trials asked and told together."
    )
    confirm: StrictInt = Field(
        default=4, ge=1, le=100, description="Best Optuna plans confirmed with the guarantee."
    )
    pilot_check: StrictBool = Field(
        default=True,
        description="Check levers declared monotone on a pilot before the search (false: "
        "trust the declaration, e.g. when only the feasible set is an upper set).",
    )
    seed: StrictInt | None = Field(
        default=None, ge=0, description="Root seed of every plan; default: the scenario's."
    )
    set: list[str] = Field(
        default_factory=list,
        description="Base overrides as --set writes them (`path=value`), applied before the "
        "command line's: the design states the load it answers for.",
    )


@dataclass(frozen=True)
class Tolerance:
    """A constraint's ±ε: absolute (SI) or relative to the target's value."""

    value: float
    relative: bool
    text: str

    def epsilon(self, target: float) -> float:
        """ε in the KPI's SI unit for a target of value ``target``."""
        return self.value * abs(target) if self.relative else self.value


@dataclass(frozen=True)
class LoadedOptimizeDesign:
    """A validated design and where its fields came from (for error lines)."""

    design: OptimizeDesign
    file: str
    source: SourceMap

    def error(self, path: FieldPath, message: str) -> ScenarioError:
        return located_error(self.source, self.file, path, message)

    def tolerance_for(self, kpi: str) -> Tolerance:
        """The tolerance of a constraint on ``kpi`` (its own entry, else ``default``)."""
        table = self.design.tolerance
        raw = table.get(kpi, table.get("default", DEFAULT_TOLERANCE))
        return parse_tolerance(raw)

    def constraints(self, scenario_targets: list[Target], units: dict[str, str]) -> list[Target]:
        """The constraints: the scenario's targets, or the design's list validated."""
        spec = self.design.constraints
        if spec == "targets":
            return list(scenario_targets)
        found = []
        for index, item in enumerate(spec):
            try:
                found.append(Target.model_validate(item, context=kpi_context(units)))
            except ValidationError as error:
                message = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
                raise self.error(("constraints", index), message) from None
        return found


def objective_kpi(design: OptimizeDesign) -> str | None:
    """The KPI a KPI objective names (None: the objective is the plan's cost)."""
    objective = design.objective
    if isinstance(objective, Minimise):
        return objective.minimise
    if isinstance(objective, Maximise):
        return objective.maximise
    return None


def parse_tolerance(raw: str | float) -> Tolerance:
    """``"1%"`` → 1 % of the target's value; ``"2 ms"``/``0.005`` → absolute, SI."""
    if isinstance(raw, str) and raw.strip().endswith("%"):
        value, _ = parse_quantity(raw)
        return Tolerance(value, True, raw)
    value, _ = parse_quantity(raw)
    return Tolerance(value, False, raw if isinstance(raw, str) else f"{raw:.12g}")


def design_from_data(
    data: Any, file: str = "<design>", source: SourceMap | None = None
) -> LoadedOptimizeDesign:
    """Validate design data (a mapping) into a :class:`LoadedOptimizeDesign`."""
    source = source if source is not None else SourceMap()
    if not isinstance(data, dict):
        raise ScenarioError(
            "expected a mapping of design fields (parameters, objective, constraints, …), "
            f"got {type(data).__name__}",
            file=file,
            line=1,
        )
    design = validated(
        OptimizeDesign,
        data,
        source,
        file,
        lambda at: (Lever if "parameters" in at else OptimizeDesign).model_fields,
    )
    loaded = LoadedOptimizeDesign(design, file, source)
    _check_rules(loaded)
    return loaded


def load_optimize_design(path: str | Path) -> LoadedOptimizeDesign:
    """Read an optimisation design with the strict YAML reader and validate it."""
    shown = str(path)
    if not Path(path).exists():
        raise ScenarioError("expected an existing design file, got no such file", file=shown)
    data, source = read_yaml_file(Path(path), shown)
    return design_from_data(data, shown, source)


def _check_rules(loaded: LoadedOptimizeDesign) -> None:
    """The rules a schema cannot say, in the order a reader would fix them."""
    design = loaded.design
    kpi = objective_kpi(design)
    if kpi is not None:
        kind = "minimise" if isinstance(design.objective, Minimise) else "maximise"
        try:
            kpi_names.parse(kpi)
        except ValueError as error:
            raise loaded.error(("objective", kind), f"expected a KPI name, got {error}") from None
    try:
        indifference = parse_tolerance(design.indifference)
    except UnitError as error:
        raise loaded.error(("indifference",), str(error)) from None
    if not (math.isfinite(indifference.value) and indifference.value > 0):
        raise loaded.error(("indifference",), f"expected a value > 0, got {design.indifference!r}")
    seen: dict[FieldPath, str] = {}
    for index, lever in enumerate(design.parameters):
        _check_lever(loaded, index, lever, seen)
    for index, item in enumerate(design.set):
        if "=" not in item or not item.split("=", 1)[0].strip():
            raise loaded.error(("set", index), f"expected path=value, got {item!r}")
    for key, raw in design.tolerance.items():
        if key != "default":
            try:
                kpi_names.parse(key)
            except ValueError as error:
                raise loaded.error(
                    ("tolerance", key), f"expected a KPI name, got {error}"
                ) from None
        try:
            tolerance = parse_tolerance(raw)
        except UnitError as error:
            raise loaded.error(("tolerance", key), str(error)) from None
        if not (math.isfinite(tolerance.value) and tolerance.value >= 0):
            raise loaded.error(("tolerance", key), f"expected a value ≥ 0, got {raw!r}")


def _check_lever(
    loaded: LoadedOptimizeDesign, index: int, lever: Lever, seen: dict[FieldPath, str]
) -> None:
    where: FieldPath = ("parameters", index)
    field = tuple(split_path(lever.path.strip()))
    if field in seen:
        raise loaded.error(
            (*where, "path"),
            f"expected each scenario field in one lever only, got {lever.path!r} twice",
        )
    if lever.label in seen.values():
        raise loaded.error(
            (*where, "name"), f"expected each lever name once, got {lever.label!r} twice"
        )
    seen[field] = lever.label
    given = [k for k in ("range", "levels", "distribution") if getattr(lever, k) is not None]
    if given not in (["range"], ["levels"]):
        raise loaded.error(
            where, "expected exactly one of range, levels, got " + (", ".join(given) or "none")
        )
    if lever.range is not None:
        low, high = lever.range
        if not lever.integer and lever.monotone:
            raise loaded.error(
                (*where, "integer"),
                "expected integer: true for a monotone range (the search steps through its "
                "whole numbers), got false",
            )
        if lever.continuous and not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise loaded.error(
                (*where, "range"), f"expected [low, high] with low < high, got [{low:g}, {high:g}]"
            )
        if lever.continuous:
            return
        if not (math.isfinite(low) and math.isfinite(high) and math.ceil(low) <= high):
            raise loaded.error(
                (*where, "range"),
                f"expected [low, high] holding a whole number, got [{low:g}, {high:g}]",
            )
        if high - low + 1 > MAX_LEVELS:
            raise loaded.error((*where, "range"), f"expected at most {MAX_LEVELS:,} values")
    elif lever.levels is not None and any(
        b <= a for a, b in zip(lever.levels, lever.levels[1:], strict=False)
    ):
        raise loaded.error((*where, "levels"), "expected levels in increasing order")

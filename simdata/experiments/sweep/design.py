"""Sweep designs: which scenario fields vary, over what, sampled and analysed by SALib.

A design file names parameters by scenario field path (``resolution.servers``) with a range,
a list of levels or a distribution; picks a method (``grid | lhs | morris | sobol | fast``,
see :mod:`simdata.experiments.sweep.methods`), a sample size and replications per point;
and lists the KPIs to analyse. Sampling and indices come from SALib (Herman & Usher 2017;
Iwanaga et al. 2022).

Values carry units the way scenario fields do: a parameter's ``unit`` is appended to the
number (``unit: ms`` → ``"2.5 ms"``; units starting with ``%`` or ``/`` are appended
without a space: ``"5%/month"``, ``"7.2/s"``); ``integer: true`` rounds first. Each point
becomes ``--set``-style overrides of the base scenario and is validated the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from simdata.errors import ScenarioError
from simdata.experiments.sweep.methods import METHODS, NOISE_LEVER
from simdata.scenario.loader import scenario_error
from simdata.scenario.strict_yaml import SourceMap, read_yaml_file

M = TypeVar("M", bound=BaseModel)

Method = Literal["grid", "lhs", "morris", "sobol", "fast"]
FieldPath = tuple[str | int, ...]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NormalDist(_Strict):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)


class LognormalDist(_Strict):
    """Lognormal by its median and the standard deviation of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)


class TriangularDist(_Strict):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float


Distribution = Annotated[NormalDist | LognormalDist | TriangularDist, Field(discriminator="dist")]


class Parameter(_Strict):
    """One lever: a scenario field and the values it takes."""

    path: str = Field(min_length=1, description="Scenario field path, as for --set (a.b.0.c).")
    name: str | None = Field(default=None, description="Label in tables; default: the path.")
    range: tuple[float, float] | None = Field(
        default=None, description="[low, high], sampled uniformly (or log-uniformly)."
    )
    scale: Literal["linear", "log"] = Field(
        default="linear", description="How a range is sampled: uniform or log-uniform."
    )
    levels: list[float] | None = Field(
        default=None, min_length=2, description="Discrete values, equally likely."
    )
    distribution: Distribution | None = Field(
        default=None, description="normal, lognormal or triangular (not for morris or grid)."
    )
    unit: str | None = Field(default=None, description="Unit appended to the number.")
    integer: StrictBool = Field(default=False, description="Round to a whole number first.")

    @property
    def label(self) -> str:
        return self.name or self.path

    def text(self, value: float) -> str:
        """The override value for ``value``: the number with its unit (``"2.5 ms"``)."""
        number = str(round(value)) if self.integer else f"{value:.12g}"
        if self.unit is None:
            return number
        joiner = "" if self.unit.startswith(("%", "/")) else " "
        return f"{number}{joiner}{self.unit}"


class Design(_Strict):
    """A sweep design (``scenarios/designs/*.yaml``)."""

    name: str = Field(default="sweep", description="Short name shown in results.")
    description: str = Field(default="", description="What the design asks.")
    method: Method = Field(description="grid | lhs | morris | sobol | fast.")
    samples: StrictInt = Field(
        default=16,
        ge=1,
        description="morris: trajectories r; sobol: base size N (a power of two); lhs: "
        "points; fast: points per parameter (> 64); grid: unused.",
    )
    levels: StrictInt = Field(
        default=4, ge=2, description="morris: grid levels p; grid: points per range."
    )
    replications: StrictInt = Field(default=2, ge=1, description="Replications per point.")
    seed: StrictInt | None = Field(
        default=None, ge=0, description="Root seed of every point; default: the scenario's."
    )
    sampler_seed: StrictInt = Field(
        default=1, ge=0, description="SALib's seed (sample and bootstrap CIs)."
    )
    calc_second_order: StrictBool = Field(
        default=False, description="sobol: also second-order indices (more points)."
    )
    kpis: list[str] = Field(min_length=1, description="KPIs to analyse (registry names).")
    parameters: list[Parameter] = Field(min_length=1, description="The levers.")


def located_error(source: SourceMap, file: str, path: FieldPath, message: str) -> ScenarioError:
    """A design file's one-line error at ``path``, with the line it came from."""
    origin = source.locate(path)
    return ScenarioError(
        message,
        file=file,
        line=origin.line if origin else None,
        path=".".join(str(p) for p in path),
    )


@dataclass(frozen=True)
class LoadedDesign:
    """A validated design and where its fields came from (for error lines)."""

    design: Design
    file: str
    source: SourceMap

    def error(self, path: FieldPath, message: str) -> ScenarioError:
        return located_error(self.source, self.file, path, message)


def split_path(text: str) -> list[str | int]:
    """``a.b.0.c`` → ``["a", "b", 0, "c"]`` (as ``--set`` reads a field path)."""
    return [int(part) if part.isdigit() else part for part in text.split(".")]


def _model_fields(path: FieldPath) -> list[str]:
    model: type[BaseModel] = Parameter if "parameters" in path else Design
    if "distribution" in path:
        return ["dist", "mean", "sd", "median", "sigma", "low", "mode", "high"]
    return list(model.model_fields)


def design_from_data(
    data: Any, file: str = "<design>", source: SourceMap | None = None
) -> LoadedDesign:
    """Validate design data (a mapping) into a :class:`LoadedDesign`; checks its own rules."""
    source = source if source is not None else SourceMap()
    if not isinstance(data, dict):
        raise ScenarioError(
            "expected a mapping of design fields (method, parameters, kpis, …), got "
            f"{type(data).__name__}",
            file=file,
            line=1,
        )
    design = validated(Design, data, source, file, _model_fields)
    loaded = LoadedDesign(design, file, source)
    _check_rules(loaded)
    return loaded


def validated(
    model: type[M],
    data: Any,
    source: SourceMap,
    file: str,
    fields_at: Callable[[FieldPath], Iterable[str]],
) -> M:
    """``model`` validated from a design file's mapping; the first error as one line with
    the file and line, an unknown field answered with the fields known there
    (``fields_at(location)``). Shared by sweep and optimisation designs."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        converted = scenario_error(error, data, source, file)
        if first["type"] == "extra_forbidden":
            known = ", ".join(fields_at(tuple(first["loc"])))
            raise ScenarioError(
                f"expected a known field ({known}), got an unknown field",
                file=converted.file,
                line=converted.line,
                path=converted.path,
            ) from None
        raise converted from None


def load_design(path: str | Path) -> LoadedDesign:
    """Read a design file with the strict YAML reader and validate it."""
    shown = str(path)
    if not Path(path).exists():
        raise ScenarioError("expected an existing design file, got no such file", file=shown)
    data, source = read_yaml_file(Path(path), shown)
    return design_from_data(data, shown, source)


def _check_rules(loaded: LoadedDesign) -> None:
    """The rules a schema cannot say, in the order a reader would fix them."""
    design = loaded.design
    refused = METHODS[design.method].check_samples(design.samples)
    if refused is not None:
        raise loaded.error(("samples",), refused)
    for index, kpi in enumerate(design.kpis):
        if design.kpis.index(kpi) != index:
            raise loaded.error(("kpis", index), f"expected each KPI once, got {kpi!r} twice")
    _check_fields_set_once(loaded)
    labels = [p.label for p in design.parameters]
    for index in range(len(design.parameters)):
        _check_parameter(loaded, index, labels)


def _check_fields_set_once(loaded: LoadedDesign) -> None:
    """Refuse two parameters on one field, or one inside a field another sets.

    Overrides are applied in order, so the second would silently win and points.parquet
    would record values never applied to the first.
    """
    setters: dict[FieldPath, str] = {}
    for index, parameter in enumerate(loaded.design.parameters):
        field = tuple(split_path(parameter.path.strip()))
        for other, label in setters.items():
            shorter = min(len(field), len(other))
            if field[:shorter] != other[:shorter]:
                continue
            dotted = ".".join(str(part) for part in other)
            if field == other:
                clash = f"which parameter {label!r} already sets"
            elif len(field) < len(other):
                clash = f"which holds {dotted}, set by parameter {label!r}"
            else:
                clash = f"inside {dotted}, set by parameter {label!r}"
            raise loaded.error(
                ("parameters", index, "path"),
                f"expected each scenario field in one parameter only, got "
                f"{parameter.path!r}, {clash}",
            )
        setters[field] = parameter.label


def _check_parameter(loaded: LoadedDesign, index: int, labels: list[str]) -> None:
    """One parameter's name, its one kind of values, and those values."""
    design = loaded.design
    parameter = design.parameters[index]
    where: FieldPath = ("parameters", index)
    if parameter.label in {"point", "replication", NOISE_LEVER, *design.kpis}:
        # points.parquet has one column per parameter beside point, replication, the noise
        # lever and the KPIs: a parameter named like one of them would overwrite it.
        raise loaded.error(
            (*where, "name" if parameter.name is not None else "path"),
            f"expected a parameter name other than point, replication, {NOISE_LEVER} and the "
            f"design's KPIs (columns of points.parquet), got {parameter.label!r}",
        )
    given = [k for k in ("range", "levels", "distribution") if getattr(parameter, k) is not None]
    if len(given) != 1:
        raise loaded.error(
            where,
            "expected exactly one of range, levels, distribution, got "
            + (", ".join(given) or "none"),
        )
    if labels.count(parameter.label) > 1:
        raise loaded.error(
            (*where, "path"), f"expected each parameter once, got {parameter.label!r} twice"
        )
    _check_values(loaded, where, parameter)


def _check_values(loaded: LoadedDesign, where: FieldPath, parameter: Parameter) -> None:
    if parameter.range is not None:
        low, high = parameter.range
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise loaded.error(
                (*where, "range"),
                f"expected [low, high] with low < high, got [{low:g}, {high:g}]",
            )
        if parameter.scale == "log" and low <= 0:
            raise loaded.error((*where, "range"), f"expected low > 0 for scale: log, got {low:g}")
    dist = parameter.distribution
    if isinstance(dist, TriangularDist) and not dist.low <= dist.mode <= dist.high > dist.low:
        raise loaded.error(
            (*where, "distribution"),
            f"expected low ≤ mode ≤ high with low < high, got {dist.low:g}, {dist.mode:g}, "
            f"{dist.high:g}",
        )
    method = loaded.design.method
    if isinstance(dist, NormalDist | LognormalDist) and METHODS[method].bounded:
        raise loaded.error(
            (*where, "distribution"),
            f"expected a range or levels for {method} (its levels include the "
            f"ends of the range), got a {dist.dist} distribution",
        )

"""Sweep designs: which scenario fields vary, over what, sampled and analysed by SALib.

A design file names parameters by scenario field path (``resolution.servers``) with a range,
a list of levels or a distribution; picks a method (``grid | lhs | morris | sobol | fast``),
a sample size and replications per point; and lists the KPIs to analyse. Sampling and
indices come from SALib (Herman & Usher 2017; Iwanaga et al. 2022): Morris (1991) with
Campolongo et al. (2007) μ*, Sobol' (2001) with Saltelli et al. (2010) estimators on
``SALib.sample.sobol``, eFAST (Saltelli et al. 1999) and RBD-FAST (Tarantola et al. 2006)
for Latin-hypercube samples. A grid is an ordinary full factorial with no indices.

Values carry units the way scenario fields do: a parameter's ``unit`` is appended to the
number (``unit: ms`` → ``"2.5 ms"``; units starting with ``%`` or ``/`` are appended
without a space: ``"5%/month"``, ``"7.2/s"``); ``integer: true`` rounds first. Each point
becomes ``--set``-style overrides of the base scenario and is validated the same way.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

# SALib ships no type information (no py.typed).
from SALib.analyze import fast as fast_analyze
from SALib.analyze import morris as morris_analyze
from SALib.analyze import rbd_fast
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import fast_sampler, latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy import stats

from simdata.analysis import kpi_names
from simdata.analysis.kpis import REGISTRY, kpi_units
from simdata.errors import ScenarioError
from simdata.scenario.loader import apply_override, kpi_context, scenario_error
from simdata.scenario.models import Scenario
from simdata.scenario.strict_yaml import Origin, SourceMap, read_yaml_file

Method = Literal["grid", "lhs", "morris", "sobol", "fast"]
#: eFAST's interference factor (SALib's default M); a FAST sample needs N > 4·M².
FAST_M = 4


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


@dataclass(frozen=True)
class LoadedDesign:
    """A validated design and where its fields came from (for error lines)."""

    design: Design
    file: str
    source: SourceMap

    def error(self, path: tuple[str | int, ...], message: str) -> ScenarioError:
        origin = self.source.locate(path)
        return ScenarioError(
            message,
            file=self.file,
            line=origin.line if origin else None,
            path=".".join(str(p) for p in path),
        )


def _model_fields(path: tuple[str | int, ...]) -> list[str]:
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
    try:
        design = Design.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        converted = scenario_error(error, data, source, file)
        if first["type"] == "extra_forbidden":
            known = ", ".join(_model_fields(tuple(first["loc"])))
            raise ScenarioError(
                f"expected a known field ({known}), got an unknown field",
                file=converted.file,
                line=converted.line,
                path=converted.path,
            ) from None
        raise converted from None
    loaded = LoadedDesign(design, file, source)
    _check_rules(loaded)
    return loaded


def load_design(path: str | Path) -> LoadedDesign:
    """Read a design file with the strict YAML reader and validate it."""
    shown = str(path)
    if not Path(path).exists():
        raise ScenarioError("expected an existing design file, got no such file", file=shown)
    data, source = read_yaml_file(Path(path), shown)
    return design_from_data(data, shown, source)


def _nearest_powers(n: int) -> tuple[int, int]:
    low = 1 << max(n.bit_length() - 1, 0)
    return low, low * 2


def _check_rules(loaded: LoadedDesign) -> None:
    design = loaded.design
    if design.method == "sobol":
        n = design.samples
        if n < 2 or n & (n - 1):
            below, above = _nearest_powers(n)
            nearest = f"{above}" if below < 2 else f"{below} or {above}"
            raise loaded.error(
                ("samples",),
                f"expected a power of two for sobol (nearest: {nearest}), got {n}",
            )
    if design.method == "fast" and design.samples <= 4 * FAST_M**2:
        raise loaded.error(
            ("samples",),
            f"expected more than {4 * FAST_M**2} points per parameter for fast (4·M², "
            f"M = {FAST_M}), got {design.samples}",
        )
    for index, kpi in enumerate(design.kpis):
        if design.kpis.index(kpi) != index:
            raise loaded.error(("kpis", index), f"expected each KPI once, got {kpi!r} twice")
    labels = [p.label for p in design.parameters]
    # Overrides are applied in order, so a second parameter on a field (or inside a field
    # another one sets) would silently win and points.parquet would record values never
    # applied to the first.
    setters: dict[tuple[str | int, ...], str] = {}
    for index, parameter in enumerate(design.parameters):
        field = tuple(_split_path(parameter.path.strip()))
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
    reserved = {"point", "replication", *design.kpis}
    for index, parameter in enumerate(design.parameters):
        where = ("parameters", index)
        if parameter.label in reserved:
            # points.parquet has one column per parameter beside point, replication and
            # the KPIs: a parameter named like one of them would overwrite it.
            raise loaded.error(
                (*where, "name" if parameter.name is not None else "path"),
                f"expected a parameter name other than point, replication and the design's "
                f"KPIs (columns of points.parquet), got {parameter.label!r}",
            )
        given = [
            key
            for key in ("range", "levels", "distribution")
            if getattr(parameter, key) is not None
        ]
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
        if parameter.range is not None:
            low, high = parameter.range
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise loaded.error(
                    (*where, "range"),
                    f"expected [low, high] with low < high, got [{low:g}, {high:g}]",
                )
            if parameter.scale == "log" and low <= 0:
                raise loaded.error(
                    (*where, "range"), f"expected low > 0 for scale: log, got {low:g}"
                )
        dist = parameter.distribution
        if isinstance(dist, TriangularDist) and not dist.low <= dist.mode <= dist.high > dist.low:
            raise loaded.error(
                (*where, "distribution"),
                f"expected low ≤ mode ≤ high with low < high, got {dist.low:g}, {dist.mode:g}, "
                f"{dist.high:g}",
            )
        if isinstance(dist, NormalDist | LognormalDist) and design.method in ("morris", "grid"):
            raise loaded.error(
                (*where, "distribution"),
                f"expected a range or levels for {design.method} (its levels include the "
                f"ends of the range), got a {dist.dist} distribution",
            )


def _lookup(data: Any, path: Sequence[str | int]) -> tuple[bool, str]:
    """Whether ``path`` names a field in dumped scenario data (and, if not, why)."""
    node = data
    for depth, part in enumerate(path):
        here = ".".join(str(p) for p in path[:depth]) or "the top level"
        if isinstance(node, dict):
            if part not in node:
                return False, f"no field {part} under {here}"
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                return False, f"no item {part} in the list at {here}"
            node = node[part]
        elif node is None:
            return False, f"{here} is switched off in the scenario"
        else:
            return False, f"{here} is a value, not a section"
    if isinstance(node, dict | list):
        return False, "it is a section, not a value"
    return True, ""


def _split_path(text: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in text.split(".")]


@dataclass(frozen=True)
class Sample:
    """A design's points: SALib's matrix and the field values each point gives."""

    #: SALib's sample matrix (levels as positions in [0, n)), one row per point.
    matrix: np.ndarray
    #: Per point, parameter label → the value applied (after rounding and levels).
    values: list[dict[str, float]]


class Sweepable:
    """A design bound to the problem SALib sees; samples points and analyses outputs."""

    def __init__(self, loaded: LoadedDesign) -> None:
        self.loaded = loaded
        self.design = loaded.design
        self.parameters = loaded.design.parameters

    @property
    def problem(self) -> dict[str, Any]:
        bounds: list[list[float]] = []
        dists: list[str] = []
        for parameter in self.parameters:
            dist = parameter.distribution
            if parameter.levels is not None:
                bounds.append([0.0, float(len(parameter.levels))])
                dists.append("unif")
            elif parameter.range is not None:
                bounds.append([float(parameter.range[0]), float(parameter.range[1])])
                dists.append("logunif" if parameter.scale == "log" else "unif")
            elif isinstance(dist, NormalDist):
                bounds.append([dist.mean, dist.sd])
                dists.append("norm")
            elif isinstance(dist, LognormalDist):
                bounds.append([math.log(dist.median), dist.sigma])
                dists.append("lognorm")
            elif isinstance(dist, TriangularDist):
                width = dist.high - dist.low
                bounds.append([dist.low, dist.high, (dist.mode - dist.low) / width])
                dists.append("triang")
        return {
            "num_vars": len(self.parameters),
            "names": [p.label for p in self.parameters],
            "bounds": bounds,
            "dists": dists,
        }

    def point_count(self) -> int:
        """Points the design evaluates (each run ``replications`` times), by arithmetic.

        Never samples: a 1000³ grid or 10⁸ samples is sized in microseconds, so it can be
        refused (or shown by ``--dry-run``) before a matrix of gigabytes is built.
        """
        return self.size()[0]

    def size(self) -> tuple[int, str]:
        """The point count and how it follows from the design (``"16 × (5 + 2)"``)."""
        d, n = len(self.parameters), self.design.samples
        method = self.design.method
        if method == "morris":
            return n * (d + 1), f"{n} trajectories × ({d} parameters + 1)"
        if method == "sobol":
            if self.design.calc_second_order:
                return n * (2 * d + 2), f"N = {n} × (2 × {d} parameters + 2)"
            return n * (d + 2), f"N = {n} × ({d} parameters + 2)"
        if method == "fast":
            return n * d, f"{n} × {d} parameters"
        if method == "lhs":
            return n, f"{n} samples"
        axes = [self._grid_levels(p) for p in self.parameters]
        return math.prod(axes), " × ".join(str(a) for a in axes) + " levels"

    def _grid_levels(self, parameter: Parameter) -> int:
        """How many values one parameter takes on the grid."""
        if parameter.levels is not None:
            return len(parameter.levels)
        return self.design.levels

    def size_field(self) -> tuple[str, ...]:
        """The design field whose reduction shrinks the point count (for error lines)."""
        if self.design.method != "grid":
            return ("samples",)
        if any(p.levels is None for p in self.parameters):
            return ("levels",)
        return ("parameters",)

    def _grid_axis(self, parameter: Parameter) -> list[float]:
        """Matrix values of one parameter on the grid (level positions for levels)."""
        if parameter.levels is not None:
            return [i + 0.5 for i in range(len(parameter.levels))]
        assert parameter.range is not None  # other kinds are refused for grid
        low, high = parameter.range
        if parameter.scale == "log":
            return list(np.geomspace(low, high, self.design.levels))
        return list(np.linspace(low, high, self.design.levels))

    def sample(self) -> Sample:
        """SALib's sample for the method (an ordinary product for grid)."""
        design, problem, seed = self.design, self.problem, self.design.sampler_seed
        if design.method == "morris":
            matrix = morris_sample.sample(
                problem, design.samples, num_levels=design.levels, seed=seed
            )
        elif design.method == "sobol":
            matrix = sobol_sample.sample(
                problem, design.samples, calc_second_order=design.calc_second_order, seed=seed
            )
        elif design.method == "fast":
            matrix = fast_sampler.sample(problem, design.samples, M=FAST_M, seed=seed)
        elif design.method == "lhs":
            matrix = latin.sample(problem, design.samples, seed=seed)
        else:
            axes = [self._grid_axis(p) for p in self.parameters]
            matrix = np.array(list(itertools.product(*axes)), dtype=np.float64)
        matrix = np.asarray(matrix, dtype=np.float64)
        return Sample(matrix, [self.values_at(row) for row in matrix])

    def values_at(self, row: np.ndarray) -> dict[str, float]:
        """Parameter label → the value a matrix row applies (levels picked, integers rounded)."""
        values = {}
        for parameter, x in zip(self.parameters, row, strict=True):
            if parameter.levels is not None:
                position = min(max(math.floor(x), 0), len(parameter.levels) - 1)
                value = float(parameter.levels[position])
            else:
                value = float(x)
            values[parameter.label] = float(round(value)) if parameter.integer else value
        return values

    def overrides(self, values: dict[str, float]) -> list[str]:
        """``--set``-style overrides (``path=text``) for one point."""
        return [f"{p.path}={p.text(values[p.label])}" for p in self.parameters]

    def check_values(self) -> list[tuple[int, float]]:
        """Values worth validating against the scenario: ends of ranges, every level."""
        checks: list[tuple[int, float]] = []
        for index, parameter in enumerate(self.parameters):
            dist = parameter.distribution
            if parameter.levels is not None:
                ends = list(parameter.levels)
            elif parameter.range is not None:
                ends = list(parameter.range)
            elif isinstance(dist, NormalDist):
                ends = [float(stats.norm.ppf(q, dist.mean, dist.sd)) for q in (0.001, 0.999)]
            elif isinstance(dist, LognormalDist):
                ends = [float(dist.median * math.exp(z * dist.sigma)) for z in (-3.09, 3.09)]
            elif isinstance(dist, TriangularDist):
                ends = [dist.low, dist.high]
            else:  # pragma: no cover - refused by _check_rules
                ends = []
            checks += [(index, float(round(v)) if parameter.integer else v) for v in ends]
        return checks

    # -- checking against a scenario ---------------------------------------------------

    def check_against(self, scenario: Scenario) -> None:
        """Refuse parameter paths the scenario lacks, values it rejects and unknown KPIs."""
        data = scenario.model_dump(mode="json", by_alias=True, exclude={"extends"})
        for index, parameter in enumerate(self.parameters):
            found, why = _lookup(data, _split_path(parameter.path))
            if not found:
                raise self.loaded.error(
                    ("parameters", index, "path"),
                    f"expected a field of scenario {scenario.name!r} (like "
                    f"resolution.servers), got {parameter.path!r}: {why}",
                )
        for index, value in self.check_values():
            parameter = self.parameters[index]
            try:
                point_scenario(scenario, [f"{parameter.path}={parameter.text(value)}"])
            except ScenarioError as error:
                kind = (
                    "levels"
                    if parameter.levels is not None
                    else ("range" if parameter.range is not None else "distribution")
                )
                raise self.loaded.error(
                    ("parameters", index, kind),
                    f"expected values scenario field {parameter.path} accepts, got "
                    f"{parameter.text(value)!r} ({error.detail})",
                ) from None
        known = set(REGISTRY)
        for index, kpi in enumerate(self.design.kpis):
            if kpi_names.base_of(kpi) not in known:
                raise self.loaded.error(
                    ("kpis", index),
                    f"expected a KPI name from the registry (docs/kpis.md), got {kpi!r}",
                )

    # -- analysis -----------------------------------------------------------------------

    def analyse(self, matrix: np.ndarray, outputs: np.ndarray) -> list[dict[str, Any]]:
        """SALib's indices for one KPI's point means, as rows (``parameter, index, value, conf``).

        Rows carry the half-width ``conf`` of SALib's bootstrap CI (None where SALib gives
        none: Morris σ and μ). A grid has no indices.
        """
        design, problem, seed = self.design, self.problem, self.design.sampler_seed
        names = problem["names"]
        rows: list[dict[str, Any]] = []

        def add(index: str, values: Any, confs: Any | None) -> None:
            for i, name in enumerate(names):
                conf = None if confs is None else float(confs[i])
                rows.append(
                    {"parameter": name, "index": index, "value": float(values[i]), "conf": conf}
                )

        if design.method == "grid":
            return rows
        if design.method == "morris":
            result = morris_analyze.analyze(
                problem, matrix, outputs, num_levels=design.levels, seed=seed
            )
            add("mu_star", result["mu_star"], result["mu_star_conf"])
            add("mu", result["mu"], None)
            add("sigma", result["sigma"], None)
        elif design.method == "sobol":
            result = sobol_analyze.analyze(
                problem, outputs, calc_second_order=design.calc_second_order, seed=seed
            )
            add("S1", result["S1"], result["S1_conf"])
            add("ST", result["ST"], result["ST_conf"])
        elif design.method == "fast":
            result = fast_analyze.analyze(problem, outputs, M=FAST_M, seed=seed)
            add("S1", result["S1"], result["S1_conf"])
            add("ST", result["ST"], result["ST_conf"])
        else:
            result = rbd_fast.analyze(problem, matrix, outputs, seed=seed)
            add("S1", result["S1"], result["S1_conf"])
        return rows


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The fields ``scenario`` set, as JSON values: validates back to an equal scenario."""
    return scenario.model_dump(mode="json", by_alias=True, exclude={"extends"}, exclude_unset=True)


def _fill_parents(data: Any, full: Any, path: Sequence[str | int]) -> None:
    """Copy the defaulted sections along ``path`` from ``full`` into the sparse ``data``."""
    node, reference = data, full
    for part in path[:-1]:
        if isinstance(node, dict) and isinstance(reference, dict) and isinstance(part, str):
            if part not in node and isinstance(reference.get(part), dict | list):
                node[part] = copy.deepcopy(reference[part])
            node, reference = node.get(part), reference.get(part)
        elif isinstance(node, list) and isinstance(reference, list) and isinstance(part, int):
            if part >= min(len(node), len(reference)):
                return
            node, reference = node[part], reference[part]
        else:
            return


def point_scenario(base: Scenario, overrides: Sequence[str]) -> Scenario:
    """``base`` with ``overrides`` applied and validated like ``--set`` values."""
    # Only the fields the base set: a dump with defaults may not validate again (a defaulted
    # section that another section excludes). Sections an override reaches into are copied
    # from the full dump, so a defaulted one keeps its other fields (and its ``dist`` tag).
    data = scenario_data(base)
    full = base.model_dump(mode="json", by_alias=True, exclude={"extends"})
    source = SourceMap({(): Origin("<sweep point>", None, None, True)})
    for text in overrides:
        _fill_parents(data, full, _split_path(text.split("=", 1)[0]))
        apply_override(data, source, text, "<sweep point>")
    try:
        return Scenario.model_validate(data, context=kpi_context(kpi_units()))
    except ValidationError as error:
        raise scenario_error(error, data, source, "<sweep point>") from None

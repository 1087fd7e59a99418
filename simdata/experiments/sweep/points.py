"""A design's points: the problem SALib sees, the sample, each point's scenario, indices.

:class:`Sweepable` binds a design to SALib's problem; the method table
(:mod:`simdata.experiments.sweep.methods`) samples and analyses. Each point becomes
``--set``-style overrides of the base scenario (:func:`point_scenario`), validated the
way ``--set`` values are. Morris, Sobol' and eFAST designs get the noise lever as their last
lever (:mod:`simdata.experiments.sweep.noise`): it is in SALib's problem, the sample and every
point's values, never in a point's scenario.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError
from scipy import stats

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY, kpi_units
from simdata.arrays import FloatArray
from simdata.errors import ScenarioError
from simdata.experiments.sweep.design import (
    LoadedDesign,
    LognormalDist,
    NormalDist,
    Parameter,
    TriangularDist,
    split_path,
)
from simdata.experiments.sweep.methods import METHODS, NOISE_LEVER, Problem
from simdata.experiments.sweep.noise import near_zero, point_seed
from simdata.scenario.loader import apply_override, kpi_context, scenario_error
from simdata.scenario.models import Scenario
from simdata.scenario.strict_yaml import Origin, SourceMap


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


def _bounds(parameter: Parameter) -> tuple[list[float], str]:
    """One parameter's SALib bounds and distribution name."""
    dist = parameter.distribution
    if parameter.levels is not None:
        return [0.0, float(len(parameter.levels))], "unif"
    if parameter.range is not None:
        low, high = float(parameter.range[0]), float(parameter.range[1])
        return [low, high], "logunif" if parameter.scale == "log" else "unif"
    if isinstance(dist, NormalDist):
        return [dist.mean, dist.sd], "norm"
    if isinstance(dist, LognormalDist):
        return [math.log(dist.median), dist.sigma], "lognorm"
    assert isinstance(dist, TriangularDist)  # one kind of values each: design rules
    width = dist.high - dist.low
    return [dist.low, dist.high, (dist.mode - dist.low) / width], "triang"


def _ends(parameter: Parameter) -> list[float]:
    """Values of one parameter worth validating: ends of its range, every level, tails."""
    dist = parameter.distribution
    if parameter.levels is not None:
        return list(parameter.levels)
    if parameter.range is not None:
        return list(parameter.range)
    if isinstance(dist, NormalDist):
        return [float(stats.norm.ppf(q, dist.mean, dist.sd)) for q in (0.001, 0.999)]
    if isinstance(dist, LognormalDist):
        return [float(dist.median * math.exp(z * dist.sigma)) for z in (-3.09, 3.09)]
    if isinstance(dist, TriangularDist):
        return [dist.low, dist.high]
    return []  # pragma: no cover - refused by the design rules


@dataclass(frozen=True)
class Sample:
    """A design's points: SALib's matrix and the field values each point gives."""

    #: SALib's sample matrix (levels as positions in [0, n)), one row per point.
    matrix: FloatArray
    #: Per point, parameter label → the value applied (after rounding and levels).
    values: list[dict[str, float]]


class Sweepable:
    """A design bound to the problem SALib sees; samples points and analyses outputs."""

    def __init__(self, loaded: LoadedDesign) -> None:
        self.loaded = loaded
        self.design = loaded.design
        self.parameters = loaded.design.parameters
        self.method = METHODS[loaded.design.method]

    @property
    def noise_lever(self) -> bool:
        """Whether the design has the noise lever (Morris, Sobol', eFAST)."""
        return self.method.noise_lever

    @property
    def lever_names(self) -> list[str]:
        """Every lever SALib sees: the design's parameters, then the noise lever if any."""
        return [p.label for p in self.parameters] + ([NOISE_LEVER] if self.noise_lever else [])

    @property
    def problem(self) -> Problem:
        bounds = [_bounds(p) for p in self.parameters]
        if self.noise_lever:
            bounds.append(([0.0, 1.0], "unif"))
        return {
            "num_vars": len(bounds),
            "names": self.lever_names,
            "bounds": [b for b, _ in bounds],
            "dists": [d for _, d in bounds],
        }

    def point_count(self) -> int:
        """Points the design evaluates (each run ``replications`` times), by arithmetic.

        Never samples: a 1000³ grid or 10⁸ samples is sized in microseconds, so it can be
        refused (or shown by ``--dry-run``) before a matrix of gigabytes is built.
        """
        return self.size()[0]

    def size(self) -> tuple[int, str]:
        """The point count and how it follows from the design (``"16 × (5 + 2)"``)."""
        return self.method.size(self.design)

    def size_field(self) -> tuple[str, ...]:
        """The design field whose reduction shrinks the point count (for error lines)."""
        return self.method.size_field(self.design)

    def sample(self) -> Sample:
        """SALib's sample for the method (an ordinary product for grid)."""
        matrix = np.asarray(self.method.sample(self.problem, self.design), dtype=np.float64)
        return Sample(matrix, [self.values_at(row) for row in matrix])

    def values_at(self, row: FloatArray) -> dict[str, float]:
        """Parameter label → the value a matrix row applies (levels picked, integers rounded),
        and the noise lever's value (which picks the substream, not a scenario field)."""
        values = {}
        for parameter, x in zip(self.parameters, row[: len(self.parameters)], strict=True):
            if parameter.levels is not None:
                position = min(max(math.floor(x), 0), len(parameter.levels) - 1)
                value = float(parameter.levels[position])
            else:
                value = float(x)
            values[parameter.label] = float(round(value)) if parameter.integer else value
        if self.noise_lever:
            values[NOISE_LEVER] = float(row[-1])
        return values

    def point_seed(self, root_seed: int, point: int, values: dict[str, float]) -> int:
        """The root seed of a point's replications: its noise lever's substream, if any."""
        if self.method.unit is None or NOISE_LEVER not in values:
            return root_seed
        return point_seed(root_seed, point // self.method.unit(self.design), values[NOISE_LEVER])

    def overrides(self, values: dict[str, float]) -> list[str]:
        """``--set``-style overrides (``path=text``) for one point."""
        return [f"{p.path}={p.text(values[p.label])}" for p in self.parameters]

    def check_values(self) -> list[tuple[int, float]]:
        """Values worth validating against the scenario: ends of ranges, every level."""
        return [
            (index, float(round(v)) if parameter.integer else v)
            for index, parameter in enumerate(self.parameters)
            for v in _ends(parameter)
        ]

    def check_against(self, scenario: Scenario) -> None:
        """Refuse parameter paths the scenario lacks, values it rejects and unknown KPIs."""
        data = scenario.model_dump(mode="json", by_alias=True, exclude={"extends"})
        for index, parameter in enumerate(self.parameters):
            found, why = _lookup(data, split_path(parameter.path))
            if not found:
                raise self.loaded.error(
                    ("parameters", index, "path"),
                    f"expected a field of scenario {scenario.name!r} (like "
                    f"resolution.servers), got {parameter.path!r}: {why}",
                )
        for index, value in self.check_values():
            self._check_value(scenario, index, value)
        for index, kpi in enumerate(self.design.kpis):
            if kpi_names.base_of(kpi) not in REGISTRY:
                raise self.loaded.error(
                    ("kpis", index),
                    f"expected a KPI name from the registry (docs/kpis.md), got {kpi!r}",
                )

    def _check_value(self, scenario: Scenario, index: int, value: float) -> None:
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

    def analyse(self, matrix: FloatArray, outputs: FloatArray) -> list[dict[str, Any]]:
        """SALib's indices for one KPI's point means, as rows (``parameter, index, value,
        conf, near_zero``), the noise lever's among them.

        Rows carry the half-width ``conf`` of SALib's bootstrap CI (None where SALib gives
        none: Morris σ and μ). ``near_zero``: not above the noise lever's index at 95 %
        (:mod:`~simdata.experiments.sweep.noise`; None for the noise lever itself and for
        indices without a CI), or, without a noise lever (lhs), the CI spans 0. A grid has
        no indices.
        """
        if self.method.analyse is None:
            return []
        problem = self.problem
        result = self.method.analyse(problem, matrix, outputs, self.design)
        decided = (
            near_zero(self.design.method, problem, matrix, outputs, result, self.design)
            if self.noise_lever
            else {}
        )
        rows = []
        for index, conf in self.method.indices:
            for i, name in enumerate(self.lever_names):
                value = float(result[index][i])
                half = None if conf is None else float(result[conf][i])
                near = decided[index][i] if index in decided else None
                if not self.noise_lever and half is not None:
                    near = value - half <= 0.0 <= value + half
                rows.append(
                    {
                        "parameter": name,
                        "index": index,
                        "value": value,
                        "conf": half,
                        "near_zero": near,
                    }
                )
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
        _fill_parents(data, full, split_path(text.split("=", 1)[0]))
        apply_override(data, source, text, "<sweep point>")
    try:
        return Scenario.model_validate(data, context=kpi_context(kpi_units()))
    except ValidationError as error:
        raise scenario_error(error, data, source, "<sweep point>") from None

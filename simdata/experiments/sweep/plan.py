"""Planning a sweep: size it by arithmetic, refuse what cannot fit or finish, build its points.

:func:`measure_sweep` sizes a design in microseconds (``--dry-run``); :func:`plan_sweep`
validates it against the base scenario and builds every point's scenario and the task list;
:func:`pilot` times one replication for the dry run's estimate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simdata.arrays import FloatArray
from simdata.errors import ScenarioError
from simdata.experiments import sizing
from simdata.experiments.replication import run_replication
from simdata.experiments.sweep.design import Design, LoadedDesign, design_from_data, load_design
from simdata.experiments.sweep.points import Sweepable, point_scenario, scenario_data
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

#: Most runs (points × replications) a sweep accepts. Planning validates every point's
#: scenario (about 0.5 ms each) and a run is rarely under 0.05 s, so 10⁷ runs is days of
#: work before the first index; a design past it is a typo or needs fewer samples.
MAX_RUNS = 10_000_000
#: Bytes a point's plan holds per byte of the base scenario's JSON dump (its validated
#: scenario and the data its tasks carry): 9.5× for mm8, 10.7× for zhanjiang-baseline,
#: measured with tracemalloc; rounded up.
POINT_BYTES_PER_SCENARIO_BYTE = 12
#: Bytes of a point's matrix row and values, per parameter (evaluator sweeps hold only these).
POINT_BYTES_PER_PARAMETER = 128
#: Bytes a run holds in this process: its task, its key and its outcome (the design's KPIs).
RUN_BYTES = 1024
#: Share of this machine's available memory a sweep's plan may take (the runs need the rest).
MEMORY_SHARE = 0.5


@dataclass(frozen=True)
class PointTask:
    """One (point, replication): everything its numbers depend on, and nothing else.

    The point's scenario travels as its validated data (what the scenario set, JSON
    values) and is validated again in the worker: plain data pickles on every back end,
    whereas some parametrised pydantic classes of the scenario do not.
    """

    point: int
    replication: int
    root_seed: int
    scenario_data: dict[str, Any]


def task_key(point: int, replication: int) -> str:
    """The stable task name executors see (Dask task key)."""
    return f"sweep-p{point:06d}-r{replication:04d}"


@dataclass(frozen=True)
class SweepPlan:
    """A design bound to its base scenario: the points, their scenarios, the task list."""

    bound: Sweepable
    matrix: FloatArray
    values: list[dict[str, float]]
    scenarios: list[Scenario] | None
    root_seed: int

    @property
    def points(self) -> int:
        return len(self.values)

    @property
    def runs(self) -> int:
        return self.points * self.bound.design.replications

    def point_seed(self, point: int) -> int:
        """The root seed ``point``'s replications run with: the sweep's, or the substream
        its noise lever selects (same scenario, other random numbers)."""
        return self.bound.point_seed(self.root_seed, point, self.values[point])

    def tasks(self) -> tuple[list[PointTask], list[str]]:
        if self.scenarios is None:
            raise ValueError("a plan without scenarios (an evaluator sweep) has no tasks")
        items, keys = [], []
        for point, scenario in enumerate(self.scenarios):
            data = scenario_data(scenario)
            seed = self.point_seed(point)
            for replication in range(self.bound.design.replications):
                items.append(PointTask(point, replication, seed, data))
                keys.append(task_key(point, replication))
        return items, keys


@dataclass(frozen=True)
class SweepSize:
    """How big a design is, computed by arithmetic before anything is sampled."""

    points: int
    #: How the point count follows from the design (``"1000 × 1000 × 1000 levels"``).
    formula: str
    replications: int
    #: Estimated bytes the plan and its runs hold in this process.
    memory_bytes: int
    #: Why a real sweep of this size is refused (None when it is not).
    refusal: SweepSizeError | None

    @property
    def runs(self) -> int:
        return self.points * self.replications


def _bytes(count: int | float) -> str:
    if count >= 2**30:
        return f"{count / 2**30:.1f} GB"
    return f"{count / 2**20:.1f} MB"


class SweepSizeError(ScenarioError):
    """A design that cannot fit in this machine's memory or cannot finish: a real sweep
    refuses it (exit 2), ``--dry-run`` reports it beside the size and still estimates."""


def _too_large(loaded: LoadedDesign, where: tuple[str | int, ...], message: str) -> SweepSizeError:
    located = loaded.error(where, message)
    return SweepSizeError(message, file=located.file, line=located.line, path=located.path)


def _available_memory() -> float:
    """Bytes this machine can give now (the run-size check's reading, patched in tests)."""
    return sizing.available_memory()


def size_sweep(bound: Sweepable, scenario: Scenario | None) -> SweepSize:
    """The design's points, runs and memory, and a refusal when it cannot fit or finish.

    Refused: more than :data:`MAX_RUNS` runs, or a plan estimated above
    :data:`MEMORY_SHARE` of the memory available now. The refusal names the design field
    to shrink (samples, levels or replications), so the line says the way out.
    """
    design = bound.design
    points, formula = bound.size()
    replications = design.replications
    runs = points * replications
    per_point = POINT_BYTES_PER_PARAMETER * len(bound.parameters)
    if scenario is not None:
        dumped = scenario.model_dump(mode="json", by_alias=True, exclude={"extends"})
        per_point += POINT_BYTES_PER_SCENARIO_BYTE * len(json.dumps(dumped))
    memory = points * per_point + runs * RUN_BYTES
    available = _available_memory()
    where = bound.size_field()
    fewer = {"samples": "samples", "levels": "levels", "parameters": "levels or parameters"}
    way_out = fewer[str(where[0])]
    if points <= MAX_RUNS and runs > MAX_RUNS:
        where, way_out = ("replications",), f"replications or {way_out}"
    shown = f"{points:,} points ({formula}) × {replications} replications"
    refusal = None
    if runs > MAX_RUNS:
        refusal = _too_large(
            bound.loaded,
            where,
            f"expected at most {MAX_RUNS:,} runs, got {shown} = {runs:,} runs; use fewer {way_out}",
        )
    elif memory > MEMORY_SHARE * available:
        refusal = _too_large(
            bound.loaded,
            where,
            f"expected a sweep that fits in this machine's memory, got {shown} = {runs:,} "
            f"runs needing about {_bytes(memory)} ({_bytes(available)} available); "
            f"use fewer {way_out}",
        )
    return SweepSize(points, formula, replications, memory, refusal)


def measure_sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    with_evaluator: bool = False,
) -> SweepSize:
    """Check ``design`` against ``scenario`` and size it, without sampling a point.

    What ``--dry-run`` prints first: a 1000³ grid is sized here in microseconds, where
    :func:`plan_sweep` would build a matrix of gigabytes.
    """
    bound = Sweepable(_as_loaded(design))
    if scenario is not None and not with_evaluator:
        bound.check_against(scenario)
    return size_sweep(bound, None if with_evaluator else scenario)


def _as_loaded(design: LoadedDesign | Design | str | Path) -> LoadedDesign:
    if isinstance(design, LoadedDesign):
        return design
    if isinstance(design, Design):
        return design_from_data(design.model_dump(mode="json"))
    return load_design(design)


#: Control characters (C0, DEL, C1): a parameter name holding a newline would split an error
#: line, an ESC would reach the terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _point_text(values: dict[str, float]) -> str:
    """``name=value, …`` for an error line, control characters in names shown as ``\\xNN``."""
    return ", ".join(
        _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name) + f"={value:g}"
        for name, value in values.items()
    )


def plan_sweep(
    scenario: Scenario | None,
    design: LoadedDesign | Design | str | Path,
    *,
    with_evaluator: bool = False,
) -> SweepPlan:
    """Validate ``design`` against ``scenario`` and build every point's scenario.

    Raises :class:`ScenarioError` (one line, naming the design file's line) for a path the
    scenario lacks, a value it rejects or an unknown KPI, and :class:`SweepSizeError` for a
    size that cannot fit or finish (:func:`size_sweep` before anything is sampled, then
    :func:`_check_work` on the points' own run sizes), before anything runs.
    """
    loaded = _as_loaded(design)
    bound = Sweepable(loaded)
    if scenario is None and not with_evaluator:
        raise ValueError("a sweep needs a scenario unless an evaluator replaces the simulation")
    if scenario is not None and not with_evaluator:
        bound.check_against(scenario)
    size = size_sweep(bound, None if with_evaluator else scenario)
    if size.refusal is not None:
        raise size.refusal
    sample = bound.sample()
    scenarios = None
    if scenario is not None and not with_evaluator:
        scenarios = []
        for point, values in enumerate(sample.values):
            try:
                scenarios.append(point_scenario(scenario, bound.overrides(values)))
            except ScenarioError as error:
                shown = _point_text(values)
                raise loaded.error(
                    ("parameters",),
                    f"expected every point to give a valid scenario, got point {point} "
                    f"({shown}): {error.detail}",
                ) from None
        _check_work(bound, scenarios, sample.values)
    seed = loaded.design.seed
    root_seed = seed if seed is not None else (scenario.run.seed if scenario is not None else 0)
    return SweepPlan(bound, sample.matrix, sample.values, scenarios, root_seed)


def _check_work(
    bound: Sweepable, scenarios: Sequence[Scenario], values: Sequence[dict[str, float]]
) -> None:
    """Refuse points whose replication alone cannot fit in memory, and a sweep whose
    estimated computing (every point's replications, sized like ``simdata run``'s) cannot
    finish: a design may set a rate or a horizon that no single run would be allowed."""
    loaded, design = bound.loaded, bound.design
    available = _available_memory()
    core_s = 0.0
    for point, scenario in enumerate(scenarios):
        size = sizing.estimate(scenario)
        if size.bytes_per_replication > sizing.MEMORY_SHARE * available:
            shown = _point_text(values[point])
            raise _too_large(
                loaded,
                ("parameters",),
                f"expected every point to fit in this machine's memory, got point {point} "
                f"({shown}) needing about {_bytes(size.bytes_per_replication)} per "
                f"replication ({_bytes(available)} available); narrow the parameters' ranges",
            )
        core_s += size.core_s_per_replication
    core_s *= design.replications
    if core_s > sizing.MAX_CORE_S:
        runs = len(scenarios) * design.replications
        raise _too_large(
            loaded,
            bound.size_field(),
            f"expected a sweep that can finish, got {runs:,} runs needing about "
            f"{core_s / DAY_S:,.0f} days of computing (more than "
            f"{sizing.MAX_CORE_S / DAY_S:.0f}); use fewer samples, levels or replications",
        )


@dataclass(frozen=True)
class Pilot:
    """Seconds one replication takes, and how that was found (for ``--dry-run``)."""

    seconds: float
    #: ``"pilot replication"`` (the first point's), ``"… (base scenario)"`` when the points
    #: were not built, or ``"estimated replication"`` when a pilot would itself be too long.
    how: str


def pilot(plan: SweepPlan | None, scenario: Scenario, design: LoadedDesign) -> Pilot:
    """Time one replication of the plan's first point, or of the base scenario when the
    design was too large to plan; use ``simdata run``'s size estimate instead when that
    replication would take more than a minute or not fit in memory (a dry run must be quick).
    """
    seed = design.design.seed
    root_seed = seed if seed is not None else scenario.run.seed
    how = "pilot replication (base scenario)"
    if plan is not None and plan.scenarios:
        scenario, root_seed, how = plan.scenarios[0], plan.root_seed, "pilot replication"
    size = sizing.estimate(scenario)
    too_long = size.core_s_per_replication > sizing.ANNOUNCE_S
    if too_long or size.bytes_per_replication > sizing.MEMORY_SHARE * _available_memory():
        return Pilot(size.core_s_per_replication, "estimated replication (no pilot)")
    return Pilot(run_replication(scenario, 0, root_seed).runtime_s, how)

"""Sweeps: a design's points × replications through an executor, then SALib's indices.

``design`` (the design file), ``methods`` (the SALib methods in one table), ``points``
(the problem, the sample, each point's scenario), ``plan`` (sizing and refusals before
anything runs) and ``runner`` (the run, its directory and the indices).
"""

from simdata.experiments.sweep.design import Design, LoadedDesign, design_from_data, load_design
from simdata.experiments.sweep.plan import (
    SweepPlan,
    SweepSize,
    SweepSizeError,
    measure_sweep,
    pilot,
    plan_sweep,
)
from simdata.experiments.sweep.points import Sweepable, point_scenario, scenario_data
from simdata.experiments.sweep.runner import INDEX_SCHEMA, PointOutcome, SweepResult, sweep

__all__ = [
    "INDEX_SCHEMA",
    "Design",
    "LoadedDesign",
    "PointOutcome",
    "SweepPlan",
    "SweepResult",
    "SweepSize",
    "SweepSizeError",
    "Sweepable",
    "design_from_data",
    "load_design",
    "measure_sweep",
    "pilot",
    "plan_sweep",
    "point_scenario",
    "scenario_data",
    "sweep",
]

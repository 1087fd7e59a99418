"""The public Python API: load a scenario, run it. Everything the CLI does goes through here.

``run(scenario, executor=make_executor(4))`` runs replications in four local processes,
``make_executor(client=distributed.Client(...))`` on Dask; the default is serial, in this
process. ``run(..., until_decided=StoppingRule())`` chooses the replication count;
``resume(run_dir)`` finishes an interrupted run directory; ``optimize(scenario, design)``
finds the cheapest plan of a design's levers that meets every target.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simdata.analysis.kpis import kpi_units
from simdata.analysis.producible import check_targets
from simdata.experiments.executors import Executor, make_executor
from simdata.experiments.optimize import OptimizeResult, optimize
from simdata.experiments.run import RunResult, resume, run
from simdata.experiments.until_decided import StoppingRule
from simdata.scenario import loader
from simdata.scenario.models import Scenario


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge (``extends``), override (``a.b.0.c=value``) and validate a scenario.

    Raises :class:`simdata.ScenarioError` with a one-line ``FILE:LINE: field: …`` message,
    also for a target on a KPI the scenario cannot produce (issue 13 §8).
    """
    return loader.load_scenario(path, overrides, kpi_units=kpi_units(), checks=(check_targets,))


__all__ = [
    "Executor",
    "OptimizeResult",
    "RunResult",
    "StoppingRule",
    "load_scenario",
    "make_executor",
    "optimize",
    "resume",
    "run",
]

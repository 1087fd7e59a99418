"""simdata: a discrete-event simulator for public-data sharing policies and
identifier-resolution throughput targets.

Typical use::

    import simdata
    scenario = simdata.load_scenario("scenarios/node-baseline.yaml", ["run.replications=5"])
    result = simdata.run(scenario)          # writes nothing; out="DIR" writes a run directory
    print(result.summary)                   # kpi, unit, mean, 95% CI, n, target, verdict

Also ``resume`` (finish an interrupted run directory), ``make_executor`` (process pool or
Dask), ``StoppingRule`` (``run(..., until_decided=...)``), ``capacity`` (the highest load
within the SLA), ``compare`` (paired differences of run directories), ``sweep``
(designs and sensitivity indices with SALib) and ``optimize`` (the cheapest plan that meets
every target, with a stated confidence) and ``backtest`` (a run directory confronted with
observed KPIs: one verdict per KPI).

The names load on first use (PEP 562), so ``import simdata`` — and the ``simdata`` command
starting up — costs nothing until something is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simdata.api import (
        RunResult,
        StoppingRule,
        load_scenario,
        make_executor,
        optimize,
        resume,
        run,
    )
    from simdata.errors import RunError, ScenarioError, SimdataError
    from simdata.experiments.backtest import backtest
    from simdata.experiments.capacity import capacity
    from simdata.experiments.compare import compare
    from simdata.experiments.sweep import sweep
    from simdata.scenario.models import Scenario

__version__ = "0.1.0"

#: Public name → the module that defines it.
_SOURCES = {
    "RunResult": "simdata.api",
    "StoppingRule": "simdata.api",
    "load_scenario": "simdata.api",
    "make_executor": "simdata.api",
    "optimize": "simdata.api",
    "resume": "simdata.api",
    "run": "simdata.api",
    "RunError": "simdata.errors",
    "ScenarioError": "simdata.errors",
    "SimdataError": "simdata.errors",
    "backtest": "simdata.experiments.backtest",
    "capacity": "simdata.experiments.capacity",
    "compare": "simdata.experiments.compare",
    "sweep": "simdata.experiments.sweep",
    "Scenario": "simdata.scenario.models",
}

__all__ = [
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimdataError",
    "StoppingRule",
    "__version__",
    "backtest",
    "capacity",
    "compare",
    "load_scenario",
    "make_executor",
    "optimize",
    "resume",
    "run",
    "sweep",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'simdata' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""simdata: a discrete-event simulator for public-data sharing policies and
identifier-resolution throughput targets.

Typical use::

    import simdata
    scenario = simdata.load_scenario("scenarios/node-baseline.yaml", ["run.replications=5"])
    result = simdata.run(scenario)          # writes nothing; out="DIR" writes a run directory
    print(result.summary)                   # kpi, unit, mean, 95% CI, n, target, verdict

Also ``resume`` (finish an interrupted run directory), ``make_executor`` (process pool or
Dask), ``StoppingRule`` (``run(..., until_decided=...)``), ``capacity`` (the highest load
within the SLA), ``compare`` (paired differences of run directories) and ``sweep``
(designs and sensitivity indices with SALib).
"""

from simdata.api import RunResult, StoppingRule, load_scenario, make_executor, resume, run
from simdata.errors import RunError, ScenarioError, SimdataError
from simdata.experiments.capacity import capacity
from simdata.experiments.compare import compare
from simdata.experiments.sweep import sweep
from simdata.scenario.models import Scenario

__version__ = "0.1.0"

__all__ = [
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimdataError",
    "StoppingRule",
    "__version__",
    "capacity",
    "compare",
    "load_scenario",
    "make_executor",
    "resume",
    "run",
    "sweep",
]

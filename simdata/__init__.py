"""simdata: a discrete-event simulator for public-data sharing policies and
identifier-resolution throughput targets.

Typical use::

    import simdata
    scenario = simdata.load_scenario("scenarios/node-baseline.yaml", ["run.replications=5"])
    result = simdata.run(scenario)          # writes nothing; out="DIR" writes a run directory
    print(result.summary)                   # kpi, unit, mean, 95% CI, n, target, verdict
"""

from simdata.api import RunResult, load_scenario, run
from simdata.errors import RunError, ScenarioError, SimdataError
from simdata.scenario.models import Scenario

__version__ = "0.1.0"

__all__ = [
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimdataError",
    "__version__",
    "load_scenario",
    "run",
]

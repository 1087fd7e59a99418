"""``simdata optimize``: the cheapest (or best by a KPI) plan of a design's levers that meets
every target, with a stated confidence (issue 17; docs/optimize.md).

- :mod:`~simdata.experiments.optimize.design` — the design file and its validation;
- :mod:`~simdata.experiments.optimize.feasibility` — a plan's constraints judged
  sequentially with the run pipeline's estimators;
- :mod:`~simdata.experiments.optimize.search` — bisection and the frontier walk;
- :mod:`~simdata.experiments.optimize.blackbox` — Optuna's search of levers not monotone;
- :mod:`~simdata.experiments.optimize.selection` — KN's selection for KPI objectives;
- :mod:`~simdata.experiments.optimize.dry_run` — ``--dry-run``'s space, α split and time;
- :mod:`~simdata.experiments.optimize.evaluate` — a plan's replications through an executor;
- :mod:`~simdata.experiments.optimize.result` — plan.json, candidates.parquet, plan.yaml;
- :mod:`~simdata.experiments.optimize.experiment` — :func:`optimize`, which ties them.
"""

from simdata.experiments.optimize.design import (
    LoadedOptimizeDesign,
    OptimizeDesign,
    design_from_data,
    load_optimize_design,
)
from simdata.experiments.optimize.dry_run import DryRun, dry_run
from simdata.experiments.optimize.experiment import Bound, bind, load_base, optimize
from simdata.experiments.optimize.result import OptimizeResult

__all__ = [
    "Bound",
    "DryRun",
    "LoadedOptimizeDesign",
    "OptimizeDesign",
    "OptimizeResult",
    "bind",
    "design_from_data",
    "dry_run",
    "load_base",
    "load_optimize_design",
    "optimize",
]

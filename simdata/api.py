"""The public Python API: load a scenario, run it. Everything the CLI does goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simdata.analysis.kpis import kpi_units
from simdata.experiments.run import RunResult, run
from simdata.scenario import loader
from simdata.scenario.models import Scenario


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge (``extends``), override (``a.b.0.c=value``) and validate a scenario.

    Raises :class:`simdata.ScenarioError` with a one-line ``FILE:LINE: field: …`` message.
    """
    return loader.load_scenario(path, overrides, kpi_units=kpi_units())


__all__ = ["RunResult", "load_scenario", "run"]

"""What a run produced (:class:`RunResult`), and the run settings a caller may override."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from simdata.analysis.busiest import busiest_from_kpis
from simdata.analysis.summary import RunSummary, summary_rows
from simdata.errors import ScenarioError
from simdata.experiments.until_decided import Look
from simdata.results.manifest import Failure, LookRecord, RunManifest
from simdata.scenario.models import RunSpec, Scenario


@dataclass
class RunResult:
    """What a run produced: the same tables the run directory holds."""

    scenario: Scenario
    kpis: pl.DataFrame
    summary: pl.DataFrame
    timeseries: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: Failed replications with what reproduces them (index, root seed, scenario, error).
    failures: list[Failure] = field(default_factory=list)
    out_dir: Path | None = None
    #: Model tables written as ``<name>.parquet`` (e.g. enterprises, enterprise_days).
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: The manifest as written (``None`` only while the result is being assembled).
    manifest: RunManifest | None = None
    #: Replications run (with ``--until-decided``, where the rule stopped).
    replications: int = 0
    #: ``--until-decided`` looks, in order (empty for a fixed count).
    looks: list[Look] = field(default_factory=list)
    #: Quantile KPIs' sample histograms per replication (``histograms.parquet``).
    histograms: pl.DataFrame | None = None

    @property
    def status(self) -> str:
        return "failed" if self.failures else "complete"

    def overview(self) -> RunSummary:
        """The summary model the terminal, ``summary.md`` and the report render."""
        scenario = self.scenario
        return RunSummary(
            title=scenario.name,
            description=scenario.description.strip(),
            replications=self.replications,
            root_seed=scenario.run.seed,
            rows=summary_rows(self.summary),
            warnings=list(self.warnings),
            looks=[LookRecord.model_validate(one.as_dict()) for one in self.looks],
            failures=list(self.failures),
            busiest_department=busiest_from_kpis(self.kpis),
        )


def with_run_settings(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with ``run.replications``/``run.seed`` replaced (validated)."""
    if replications is None and seed is None:
        return scenario
    settings = scenario.run.model_dump(mode="json")
    if replications is not None:
        settings["replications"] = replications
    if seed is not None:
        settings["seed"] = seed
    try:
        run_spec = RunSpec.model_validate(settings)
    except ValueError as error:
        raise ScenarioError(f"expected valid run settings: {error}", path="run") from None
    return scenario.model_copy(update={"run": run_spec})

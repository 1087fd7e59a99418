"""The capacity experiment: every replication's search through an executor, the summary
over replications, and the results directory (``capacity.json``, ``curve.parquet``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.stats import CONFIDENCE, t_quantile
from simdata.errors import ScenarioError, UsageError
from simdata.experiments.capacity.bisection import (
    PRECISION,
    CapacityTask,
    Search,
    Status,
    search_task,
    sla_text,
)
from simdata.experiments.capacity.curve import CURVE_SUMMARY_SCHEMA, curve_summary
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.results import (
    claim_run_dir,
    manifest,
    utc_now,
    write_json,
    write_parquet,
    write_text,
)
from simdata.scenario.capacity_spec import CapacitySpec
from simdata.scenario.loader import scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import Sla, parse_sla
from simdata.scenario.units import DAY_S

#: The common grid of loads, as multiples of the mean capacity.
GRID = (0.4, 0.6, 0.8, 0.9, 1.0, 1.1)

CURVE_SCHEMA = {
    "replication": pl.Int64,
    "load_per_s": pl.Float64,
    "peak_load_per_s": pl.Float64,
    "latency_p50_s": pl.Float64,
    "latency_p99_s": pl.Float64,
    "sla_share": pl.Float64,
    "utilisation": pl.Float64,
    "failed_or_rejected_share": pl.Float64,
    "sla_met": pl.Boolean,
}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Mix:
    """The offered load at capacity by kind of request, the mean over replications of each
    replication's capacity split by its own write share (so the two rates add up to the
    capacity), and the spread of that share."""

    resolutions_per_s: float
    writes_per_s: float
    write_share: float
    write_share_min: float
    write_share_max: float

    def as_json(self) -> dict[str, float]:
        return asdict(self)


def capacity_mix(searches: Sequence[Search]) -> Mix | None:
    """The mix at capacity over the replications that found one (None when none did)."""
    found = [(s.capacity, s.write_share) for s in searches if s.capacity is not None]
    if not found:
        return None
    shares = [share for _, share in found]
    return Mix(
        float(np.mean([c * (1.0 - w) for c, w in found])),
        float(np.mean([c * w for c, w in found])),
        float(np.mean(shares)),
        min(shares),
        max(shares),
    )


def _design_json(search: Search) -> dict[str, Any]:
    """A replication's design day in ``capacity.json`` (empty without enterprises)."""
    day = search.design
    if day is None:
        return {}
    return {
        "design_date": day.date.isoformat(),
        "day_type": day.day_type,
        "design_day_load_per_s": day.requests / DAY_S,
        "mix_days_averaged": day.mix_days,
        "design_day_write_share": day.day_write_share,
    }


@dataclass
class CapacityResult:
    """The answer and its curve, as written to the results directory."""

    scenario: Scenario
    sla: Sla
    confidence: float
    status: Status
    capacity: float | None
    ci_low: float | None
    ci_high: float | None
    capacity_conservative: float | None
    peak_capacity: float | None
    searches: list[Search]
    curve: pl.DataFrame
    out_dir: Path | None = None
    #: Pooled p50/p99 with their CIs at the common grid's loads (``curve_summary.parquet``).
    curve_summary: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=CURVE_SUMMARY_SCHEMA)
    )
    manifest: dict[str, Any] = field(default_factory=dict)
    #: What the planner should know about the answer's precision.
    warnings: list[str] = field(default_factory=list)

    @property
    def mix(self) -> Mix | None:
        """Resolutions and writes per second at capacity."""
        return capacity_mix(self.searches) if self.capacity is not None else None

    @property
    def design(self) -> CapacitySpec | None:
        """The design day's rule (the scenario's, or the default; None without enterprises)."""
        if self.scenario.enterprises is None:
            return None
        return self.scenario.capacity or CapacitySpec()

    @property
    def design_rule(self) -> str | None:
        """The design day's rule in words (None without enterprises)."""
        return None if self.design is None else self.design.describe()

    def as_json(self) -> dict[str, Any]:
        """``capacity.json``: the answer, its CI, what was searched and how."""
        found = [s.capacity for s in self.searches if s.capacity is not None]
        mix = self.mix
        return {
            "capacity": self.capacity,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "capacity_conservative": self.capacity_conservative,
            "peak_capacity": self.peak_capacity,
            "unit": "1/s",
            "sla": sla_text(self.sla),
            "confidence": self.confidence,
            "status": self.status,
            "replications": len(self.searches),
            "replications_found": len(found),
            "design_day": None if self.design is None else str(self.design.design_day),
            "mix_days": None if self.design is None else self.design.mix_days,
            "mix": None if mix is None else mix.as_json(),
            "per_replication": [
                {
                    "replication": s.replication,
                    "status": s.status,
                    "capacity": s.capacity,
                    "peak_capacity": None if s.capacity is None else s.capacity * s.peak_ratio,
                    "write_share": s.write_share,
                    **_design_json(s),
                    "error": s.error,
                }
                for s in self.searches
            ],
            "precision": PRECISION,
            "load": "mean offered rate of the node's traffic profile (all requests, writes "
            "included), per second",
        }


def resolve_sla(scenario: Scenario, text: str | None, file: str | None = None) -> Sla:
    """``--sla`` if given (same grammar as ``resolution.sla``), else the scenario's
    (``file`` names the scenario in errors)."""
    if text is not None:
        try:
            return parse_sla(text)
        except ValueError as error:
            raise UsageError(f"--sla: {error}") from None
    resolution = scenario.resolution
    if resolution is None:
        raise ScenarioError(
            "expected a resolution section to search the capacity of, got none",
            path="resolution",
            file=file,
        )
    if resolution.sla_parsed is None:
        raise ScenarioError(
            "expected an SLA to search against (set resolution.sla or pass --sla "
            '"p99<=100ms"), got none',
            path="resolution.sla",
            file=file,
        )
    return resolution.sla_parsed


def _summarise(
    searches: Sequence[Search], confidence: float
) -> tuple[Status, float | None, float | None, float | None, float | None]:
    statuses = {s.status for s in searches}
    if "failed" in statuses:
        return "failed", None, None, None, None
    if "below_range" in statuses:
        return "below_range", None, None, None, None
    if "above_range" in statuses:
        return "above_range", None, None, None, None
    values = np.array([s.capacity for s in searches], dtype=np.float64)
    mean = float(values.mean())
    n = len(values)
    if n < 2 or np.ptp(values) == 0:
        # No CI from one replication (null in capacity.json, never NaN), and never a
        # zero-width one from replications that all gave the same value.
        return "found", mean, None, None, None
    sem = float(values.std(ddof=1)) / math.sqrt(n)
    half = t_quantile(CONFIDENCE, n - 1) * sem
    conservative = mean - t_quantile(confidence, n - 1, sided="one") * sem
    # A load is ≥ 0: clipping removes only impossible values, so coverage is unchanged
    # (issue 12 §3; 2 replications of Zhanjiang gave "CI [-509, 1806]/s").
    return "found", mean, max(mean - half, 0.0), mean + half, max(conservative, 0.0)


def _provenance(
    result: CapacityResult, errors: Sequence[Search], started: dt.datetime, argv: Sequence[str]
) -> dict[str, Any]:
    """The capacity directory's manifest: status, failures with their seeds, warnings."""
    scenario, run = result.scenario, result.scenario.run
    failures = [
        {"replication": s.replication, "root_seed": run.seed, "error": s.error} for s in errors
    ]
    return manifest(
        kind="capacity",
        status="failed" if failures else "complete",
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=scenario_sha256(scenario),
        root_seed=run.seed,
        replications=run.replications,
        warnings=result.warnings,
        failures=failures,
        extra={
            "scenario_name": scenario.name,
            "sla": sla_text(result.sla),
            "status_detail": result.status,
            "design_day": None if result.design is None else str(result.design.design_day),
            "mix_days": None if result.design is None else result.design.mix_days,
            "mix": None if result.mix is None else result.mix.as_json(),
        },
    )


def _precision_warnings(searches: Sequence[Search]) -> list[str]:
    """Warn when fewer than half the replications give distinct capacities: their spread,
    and so the CI, then says more about the search's resolution than about the node."""
    values = [s.capacity for s in searches if s.capacity is not None]
    if len(values) < 2 or 2 * len(set(values)) >= len(values):
        return []
    return [
        f"only {len(set(values))} distinct capacities among {len(values)} replications: the "
        "CI reflects the search's resolution, not the node's variability (no CI when all "
        "are equal); shorten the measured window or add replications"
    ]


def _curve(searches: Sequence[Search]) -> pl.DataFrame:
    rows = [
        {k: v for k, v in asdict(p).items() if k in CURVE_SCHEMA}
        for s in searches
        for p in s.points
    ]
    frame = pl.DataFrame(rows, schema=CURVE_SCHEMA) if rows else pl.DataFrame(schema=CURVE_SCHEMA)
    return frame.sort("replication", "load_per_s")


def capacity(
    scenario: Scenario,
    *,
    sla: str | None = None,
    confidence: float = 0.95,
    out: str | Path | None = None,
    executor: Executor | None = None,
    argv: Sequence[str] = (),
    progress: Progress | None = None,
) -> CapacityResult:
    """Search the scenario's capacity over ``run.replications`` replications."""
    if not 0.5 <= confidence < 1:
        raise ScenarioError(
            f"expected a confidence in [0.5, 1), got {confidence:g}", path="--confidence"
        )
    parsed = resolve_sla(scenario, sla)
    if scenario.resolution is None:
        raise ScenarioError("expected a resolution section, got none", path="resolution")
    out_dir = Path(out) if out is not None else None
    lock = claim_run_dir(out_dir) if out_dir is not None else None
    try:
        return _search(scenario, parsed, confidence, out_dir, executor, argv, progress)
    finally:
        if lock is not None:
            lock.release()


def _search(
    scenario: Scenario,
    parsed: Sla,
    confidence: float,
    out_dir: Path | None,
    executor: Executor | None,
    argv: Sequence[str],
    progress: Progress | None,
) -> CapacityResult:
    """:func:`capacity` once its directory is owned: search, summarise, write."""
    executor = executor or SerialExecutor()
    started = utc_now()
    run = scenario.run
    tasks = [CapacityTask(scenario, parsed, index, run.seed) for index in range(run.replications)]
    keys = [f"capacity-{run.seed}-rep-{index:06d}" for index in range(run.replications)]
    searches: list[Search] = [Search(i, "failed", None) for i in range(run.replications)]
    for position, found in executor.map(search_task, tasks, keys):
        searches[position] = found
        if progress is not None:
            progress(1)
    errors = [s for s in searches if s.error is not None]
    status, mean, low, high, conservative = _summarise(searches, confidence)
    grid: tuple[float, ...] = ()
    if mean is not None and not errors:
        grid = tuple(mean * g for g in GRID)
        grid_tasks = [
            CapacityTask(scenario, parsed, index, run.seed, grid=grid)
            for index in range(run.replications)
        ]
        grid_keys = [f"{key}-grid" for key in keys]
        for position, on_grid in executor.map(search_task, grid_tasks, grid_keys):
            searches[position].points.extend(on_grid.points)
    peak = None
    if mean is not None:  # each replication's capacity at its own profile's peak hour
        peak = float(np.mean([s.capacity * s.peak_ratio for s in searches if s.capacity]))
    result = CapacityResult(
        scenario, parsed, confidence, status, mean, low, high, conservative, peak,
        searches, _curve(searches), out_dir, curve_summary=curve_summary(searches, grid),
    )  # fmt: skip
    result.warnings = _precision_warnings(searches)
    result.manifest = _provenance(result, errors, started, argv)
    if out_dir is not None:
        write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
        write_json(out_dir / "capacity.json", result.as_json())
        write_parquet(out_dir / "curve.parquet", result.curve)
        write_parquet(out_dir / "curve_summary.parquet", result.curve_summary)
        write_json(out_dir / "manifest.json", result.manifest)
    return result

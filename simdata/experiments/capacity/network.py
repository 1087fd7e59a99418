"""``simdata capacity`` on a resolution network: every replication's search through an
executor, the multiplier's mean and CI over replications, the node that breaks first, and
the results directory (``capacity.json``, ``network_curve.parquet``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from simdata.analysis.stats import Estimate, hall_interval
from simdata.errors import ScenarioError, UsageError
from simdata.experiments.capacity.bisection import sla_text
from simdata.experiments.capacity.network_search import (
    NetworkPoint,
    NetworkSearch,
    NetworkTask,
    network_search_task,
)
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.results import claim_run_dir, manifest, utc_now, write_json, write_parquet, write_text
from simdata.scenario.loader import scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import Sla, parse_sla

CURVE_SCHEMA = {
    "replication": pl.Int64,
    "multiplier": pl.Float64,
    "offered_per_s": pl.Float64,
    "worst_node": pl.String,
    "worst_share": pl.Float64,
    "sla_met": pl.Boolean,
    "bottleneck": pl.String,
    "bottleneck_utilisation": pl.Float64,
}


@dataclass
class NetworkCapacity:
    """The network's answer: the load multiplier at which the first node breaks its SLA
    (mean and CI over replications), that node (how often each was first), the bottleneck."""

    scenario: Scenario
    sla: Sla
    multiplier: Estimate | None
    first_nodes: dict[str, int]
    bottlenecks: dict[str, int]
    searches: list[NetworkSearch]
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {s.status for s in self.searches}
        for status in ("failed", "below_range", "above_range"):
            if status in statuses:
                return status
        return "found"

    @property
    def first_node(self) -> str | None:
        return (
            max(self.first_nodes, key=lambda n: self.first_nodes[n]) if self.first_nodes else None
        )

    def as_json(self) -> dict[str, Any]:
        rate = self.scenario.network.traffic.rate if self.scenario.network else float("nan")
        estimate = self.multiplier
        interval = estimate if estimate is not None and _has_ci(estimate) else None
        return {
            "network": True,
            "status": self.status,
            "sla": sla_text(self.sla),
            "multiplier": None if estimate is None else estimate.mean,
            # No CI from one replication, and never a zero-width one (issue 12 §4).
            "ci_low": None if interval is None else max(interval.ci_low, 0.0),
            "ci_high": None if interval is None else interval.ci_high,
            "offered_per_s": None if estimate is None else estimate.mean * rate,
            "scenario_rate_per_s": rate,
            "first_node": self.first_node,
            "first_nodes": self.first_nodes,
            "bottlenecks": self.bottlenecks,
            "replications": len(self.searches),
            "per_replication": [
                {k: v for k, v in asdict(s).items() if k != "points"} for s in self.searches
            ],
        }


def _has_ci(estimate: Estimate | None) -> bool:
    return estimate is not None and estimate.n >= 2 and estimate.std > 0


def network_sla(scenario: Scenario, text: str | None, file: str | None = None) -> Sla:
    """``--sla`` if given, else ``network.sla``."""
    if text is not None:
        try:
            return parse_sla(text)
        except ValueError as error:
            raise UsageError(f"--sla: {error}") from None
    network = scenario.network
    if network is None or network.sla_parsed is None:
        raise ScenarioError(
            'expected an SLA to search against (set network.sla or pass --sla "p99<=100ms"), '
            "got none",
            path="network.sla",
            file=file,
        )
    return network.sla_parsed


def network_capacity(
    scenario: Scenario,
    *,
    sla: str | None = None,
    out: str | Path | None = None,
    executor: Executor | None = None,
    argv: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> NetworkCapacity:
    """Search the multiplier of the network's traffic at which its first node breaks."""
    parsed = network_sla(scenario, sla)
    out_dir = Path(out) if out is not None else None
    lock = claim_run_dir(out_dir) if out_dir is not None else None
    try:
        started = utc_now()
        result = _search(scenario, parsed, executor or SerialExecutor(), progress)
        if out_dir is not None:
            _write(result, out_dir, started, argv)
        return result
    finally:
        if lock is not None:
            lock.release()


def _search(
    scenario: Scenario, sla: Sla, executor: Executor, progress: Callable[[int], None] | None
) -> NetworkCapacity:
    run = scenario.run
    tasks = [NetworkTask(scenario, sla, index, run.seed) for index in range(run.replications)]
    keys = [f"network-capacity-{run.seed}-rep-{index:06d}" for index in range(run.replications)]
    searches = [NetworkSearch(i, "failed") for i in range(run.replications)]
    for position, found in executor.map(network_search_task, tasks, keys):
        searches[position] = found
        if progress is not None:
            progress(1)
    values = np.array([s.multiplier for s in searches if s.multiplier is not None])
    complete = len(values) == len(searches)
    estimate = hall_interval(values) if complete and len(values) else None
    first = Counter(s.first_node for s in searches if s.first_node)
    neck = Counter(s.bottleneck for s in searches if s.bottleneck)
    result = NetworkCapacity(scenario, sla, estimate, dict(first), dict(neck), searches)
    if len(first) > 1:
        result.warnings.append(
            "the first node to break differs between replications: "
            + ", ".join(f"{node} ({count})" for node, count in first.most_common())
        )
    return result


def _curve(searches: Sequence[NetworkSearch]) -> pl.DataFrame:
    points: list[NetworkPoint] = [p for s in searches for p in s.points]
    rows = [asdict(p) for p in points]
    frame = pl.DataFrame(rows, schema=CURVE_SCHEMA) if rows else pl.DataFrame(schema=CURVE_SCHEMA)
    return frame.sort("replication", "multiplier")


def _write(
    result: NetworkCapacity, out_dir: Path, started: dt.datetime, argv: Sequence[str]
) -> None:
    scenario, run = result.scenario, result.scenario.run
    failures = [
        {"replication": s.replication, "root_seed": run.seed, "error": s.error}
        for s in result.searches
        if s.error is not None
    ]
    write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
    write_json(out_dir / "capacity.json", result.as_json())
    write_parquet(out_dir / "network_curve.parquet", _curve(result.searches))
    write_json(
        out_dir / "manifest.json",
        manifest(
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
            extra={"scenario_name": scenario.name, "sla": sla_text(result.sla), "network": True},
        ),
    )

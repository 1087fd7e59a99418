"""``simdata capacity``: the highest offered load at which the node keeps its latency SLA.

The vocabulary is that of resperf-style ramp tests (offered load, latency quantiles,
failures), the method is a simulation experiment with common random numbers:

* **Load profile.** A scenario with a ``resolution.traffic`` section is searched over its
  own run window (warm-up excluded), its hourly/day-type profile scaled by a factor k. A
  scenario with enterprises is searched on the *final simulated day's* traffic (that
  replication's resolutions plus registration writes, spread over the day by the hourly
  weights), judged in that day's peak hour — the same peak-hour sampling as
  ``latency_sampling: windows`` — simulating :data:`PEAK_WINDOW_S` of it after
  :data:`PEAK_WARMUP_S`. Offered load is the profile's mean rate (requests of every kind
  per second, writes included); the peak-hour rate is reported too.
* **Common random numbers.** Every load of one replication uses the same streams: the
  same unit-rate Poisson points mapped through the scaled integrated rate (arrival times
  Λ⁻¹(m / k)), the same service times and hop latencies by request index. So a
  replication's SLA share is nearly monotone in load and a bisection is well defined.
* **The SLA** ``p<NN> <op> T`` holds when at least NN % of the measured requests are
  answered within T; a rejected (queue limit) or timed-out request counts against it.
  That is the quantile statement itself (the NN-th percentile of latency is within T),
  counted exactly in the compiled loop rather than read off a histogram.
* **Per replication**, the search brackets the capacity by halving/doubling from the
  node's stability limit, then bisects in log-load until the bracket is within
  ``precision`` (0.5 %); the replication's capacity is the bracket's geometric midpoint.
  ``capacity`` is the mean over replications with a 95 % Student-t CI and
  ``capacity_conservative`` the one-sided lower bound at ``confidence``.
* Every evaluated load goes into ``curve.parquet``, plus a common grid of loads around
  the capacity so that the load–latency curve has a value per replication at each load.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy import stats

from simdata.analysis.resolution.kpis import kpis_from_statistics
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.errors import ScenarioError, UsageError
from simdata.experiments.executors import Executor, SerialExecutor
from simdata.model.frames import NODE_DAYS
from simdata.model.identifiers.economy import record_identifier_economy
from simdata.model.resolution.arrivals import HOUR_S, ArrivalProcess
from simdata.model.resolution.batched import BatchedResolutionNode
from simdata.model.resolution.rules import sla_met
from simdata.results import (
    claim_run_dir,
    manifest,
    utc_now,
    write_json,
    write_parquet,
    write_text,
)
from simdata.scenario.loader import scenario_sha256, scenario_to_yaml
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import ResolutionSpec, Sla, TrafficSpec, parse_sla

Status = Literal["found", "below_range", "above_range", "failed"]

#: Relative width of the final bracket of each replication's bisection.
PRECISION = 0.005
#: Loads searched: from the stability limit down/up by at most this factor.
RANGE_FACTOR = 2.0**12
#: With enterprises: minutes of the final day's peak hour simulated per load, after a
#: warm-up from an empty node (the node relaxes in well under a second at ms service).
PEAK_WINDOW_S = 600.0
PEAK_WARMUP_S = 60.0
#: Requests expected beyond the SLA quantile at the lowest load searched: a window with
#: fewer cannot tell whether the quantile holds (p99 needs 1,000 measured requests).
MIN_TAIL = 10
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
    "failed_share": pl.Float64,
    "sla_met": pl.Boolean,
}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadProfile:
    """What is simulated at each load: the node with its base traffic, scaled by k."""

    spec: ResolutionSpec
    write_share: float
    start_s: float
    horizon_s: float
    measure_start_s: float
    weekday: int
    #: Offered load (mean rate of the profile, writes included) at k = 1, per second.
    mean_rate: float
    #: Rate in the simulated window's busiest hour at k = 1, per second.
    peak_rate: float
    #: Streams of this profile's requests (the replication's root seed and index).
    root_seed: int
    replication: int
    #: Mean rate in the measured window per unit of offered load (1, or peak/mean when
    #: the window is the peak hour).
    window_ratio: float = 1.0

    def expected_requests(self, load: float) -> float:
        """Expected measured requests (writes included) at offered load ``load``."""
        return load * self.window_ratio * (self.horizon_s - self.measure_start_s)

    def stability_limit(self) -> float:
        """Offered load (mean rate) at which the servers would be busy all the peak hour."""
        spec = self.spec
        miss = 1.0 if spec.cache is None else 1.0 - spec.cache.hit_ratio
        work = (1 - self.write_share) * miss * spec.service_time.mean + (
            self.write_share * spec.registration_time.mean
        )
        return spec.servers / max(work, 1e-12) * self.mean_rate / self.peak_rate


@dataclass(frozen=True)
class Point:
    """The node at one offered load, in one replication."""

    replication: int
    load_per_s: float
    peak_load_per_s: float
    latency_p50_s: float
    latency_p99_s: float
    sla_share: float
    utilisation: float
    failed_share: float
    sla_met: bool


@dataclass
class Search:
    """One replication's search: its capacity (None when not bracketed) and its points."""

    replication: int
    status: Status
    capacity: float | None
    points: list[Point] = field(default_factory=list)
    error: str | None = None
    #: Peak-hour rate per unit of offered load in this replication's profile.
    peak_ratio: float = 1.0


@dataclass(frozen=True)
class CapacityTask:
    """Everything a replication's search depends on (picklable, for any executor)."""

    scenario: Scenario
    sla: Sla
    replication: int
    root_seed: int
    precision: float = PRECISION
    #: Loads evaluated after the search, for the common curve (empty in the first pass).
    grid: tuple[float, ...] = ()


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
    manifest: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """``capacity.json``: the answer, its CI, what was searched and how."""
        found = [s.capacity for s in self.searches if s.capacity is not None]
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
            "per_replication": [
                {
                    "replication": s.replication,
                    "status": s.status,
                    "capacity": s.capacity,
                    "peak_capacity": None if s.capacity is None else s.capacity * s.peak_ratio,
                    "error": s.error,
                }
                for s in self.searches
            ],
            "precision": PRECISION,
            "load": "mean offered rate of the node's traffic profile (all requests, writes "
            "included), per second",
        }


def sla_text(sla: Sla) -> str:
    """The SLA in the scenario grammar, e.g. ``p99<=0.1 s``."""
    return f"p{100 * sla.quantile:g}{sla.op}{sla.threshold_s:g} s"


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


# --- the load profile -------------------------------------------------------------------


def load_profile(scenario: Scenario, replication: int, root_seed: int) -> LoadProfile:
    """The replication's base traffic (k = 1) and the window it is judged in."""
    spec = scenario.resolution
    if spec is None:
        raise ScenarioError("expected a resolution section, got none", path="resolution")
    run = scenario.run
    weekday = run.start_date.weekday() if run.start_date is not None else 0
    if scenario.enterprises is None:
        start, end = run.measure_start_s, run.horizon
        mean, peak = _rates(spec, weekday, run.sim_start_s, start, end)
        return LoadProfile(
            spec, 0.0, run.sim_start_s, end, start, weekday, mean, peak, root_seed, replication
        )
    return _final_day_profile(scenario, spec, replication, root_seed)


def _rates(
    spec: ResolutionSpec, weekday: int, t0: float, start: float, end: float
) -> tuple[float, float]:
    """Mean rate over [start, end) and the rate of its busiest (clock) hour."""
    process = ArrivalProcess(spec.traffic, weekday, t0)
    mean = process.expected_count(start, end) / (end - start)
    if process.homogeneous:
        return mean, mean
    edges = np.append(np.arange(math.ceil(start / HOUR_S) * HOUR_S, end, HOUR_S), end)
    edges = np.unique(np.concatenate([[start], edges]))
    masses = process.integrated(edges)
    return mean, float(np.max(np.diff(masses) / np.diff(edges)))


def _final_day_profile(
    scenario: Scenario, spec: ResolutionSpec, replication: int, root_seed: int
) -> LoadProfile:
    """The final simulated day's requests, judged in its peak hour."""
    enterprises = scenario.enterprises
    assert enterprises is not None
    # Count the economy without sampling the node (the traffic is all we need).
    counted = scenario.model_copy(update={"resolution": None})
    recorder = Recorder()
    record_identifier_economy(counted, Streams(root_seed, replication), recorder, None)
    node_days = recorder.get(NODE_DAYS)
    assert node_days is not None  # the economy always counts its days
    last = node_days.sort("date").row(-1, named=True)
    per_day = float(last["resolutions"]) + float(last["registrations"])
    if not per_day > 0:
        raise ScenarioError(
            "expected traffic on the final simulated day to scale, got no resolutions or "
            "registrations",
            path="enterprises",
        )
    shares = enterprises.hourly_shares()
    peak = int(np.argmax(shares))
    mean_rate = per_day / 86_400.0
    peak_rate = per_day * shares[peak] / 3_600.0
    traffic = TrafficSpec.model_validate({"rate": f"{peak_rate!r}/s"})
    return LoadProfile(
        spec.model_copy(update={"traffic": traffic}),
        float(last["registrations"]) / per_day,
        -PEAK_WARMUP_S,
        PEAK_WINDOW_S,
        0.0,
        last["date"].weekday(),
        mean_rate,
        peak_rate,
        root_seed,
        replication,
        window_ratio=peak_rate / mean_rate,
    )


# --- one load, one replication ----------------------------------------------------------


def evaluate(profile: LoadProfile, sla: Sla, load: float) -> Point:
    """Simulate the profile scaled to offered load ``load`` (per second) with the batched
    engine; the same streams at every load (common random numbers)."""
    factor = load / profile.mean_rate
    base = profile.spec
    traffic = base.traffic.model_copy(update={"rate": base.traffic.rate * factor})
    spec = base.model_copy(update={"traffic": traffic, "sla": sla_text(sla)})
    node = BatchedResolutionNode(
        spec,
        Streams(profile.root_seed, profile.replication),
        Recorder(),
        profile.start_s,
        profile.horizon_s,
        profile.measure_start_s,
        start_weekday=profile.weekday,
        write_share=profile.write_share,
    )
    node.run()
    statistics = node.statistics()
    kpis = kpis_from_statistics(statistics)
    # Writes are not measured; a rejected or timed-out measured request counts against the
    # SLA like a late one.
    measured = statistics.measured
    failed = statistics.timed_out + statistics.rejected
    return Point(
        profile.replication,
        load,
        load * profile.peak_rate / profile.mean_rate,
        kpis["resolution.latency_p50"],
        kpis["resolution.latency_p99"],
        kpis["resolution.sla_share"],
        kpis["resolution.utilisation"],
        failed / measured if measured else math.nan,
        sla_met(statistics.within_sla, measured, sla.quantile),
    )


def search(profile: LoadProfile, sla: Sla, precision: float = PRECISION) -> Search:
    """Bracket, then bisect in log-load, the highest load at which the SLA holds."""
    points: list[Point] = []

    def holds(load: float) -> bool:
        point = evaluate(profile, sla, load)
        points.append(point)
        return point.sla_met

    limit = profile.stability_limit()
    # Below this load the window holds too few requests to judge the quantile: at least
    # MIN_TAIL requests are expected beyond it (1,000 for p99).
    needed = MIN_TAIL / (1.0 - sla.quantile)
    low_end = max(limit / RANGE_FACTOR, needed / profile.expected_requests(1.0))
    high_end = limit * RANGE_FACTOR
    load = limit
    if holds(load):
        low = load
        while True:
            high = low * 2.0
            if high > high_end:
                return Search(profile.replication, "above_range", None, points)
            if not holds(high):
                break
            low = high
    else:
        high = load
        while True:
            low = high / 2.0
            if low < low_end:
                return Search(profile.replication, "below_range", None, points)
            if holds(low):
                break
            high = low
    while high / low - 1.0 > precision:
        middle = math.sqrt(low * high)
        if holds(middle):
            low = middle
        else:
            high = middle
    return Search(profile.replication, "found", math.sqrt(low * high), points)


def search_task(task: CapacityTask) -> Search:
    """One replication: its search, or (``task.grid``) its points on the common grid."""
    try:
        profile = load_profile(task.scenario, task.replication, task.root_seed)
        if task.grid:
            points = [evaluate(profile, task.sla, load) for load in task.grid]
            return Search(task.replication, "found", None, points)
        found = search(profile, task.sla, task.precision)
        found.peak_ratio = profile.peak_rate / profile.mean_rate
        return found
    except ScenarioError:
        raise
    except Exception as error:  # a model failure is reported with its seed, not raised
        return Search(task.replication, "failed", None, [], error=repr(error))


# --- the experiment ---------------------------------------------------------------------


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
    if n < 2:  # no CI from one replication (null in capacity.json, never NaN)
        return "found", mean, None, None, None
    sem = float(values.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.975, n - 1)) * sem
    conservative = mean - float(stats.t.ppf(confidence, n - 1)) * sem
    return "found", mean, mean - half, mean + half, conservative


def _curve(searches: Sequence[Search]) -> pl.DataFrame:
    rows = [asdict(p) for s in searches for p in s.points]
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
        searches, _curve(searches), out_dir,
    )  # fmt: skip
    failures = [
        {"replication": s.replication, "root_seed": run.seed, "error": s.error} for s in errors
    ]
    result.manifest = manifest(
        kind="capacity",
        status="failed" if failures else "complete",
        argv=list(argv),
        started=started,
        finished=utc_now(),
        scenario_sha256=scenario_sha256(scenario),
        root_seed=run.seed,
        replications=run.replications,
        warnings=[],
        failures=failures,
        extra={"scenario_name": scenario.name, "sla": sla_text(parsed), "status_detail": status},
    )
    if out_dir is not None:
        write_text(out_dir / "scenario.yaml", scenario_to_yaml(scenario))
        write_json(out_dir / "capacity.json", result.as_json())
        write_parquet(out_dir / "curve.parquet", result.curve)
        write_json(out_dir / "manifest.json", result.manifest)
    return result

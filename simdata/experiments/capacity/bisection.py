"""One replication's capacity search: the node at one load (:func:`evaluate`, the batched
engine with common random numbers) and the bracketing bisection over loads (:func:`search`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from simdata.analysis.resolution.kpis import kpis_from_statistics
from simdata.arrays import IntArray
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.errors import ScenarioError
from simdata.experiments.capacity.profile import DesignDay, LoadProfile, load_profile
from simdata.model.resolution.batched import BatchedResolutionNode
from simdata.model.resolution.rules import sla_met
from simdata.scenario.models import Scenario
from simdata.scenario.resolution import Sla

Status = Literal["found", "below_range", "above_range", "failed"]

#: Relative width of the final bracket of each replication's bisection.
PRECISION = 0.005
#: Loads searched: from the stability limit down/up by at most this factor.
RANGE_FACTOR = 2.0**12
#: Requests expected beyond the SLA quantile at the lowest load searched: a window with
#: fewer cannot tell whether the quantile holds (p99 needs 1,000 measured requests).
MIN_TAIL = 10


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
    #: Measured requests timed out or rejected (queue limit), a share (not
    #: ``resolution.failed_share``, which counts the timed-out only).
    failed_or_rejected_share: float
    sla_met: bool
    #: The measured latencies' histogram, kept at the common grid's loads only (where the
    #: curve pools replications, :mod:`.curve`); not a column of ``curve.parquet``.
    latency: IntArray | None = field(default=None, compare=False, repr=False)


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
    #: Registration writes' share of the offered load (0 without enterprises).
    write_share: float = 0.0
    #: With enterprises: the design day whose traffic was scaled, and its mix.
    design: DesignDay | None = None


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


def sla_text(sla: Sla) -> str:
    """The SLA in the scenario grammar, e.g. ``p99<=0.1 s``."""
    return f"p{100 * sla.quantile:g}{sla.op}{sla.threshold_s:g} s"


def evaluate(profile: LoadProfile, sla: Sla, load: float, *, keep_latency: bool = False) -> Point:
    """Simulate the profile scaled to offered load ``load`` (per second) with the batched
    engine; the same streams at every load (common random numbers). ``keep_latency`` keeps
    the latency histogram on the point (for the pooled curve)."""
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
    p50, p99 = curve_quantiles(kpis)
    # Writes are not measured; a rejected or timed-out measured request counts against the
    # SLA like a late one.
    measured = statistics.measured
    failed_or_rejected = statistics.timed_out + statistics.rejected
    return Point(
        profile.replication,
        load,
        load * profile.peak_rate / profile.mean_rate,
        p50,
        p99,
        kpis["resolution.sla_share"],
        kpis["resolution.utilisation"],
        failed_or_rejected / measured if measured else math.nan,
        sla_met(statistics.within_sla, measured, sla.quantile),
        statistics.latency if keep_latency else None,
    )


def curve_quantiles(kpis: dict[str, float]) -> tuple[float, float]:
    """The latency p50 and p99 the curve shows at one load, from one replication.

    These are each replication's own quantiles, drawn as its line; across replications the
    curve pools the latency histograms kept at the grid's loads (:mod:`.curve`). The
    capacity itself does not depend on either: the SLA is judged by counting
    (:func:`simdata.model.resolution.rules.sla_met`).
    """
    return kpis["resolution.latency_p50"], kpis["resolution.latency_p99"]


def search(profile: LoadProfile, sla: Sla, precision: float = PRECISION) -> Search:
    """Bracket, then bisect in log-load, the highest load at which the SLA holds; the
    answer is the SLA crossing interpolated inside the final bracket (:func:`crossing`)."""
    points: list[Point] = []
    shares: dict[float, float] = {}

    def holds(load: float) -> bool:
        point = evaluate(profile, sla, load)
        points.append(point)
        shares[load] = point.sla_share
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
    answer = crossing(low, high, shares[low], shares[high], sla.quantile)
    return Search(profile.replication, "found", answer, points)


def crossing(low: float, high: float, share_low: float, share_high: float, q: float) -> float:
    """The load at which the SLA share crosses ``q``, linear in log-load between the final
    bracket's ends (the share holds ``q`` at ``low`` and not at ``high``).

    Returning the bracket's midpoint put every replication on a lattice of 0.5 % steps
    from the stability limit: on a long window all replications could give the same value
    and a zero-width CI (issue 12: "372.722, CI [372.722, 372.722]" for λ* = 372.885). The
    share falls almost linearly across a 0.5 % bracket under common random numbers, so
    the interpolated crossing moves continuously with the replication's own numbers.
    """
    drop = share_low - share_high
    if not (math.isfinite(drop) and drop > 0):
        return math.sqrt(low * high)
    fraction = min(max((share_low - q) / drop, 0.0), 1.0)
    return math.exp(math.log(low) + fraction * (math.log(high) - math.log(low)))


def search_task(task: CapacityTask) -> Search:
    """One replication: its search, or (``task.grid``) its points on the common grid."""
    try:
        profile = load_profile(task.scenario, task.replication, task.root_seed)
        if task.grid:
            points = [evaluate(profile, task.sla, load, keep_latency=True) for load in task.grid]
            return Search(task.replication, "found", None, points)
        found = search(profile, task.sla, task.precision)
        found.peak_ratio = profile.peak_rate / profile.mean_rate
        found.write_share = profile.write_share
        found.design = profile.design
        return found
    except ScenarioError:
        raise
    except Exception as error:  # a model failure is reported with its seed, not raised
        return Search(task.replication, "failed", None, [], error=repr(error))

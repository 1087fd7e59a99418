"""One replication's capacity search on a resolution network: the load multiplier at which
the first secondary node breaks its SLA, and which node that is.

Every secondary node's SLA is the network's (``network.sla``, or ``--sla``) judged on the
resolutions whose identifiers it owns, end to end: a saturated top-level node shows up in
the secondary nodes behind it. The network's traffic is scaled by a multiplier k with the
same streams at every k (common random numbers: the same routes and per-node draws; the
arrival gaps scale with the rate), run with the batched engine, and k is bracketed and
bisected in log scale like the single node's load (:mod:`.bisection`). The answer is the
crossing of the lowest node share within the threshold, interpolated in the final bracket;
the node with that lowest share at the bracket's upper end is the first to break, and the
queue node with the highest utilisation there is the bottleneck.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from simdata.engine.streams import Streams
from simdata.errors import ScenarioError
from simdata.experiments.capacity.bisection import (
    PRECISION,
    RANGE_FACTOR,
    Status,
    crossing,
    sla_text,
)
from simdata.model.network.batched import BatchedNetwork
from simdata.model.network.draws import NetworkSource
from simdata.model.network.plan import NetworkPlan
from simdata.model.network.tally import NodeFigures
from simdata.model.resolution.rules import sla_met
from simdata.scenario.models import Scenario
from simdata.scenario.network import NetworkSpec
from simdata.scenario.resolution import Sla


@dataclass(frozen=True)
class NetworkPoint:
    """The network at one load multiplier, in one replication."""

    replication: int
    multiplier: float
    offered_per_s: float
    #: The secondary node with the lowest share within the SLA threshold, and that share.
    worst_node: str
    worst_share: float
    sla_met: bool
    #: The queue node with the highest utilisation, and its utilisation.
    bottleneck: str
    bottleneck_utilisation: float


@dataclass
class NetworkSearch:
    """One replication's search: the multiplier (None when not bracketed), the first node
    to break its SLA, the bottleneck there, and every point evaluated."""

    replication: int
    status: Status
    multiplier: float | None = None
    first_node: str | None = None
    bottleneck: str | None = None
    points: list[NetworkPoint] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class NetworkTask:
    """Everything a replication's network search depends on (picklable)."""

    scenario: Scenario
    sla: Sla
    replication: int
    root_seed: int
    precision: float = PRECISION


def _window(scenario: Scenario, spec: NetworkSpec) -> tuple[float, float, float]:
    """``(simulated from, measured from, horizon)``, as the network component runs it."""
    run = scenario.run
    measure_s = run.measure_start_s
    if spec.window is not None:
        measure_s = max(measure_s, run.horizon - spec.window)
    return max(run.sim_start_s, measure_s - run.warmup_s), measure_s, run.horizon


def evaluate_network(task: NetworkTask, multiplier: float) -> NetworkPoint:
    """Simulate the network with its traffic scaled by ``multiplier`` (batched engine)."""
    scenario, sla = task.scenario, task.sla
    spec = scenario.network
    if spec is None:
        raise ScenarioError("expected a network section, got none", path="network")
    traffic = spec.traffic.model_copy(update={"rate": spec.traffic.rate * multiplier})
    scaled = spec.model_copy(update={"traffic": traffic, "sla": sla_text(sla)})
    start_s, measure_s, horizon_s = _window(scenario, spec)
    weekday = scenario.run.start_date.weekday() if scenario.run.start_date is not None else 0
    source = NetworkSource(
        NetworkPlan.of(scaled), Streams(task.root_seed, task.replication), start_s, horizon_s,
        weekday,
    )  # fmt: skip
    engine = BatchedNetwork(source, measure_s, horizon_s)
    engine.run()
    return _point(task, multiplier, traffic.rate, engine.figures())


def _point(
    task: NetworkTask, multiplier: float, rate: float, figures: dict[str, NodeFigures]
) -> NetworkPoint:
    q = task.sla.quantile
    shares: dict[str, float] = {}
    met = True
    for name, found in figures.items():
        path = found.path
        if path is None or path.measured == 0:
            continue
        shares[name] = path.within_sla / path.measured
        met = met and sla_met(path.within_sla, path.measured, q)
    busy = {
        name: found.queue.busy_area / (found.queue.servers * found.queue.window_s)
        for name, found in figures.items()
        if found.queue is not None and found.queue.servers > 0
    }
    worst = min(shares, key=lambda n: shares[n]) if shares else ""
    bottleneck = max(busy, key=lambda n: busy[n]) if busy else ""
    return NetworkPoint(
        task.replication, multiplier, rate, worst, shares.get(worst, math.nan), met,
        bottleneck, busy.get(bottleneck, math.nan),
    )  # fmt: skip


def search_network(task: NetworkTask) -> NetworkSearch:
    """Bracket from k = 1 by doubling or halving, then bisect in log k to ``precision``."""
    found = NetworkSearch(task.replication, "failed")
    at: dict[float, NetworkPoint] = {}

    def holds(multiplier: float) -> bool:
        point = evaluate_network(task, multiplier)
        found.points.append(point)
        at[multiplier] = point
        return point.sla_met

    try:
        low, high = _bracket(holds)
    except _OutOfRangeError as out:
        found.status = out.status
        return found
    while high / low - 1.0 > task.precision:
        middle = math.sqrt(low * high)
        if holds(middle):
            low = middle
        else:
            high = middle
    upper = at[high]
    found.status = "found"
    found.multiplier = crossing(
        low, high, at[low].worst_share, upper.worst_share, task.sla.quantile
    )
    found.first_node, found.bottleneck = upper.worst_node, upper.bottleneck
    return found


class _OutOfRangeError(Exception):
    """The SLA's crossing lies outside the multipliers searched (2⁻¹² … 2¹²)."""

    def __init__(self, status: Status) -> None:
        self.status = status


def _bracket(check: Callable[[float], bool]) -> tuple[float, float]:
    """``(low, high)`` with the SLA held at ``low`` and broken at ``high``."""
    if check(1.0):
        low = 1.0
        while True:
            high = low * 2.0
            if high > RANGE_FACTOR:
                raise _OutOfRangeError("above_range")
            if not check(high):
                return low, high
            low = high
    high = 1.0
    while True:
        low = high / 2.0
        if low < 1.0 / RANGE_FACTOR:
            raise _OutOfRangeError("below_range")
        if check(low):
            return low, high
        high = low


def network_search_task(task: NetworkTask) -> NetworkSearch:
    """One replication's search; a model failure is reported with its seed, not raised."""
    try:
        return search_network(task)
    except ScenarioError:
        raise
    except Exception as error:
        return NetworkSearch(task.replication, "failed", error=repr(error))

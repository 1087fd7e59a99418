"""End-to-end figures of the resolutions a secondary node owns, and each node's statistics.

The node KPIs of the single node (:mod:`simdata.analysis.resolution.kpis`) are computed
from :class:`~simdata.model.resolution.statistics.NodeStatistics`; a network node gets two
of them: its **queue** statistics (wait, sojourn, utilisation, rejections at that node,
from its :class:`~simdata.model.resolution.fcfs.FcfsStream`) and, for a secondary node,
the **path** statistics of the resolutions whose identifiers it owns (end-to-end latency
from the client's request, cache hits included, judged against the network's timeout and
SLA; a resolution rejected at any node counts as rejected).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine import histogram
from simdata.engine.histogram import add, add_times, jit
from simdata.model.resolution.fcfs import (
    BUSY_AREA,
    ENDS_IN_WINDOW,
    LATENCY_SUM,
    QUEUE_AREA,
    SOJOURN_SUM,
    WAIT_SUM,
)
from simdata.model.resolution.rules import OUTCOMES, TIMED_OUT, WITHIN_SLA, NodeRules, judge
from simdata.model.resolution.statistics import NodeStatistics


@dataclass(frozen=True)
class NodeFigures:
    """One node's statistics: ``queue`` when it has servers, ``path`` when it owns
    resolutions (a secondary node)."""

    kind: str
    queue: NodeStatistics | None
    path: NodeStatistics | None
    #: The utilisation of the busiest whole clock hour of the window (queue nodes; NaN
    #: when the window holds no whole hour): ``resolution.utilisation@node=…@window=peak_hour``.
    peak_utilisation: float = math.nan


class PathTally:
    """End-to-end outcomes, latency sums and histograms of measured resolutions, by owner.

    One compiled pass per batch (:func:`_tally`) judges each resolution and adds it to its
    owner's counts, sums and row of a nodes × buckets histogram: no sorting by owner.
    """

    def __init__(self, nodes: int, rules: NodeRules) -> None:
        self.rules = rules
        self.measured = np.zeros(nodes, dtype=np.int64)
        self.outcomes = np.zeros((nodes, OUTCOMES), dtype=np.int64)
        self.latency_sum = np.zeros(nodes)
        self.hits = np.zeros(nodes, dtype=np.int64)
        self.hit_outcomes = np.zeros((nodes, OUTCOMES), dtype=np.int64)
        self.hit_latency_sum = np.zeros(nodes)
        self.latency = np.zeros((nodes, histogram.SIZE), dtype=np.int64)

    def add(
        self,
        owner: IntArray,
        latency: FloatArray,
        measured: BoolArray | None,
        hit: bool,
        weight: IntArray | None = None,
    ) -> None:
        """Judge and count the resolutions ``latency`` (NaN: rejected) of ``owner``;
        ``measured`` None counts every one, ``weight`` counts row i ``weight[i]`` times
        (cache hits of a constant latency, counted per owner)."""
        if hit:
            outcomes, sums, hits = self.hit_outcomes, self.hit_latency_sum, self.hits
        else:
            outcomes, sums, hits = self.outcomes, self.latency_sum, np.empty(0, np.int64)
        _tally(
            np.ascontiguousarray(owner, dtype=np.int64),
            np.ascontiguousarray(latency, dtype=np.float64),
            _ALL if measured is None else np.ascontiguousarray(measured, dtype=np.bool_),
            _ONE if weight is None else np.ascontiguousarray(weight, dtype=np.int64),
            self.rules,
            self.measured,
            outcomes,
            sums,
            self.latency,
            hits,
        )

    def statistics(self, node: int, window_s: float, servers: int) -> NodeStatistics:
        hit_outcomes = self.hit_outcomes[node]
        outcomes = self.outcomes[node]
        return NodeStatistics(
            window_s=window_s,
            servers=servers,
            measured=int(self.measured[node]),
            hits=int(self.hits[node]),
            hits_timed_out=int(hit_outcomes[TIMED_OUT]),
            hits_within_sla=int(hit_outcomes[WITHIN_SLA]),
            hits_latency_sum=float(self.hit_latency_sum[node]),
            outcomes=(
                float(outcomes[0]),
                float(outcomes[1]),
                float(outcomes[2]),
                float(outcomes[3]),
            ),
            wait_sum=float("nan"),
            sojourn_sum=float("nan"),
            latency_sum=float(self.latency_sum[node]),
            queue_area=float("nan"),
            busy_area=float("nan"),
            ends_in_window=float("nan"),
            latency=self.latency[node].copy(),
            sojourn=histogram.empty(),
        )


def queue_statistics(
    stats: FloatArray, sojourn: IntArray, window_s: float, servers: int
) -> NodeStatistics:
    """A queue node's own statistics (node arrival to end; no cache, no path) from its
    :class:`~simdata.model.resolution.fcfs.FcfsStream`-layout ``stats`` and sojourn
    histogram (its latency is its sojourn: a node's rules have no timeout and no SLA)."""
    return NodeStatistics(
        window_s=window_s,
        servers=servers,
        measured=int(stats[:OUTCOMES].sum()),
        hits=0,
        hits_timed_out=0,
        hits_within_sla=0,
        hits_latency_sum=0.0,
        outcomes=(float(stats[0]), float(stats[1]), float(stats[2]), float(stats[3])),
        wait_sum=float(stats[WAIT_SUM]),
        sojourn_sum=float(stats[SOJOURN_SUM]),
        latency_sum=float(stats[LATENCY_SUM]),
        queue_area=float(stats[QUEUE_AREA]),
        busy_area=float(stats[BUSY_AREA]),
        ends_in_window=float(stats[ENDS_IN_WINDOW]),
        latency=sojourn.copy(),
        sojourn=sojourn.copy(),
    )


#: ``measured``/``weight`` of :func:`_tally` when every row counts, once.
_ALL = np.empty(0, dtype=np.bool_)
_ONE = np.empty(0, dtype=np.int64)


@jit
def _tally(
    owner: IntArray,
    latency: FloatArray,
    measured: BoolArray,
    weight: IntArray,
    rules: NodeRules,
    counted: IntArray,
    outcomes: IntArray,
    sums: FloatArray,
    latencies: IntArray,
    hits: IntArray,
) -> None:
    """Judge every measured resolution and count it at its owner (see :class:`PathTally`)."""
    every, once = measured.shape[0] == 0, weight.shape[0] == 0
    for i in range(owner.shape[0]):
        if not every and not measured[i]:
            continue
        node = owner[i]
        times = 1 if once else weight[i]
        if times == 0:
            continue
        reported, outcome = judge(latency[i], rules)
        counted[node] += times
        outcomes[node, outcome] += times
        if hits.shape[0] > 0:
            hits[node] += times
        if not math.isnan(reported):
            sums[node] += reported * times
            if times == 1:
                add(latencies[node], reported)
            else:
                add_times(latencies[node], reported, times)


def peak_utilisation(busy_servers: FloatArray, servers: int) -> float:
    """The busiest hour's utilisation from the mean busy servers per clock hour."""
    if servers <= 0 or len(busy_servers) == 0:
        return math.nan
    return float(np.max(busy_servers)) / servers

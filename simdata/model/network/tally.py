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

from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine import histogram
from simdata.model.resolution.fcfs import (
    BUSY_AREA,
    ENDS_IN_WINDOW,
    LATENCY_SUM,
    QUEUE_AREA,
    SOJOURN_SUM,
    WAIT_SUM,
    FcfsStream,
)
from simdata.model.resolution.rules import (
    OUTCOMES,
    TIMED_OUT,
    WITHIN_SLA,
    NodeRules,
    judge_many,
)
from simdata.model.resolution.statistics import NodeStatistics


@dataclass(frozen=True)
class NodeFigures:
    """One node's statistics: ``queue`` when it has servers, ``path`` when it owns
    resolutions (a secondary node)."""

    kind: str
    queue: NodeStatistics | None
    path: NodeStatistics | None


class PathTally:
    """End-to-end outcomes, latency sums and histograms of measured resolutions, by owner."""

    def __init__(self, nodes: int, rules: NodeRules) -> None:
        self.rules = rules
        self.measured = np.zeros(nodes, dtype=np.int64)
        self.outcomes = np.zeros((nodes, OUTCOMES), dtype=np.int64)
        self.latency_sum = np.zeros(nodes)
        self.hits = np.zeros(nodes, dtype=np.int64)
        self.hit_outcomes = np.zeros((nodes, OUTCOMES), dtype=np.int64)
        self.hit_latency_sum = np.zeros(nodes)
        self.latency = [histogram.empty() for _ in range(nodes)]

    def add(self, owner: IntArray, latency: FloatArray, measured: BoolArray, hit: bool) -> None:
        """Judge and count the resolutions ``latency`` (NaN: rejected) of ``owner``."""
        keep = np.flatnonzero(measured)
        if len(keep) == 0:
            return
        owner, (reported, outcome) = owner[keep], judge_many(latency[keep], self.rules)
        size = len(self.measured)
        self.measured += np.bincount(owner, minlength=size)
        outcomes = self.hit_outcomes if hit else self.outcomes
        np.add.at(outcomes, (owner, outcome), 1)
        answered = ~np.isnan(reported)
        sums = np.bincount(owner[answered], weights=reported[answered], minlength=size)
        if hit:
            self.hits += np.bincount(owner, minlength=size)
            self.hit_latency_sum += sums
        else:
            self.latency_sum += sums
        order = np.argsort(owner, kind="stable")
        edges = np.searchsorted(owner[order], np.arange(size + 1))
        for node in np.flatnonzero(np.diff(edges)):
            rows = order[edges[node] : edges[node + 1]]
            histogram.add_many(self.latency[node], reported[rows])

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


def queue_statistics(stream: FcfsStream, window_s: float, servers: int) -> NodeStatistics:
    """A queue node's own statistics (node arrival to end; no cache, no path)."""
    stats = stream.stats
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
        latency=stream.sojourn.copy(),
        sojourn=stream.sojourn.copy(),
    )

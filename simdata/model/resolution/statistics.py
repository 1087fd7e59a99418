"""The batched engine's sufficient statistics of one replication's resolution node.

The batched engine keeps no per-request rows; what it keeps is enough to compute every
resolution KPI (:mod:`simdata.analysis.resolution.kpis` defines each KPI once, over
either the event engine's exact request rows or these statistics): counts by
:class:`~simdata.model.resolution.rules.Outcome`, sums, time integrals over the measured
window and the merged log-bucket histograms (:mod:`simdata.engine.histogram`).
"""

from __future__ import annotations

from dataclasses import dataclass

from simdata.arrays import IntArray
from simdata.model.resolution.rules import OVER_SLA, REJECTED, TIMED_OUT, WITHIN_SLA


@dataclass(frozen=True)
class NodeStatistics:
    """Counts, sums and histograms of the measured requests (client arrival in the window,
    not a registration write) and time integrals over the window of every admitted one.

    ``node`` counts are of requests that reached the node's queue, ``hits`` of those the
    cache answered; ``outcomes[o]`` counts measured node requests of outcome ``o``.
    """

    window_s: float
    servers: int
    #: Measured requests (hits included).
    measured: int
    hits: int
    hits_timed_out: int
    hits_within_sla: int
    hits_latency_sum: float
    #: Node requests by outcome (floats holding whole numbers, as the kernel counts them).
    outcomes: tuple[float, float, float, float]
    wait_sum: float
    sojourn_sum: float
    #: Node requests' latencies, capped at the timeout.
    latency_sum: float
    queue_area: float
    busy_area: float
    ends_in_window: float
    #: End-to-end latencies of every answered measured request (hits and node).
    latency: IntArray
    #: Time in the node of measured admitted requests.
    sojourn: IntArray

    @property
    def admitted(self) -> float:
        """Measured node requests admitted (answered or timed out)."""
        outcomes = self.outcomes
        return outcomes[WITHIN_SLA] + outcomes[OVER_SLA] + outcomes[TIMED_OUT]

    @property
    def arrived(self) -> float:
        """Measured requests that reached the node (admitted or rejected)."""
        return self.admitted + self.outcomes[REJECTED]

    @property
    def answered(self) -> float:
        """Measured requests with a latency: hits and admitted node requests."""
        return self.admitted + self.hits

    @property
    def within_sla(self) -> float:
        return self.outcomes[WITHIN_SLA] + self.hits_within_sla

    @property
    def timed_out(self) -> float:
        return self.outcomes[TIMED_OUT] + self.hits_timed_out

    @property
    def rejected(self) -> float:
        return self.outcomes[REJECTED]

    @property
    def all_latency_sum(self) -> float:
        """Latency sum of every answered measured request (node, then hits)."""
        return self.latency_sum + self.hits_latency_sum

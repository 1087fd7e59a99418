"""The resolution path with the batched engine: the exact FCFS recursion over vector blocks.

The event engine (:mod:`simdata.model.resolution.event`) spends two SimPy events per
request, about 300,000 requests/s; a national day (1.5×10⁸ requests) would take minutes.
Here the same requests (:class:`~simdata.model.resolution.draws.RequestSource`, same
streams, same order) go through the Kiefer–Wolfowitz recursion compiled with numba
(:class:`~simdata.model.resolution.fcfs.FcfsStream`), which gives every request exactly the
start and end the event engine gives it, under the same rules
(:mod:`simdata.model.resolution.rules`: node-arrival order, admission, timeout, SLA), and
keeps only bounded statistics: counts, sums, time integrals over the measured window and
log-bucket histograms of latency and sojourn (relative error < 1 %). Memory does not
grow with the number of requests.

Its KPIs are the registry's (:mod:`simdata.analysis.resolution.kpis`), computed from its
sufficient statistics (:meth:`BatchedResolutionNode.statistics`); quantiles come from the
histograms instead of the sorted latencies.
"""

from __future__ import annotations

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine import histogram
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.frames import NODE_HOURS
from simdata.model.resolution.draws import Block, RequestSource, clock_hours, node_hours_frame
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
    ReorderBuffer,
    judge_in_place,
)
from simdata.model.resolution.statistics import NodeStatistics
from simdata.scenario.resolution import ResolutionSpec
from simdata.scenario.units import SERIES_BINS

#: The batched engine's block: larger than the event engine's, to amortise numpy calls.
BATCH = 1 << 16


class BatchedResolutionNode:
    """The resolution path of one replication, simulated by blocks with bounded memory.

    ``measure_start_s``/``horizon_s`` bound the measured window (by client arrival). With
    ``collect``, the node's per-request ``start``/``end``/``admitted`` are also kept in
    request order (:meth:`collected`) — for tests that compare with the event engine.
    """

    def __init__(
        self,
        spec: ResolutionSpec,
        streams: Streams,
        recorder: Recorder,
        start_s: float,
        horizon_s: float,
        measure_start_s: float,
        start_weekday: int = 0,
        write_share: float = 0.0,
        given: tuple[FloatArray, BoolArray] | None = None,
        *,
        collect: bool = False,
        block: int = BATCH,
    ) -> None:
        self.spec = spec
        self.source = RequestSource(
            spec, streams, start_s, horizon_s, start_weekday, write_share, given, block
        )
        self.start_s = start_s
        self.horizon_s = horizon_s
        self.measure_start_s = measure_start_s
        self._recorder = recorder
        self.rules = NodeRules.of(spec)
        self._edges = np.linspace(start_s, horizon_s, SERIES_BINS + 1)
        self.stream = FcfsStream(
            self.rules,
            window_lo_s=measure_start_s,
            window_hi_s=horizon_s,
            series_edges=self._edges,
            busy_edges=clock_hours(measure_start_s, horizon_s),
        )
        # Misses wait here until no later request can reach the node before them; their
        # columns: request index, service, extra latency, measured flag.
        self._order = ReorderBuffer()
        self._drawn = 0
        #: Measured requests (client arrival in the window, not a write), and their hits.
        self.measured = 0
        self.hits = 0
        self.hit_outcomes = np.zeros(OUTCOMES, dtype=np.int64)
        self.hits_latency_sum = 0.0
        self.hit_latency = histogram.empty()
        #: Requests that reached the node's queue (admitted or rejected), writes included.
        self.node_requests = 0
        self._collect = collect
        self._collected: list[tuple[IntArray, FloatArray, FloatArray, BoolArray]] = []
        self._ran = False

    def run(self) -> None:
        """Draw and serve every request before the horizon, then drain the node."""
        if self._ran:
            return
        self._ran = True
        while not self.source.exhausted:
            self._serve(self.source.next_block())

    def _serve(self, block: Block) -> None:
        first = self._drawn
        self._drawn += block.kept
        in_window = (block.arrival >= self.measure_start_s) & (block.arrival < self.horizon_s)
        measured = in_window & ~block.write
        self.measured += int(np.count_nonzero(measured))
        self._count_hits(block, measured)
        if self.spec.top_level is None:
            # Node arrival = client arrival: already in order, nothing waits for later
            # blocks (the fast path of plain M/G/c nodes and of cache-only paths).
            if block.hit.any():
                misses = np.flatnonzero(~block.hit)
                self._feed(
                    first + misses,
                    block.arrival[misses],
                    block.service[misses],
                    block.enterprise[misses],
                    measured[misses],
                )
            else:
                index = first + np.arange(block.kept) if self._collect else None
                self._feed(index, block.arrival, block.service, block.enterprise, measured)
            return
        misses = np.flatnonzero(~block.hit)
        extra = block.node_arrival[misses] - block.arrival[misses] + block.enterprise[misses]
        when, (index, service, extra, measured) = self._order.release(
            block.node_arrival[misses],
            (first + misses, block.service[misses], extra, measured[misses]),
            block.last_arrival,
            block.exhausted,
        )
        self._feed(index, when, service, extra, measured)

    def _feed(
        self,
        index: IntArray | None,
        node_arrival: FloatArray,
        service: FloatArray,
        extra: FloatArray,
        measured: BoolArray,
    ) -> None:
        """Serve requests in node-arrival order (``index`` their request numbers)."""
        ready = len(node_arrival)
        if ready == 0:
            return
        start, end, admitted = self.stream.feed(node_arrival, service, extra, measured)
        self.node_requests += ready
        if self._collect and index is not None:
            self._collected.append((index, start, end, admitted))

    def _count_hits(self, block: Block, measured: BoolArray) -> None:
        hits = block.hit & measured
        count = int(np.count_nonzero(hits))
        if count == 0:
            return
        latency = block.hit_latency[hits]  # a copy, judged in place
        self.hits += count
        self.hit_outcomes += judge_in_place(latency, self.rules)
        self.hits_latency_sum += float(latency.sum())
        histogram.add_many(self.hit_latency, latency)

    def collected(self) -> tuple[FloatArray, FloatArray, BoolArray, IntArray]:
        """``(start_s, end_s, admitted, request_index)`` of the node's requests, by index."""
        if not self._collect:
            raise ValueError("collect=False: nothing was kept")
        index = np.concatenate([c[0] for c in self._collected])
        order = np.argsort(index, kind="stable")
        return (
            np.concatenate([c[1] for c in self._collected])[order],
            np.concatenate([c[2] for c in self._collected])[order],
            np.concatenate([c[3] for c in self._collected])[order],
            index[order],
        )

    def record_series(self) -> None:
        """Record the time-average number in the node per bin (``resolution.in_system``)
        and the utilisation of each whole clock hour (``node_hours``)."""
        self._recorder.add_series(
            "resolution.in_system", "", self._edges[:-1], self.stream.in_system()
        )
        hours = self.stream.busy_edges
        if hours is not None and len(hours) >= 2:
            self._recorder.put(
                NODE_HOURS,
                node_hours_frame(hours, self.stream.busy_servers(), self.spec.servers),
            )

    def statistics(self) -> NodeStatistics:
        """The sufficient statistics of the measured requests so far (see
        :mod:`~simdata.model.resolution.statistics`)."""
        stats = self.stream.stats
        return NodeStatistics(
            window_s=self.horizon_s - self.measure_start_s,
            servers=self.spec.servers,
            measured=self.measured,
            hits=self.hits,
            hits_timed_out=int(self.hit_outcomes[TIMED_OUT]),
            hits_within_sla=int(self.hit_outcomes[WITHIN_SLA]),
            hits_latency_sum=self.hits_latency_sum,
            outcomes=(float(stats[0]), float(stats[1]), float(stats[2]), float(stats[3])),
            wait_sum=float(stats[WAIT_SUM]),
            sojourn_sum=float(stats[SOJOURN_SUM]),
            latency_sum=float(stats[LATENCY_SUM]),
            queue_area=float(stats[QUEUE_AREA]),
            busy_area=float(stats[BUSY_AREA]),
            ends_in_window=float(stats[ENDS_IN_WINDOW]),
            latency=self.latency_histogram(),
            sojourn=self.stream.sojourn.copy(),
        )

    def latency_histogram(self) -> IntArray:
        """Counts of the measured end-to-end latencies (hits and node), log buckets."""
        return histogram.merge(self.stream.latency, self.hit_latency)

"""The resolution path with the batched engine: the exact FCFS recursion over vector blocks.

The event engine (:mod:`simdata.model.resolution`) spends two SimPy events per request,
about 300,000 requests/s; a national day (1.5×10⁸ requests) would take minutes. Here the
same requests (:class:`~simdata.model.resolution_draws.RequestSource`, same streams, same
order) go through the Kiefer–Wolfowitz recursion compiled with numba
(:class:`~simdata.engine.batched.FcfsStream`), which gives every request exactly the start
and end the event engine gives it, and keeps only bounded statistics: counts, sums, time
integrals over the measured window and log-bucket histograms of latency, sojourn and wait
(relative error < 1 %). Memory does not grow with the number of requests.

Node arrivals (client arrival + top-level lookup) can overtake each other across blocks,
so, as in the event engine, the misses of a block wait in a pending buffer until no later
request can reach the node before them (node arrival ≤ the block's last client arrival).

The KPIs keep the event engine's names and definitions (:mod:`simdata.analysis.
kpis_resolution`); quantiles come from the histograms instead of the sorted latencies.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simdata.engine import batched, histogram
from simdata.engine.batched import FcfsStream
from simdata.engine.recorder import Recorder
from simdata.engine.streams import Streams
from simdata.model.frames import NODE_HOURS
from simdata.model.resolution.draws import Block, RequestSource, clock_hours, node_hours_frame
from simdata.scenario.resolution import LATENCY_PERCENTILES, ResolutionSpec

#: Bins of the in-system time series (as the event engine's; used by the MSER-5 check).
SERIES_BINS = 500
#: The batched engine's block: larger than the event engine's, to amortise numpy calls.
BATCH = 1 << 16

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


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
        sla = spec.sla_parsed
        self._edges = np.linspace(start_s, horizon_s, SERIES_BINS + 1)
        self.stream = FcfsStream(
            spec.servers,
            spec.queue_limit,
            spec.timeout,
            sla.threshold_s if sla is not None else None,
            sla_strict=sla is not None and sla.op == "<",
            window_lo_s=measure_start_s,
            window_hi_s=horizon_s,
            series_edges=self._edges,
            busy_edges=clock_hours(measure_start_s, horizon_s),
        )
        self._timeout = math.inf if spec.timeout is None else float(spec.timeout)
        self._sla = sla
        # Misses drawn but not yet safe to feed (node arrival after the last client
        # arrival drawn): index, node arrival, service, extra latency, measured flag.
        self._pending: tuple[IntArray, FloatArray, FloatArray, FloatArray, BoolArray] = (
            np.zeros(0, dtype=np.int64),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0),
            np.zeros(0, dtype=np.bool_),
        )
        self._drawn = 0
        #: Measured requests (client arrival in the window, not a write), and their hits.
        self.measured = 0
        self.hits = 0
        self.hits_failed = 0
        self.hits_within_sla = 0
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
                self._feed(
                    first + np.arange(block.kept) if self._collect else None,
                    block.arrival,
                    block.service,
                    block.enterprise,
                    measured,
                )
            return
        misses = np.flatnonzero(~block.hit)
        pending = self._pending
        index = np.concatenate([pending[0], first + misses])
        when = np.concatenate([pending[1], block.node_arrival[misses]])
        order = np.argsort(when, kind="stable")
        ready = (
            len(order)
            if block.exhausted
            else int(np.searchsorted(when[order], block.last_arrival, side="right"))
        )
        extra = block.node_arrival[misses] - block.arrival[misses] + block.enterprise[misses]
        columns = (
            index,
            when,
            np.concatenate([pending[2], block.service[misses]]),
            np.concatenate([pending[3], extra]),
            np.concatenate([pending[4], measured[misses]]),
        )
        now, later = order[:ready], order[ready:]
        self._pending = (
            columns[0][later],
            columns[1][later],
            columns[2][later],
            columns[3][later],
            columns[4][later],
        )
        self._feed(
            columns[0][now], columns[1][now], columns[2][now], columns[3][now], columns[4][now]
        )

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
        latency = block.hit_latency[hits]
        failed = latency > self._timeout
        latency = np.where(failed, self._timeout, latency)
        within = ~failed
        if self._sla is not None:
            threshold = self._sla.threshold_s
            within &= latency < threshold if self._sla.op == "<" else latency <= threshold
        self.hits += count
        self.hits_failed += int(np.count_nonzero(failed))
        self.hits_within_sla += int(np.count_nonzero(within))
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

    def kpis(self) -> dict[str, float]:
        """The resolution KPIs, under the event engine's names and definitions."""
        stats = self.stream.stats
        length = self.horizon_s - self.measure_start_s
        measured = float(self.measured)
        admitted = stats[batched.ADMITTED]
        answered = admitted + self.hits
        latency = self.stream.latency + self.hit_latency
        sojourn = self.stream.sojourn

        def ratio(numerator: float, denominator: float) -> float:
            return numerator / denominator if denominator > 0 else math.nan

        values = {
            "resolution.arrivals_count": measured,
            "resolution.wait_mean": ratio(stats[batched.WAIT_SUM], admitted),
            "resolution.sojourn_mean": ratio(stats[batched.SOJOURN_SUM], admitted),
            "resolution.sojourn_p50": _quantile(sojourn, 0.50),
            "resolution.sojourn_p99": _quantile(sojourn, 0.99),
            "resolution.queue_mean": stats[batched.QUEUE_AREA] / length,
            "resolution.utilisation": stats[batched.BUSY_AREA] / (self.spec.servers * length),
            "resolution.throughput": stats[batched.ENDS_IN_WINDOW] / length,
            "resolution.rejected_share": ratio(stats[batched.REJECTED], stats[batched.ARRIVED]),
            "resolution.latency_mean": ratio(
                stats[batched.LATENCY_SUM] + self.hits_latency_sum, answered
            ),
            "resolution.sla_share": ratio(
                stats[batched.WITHIN_SLA] + self.hits_within_sla, measured
            ),
            "resolution.failed_share": ratio(stats[batched.FAILED] + self.hits_failed, measured),
            "resolution.cache_hit_share": ratio(self.hits, measured),
        }
        for p in LATENCY_PERCENTILES:
            values[f"resolution.latency_p{p}"] = _quantile(latency, p / 100)
        return {name: float(value) for name, value in values.items()}

    def latency_histogram(self) -> IntArray:
        """Counts of the measured end-to-end latencies (hits and node), log buckets."""
        return self.stream.latency + self.hit_latency


def _quantile(counts: IntArray, q: float) -> float:
    return histogram.quantile(counts, q) if histogram.count(counts) else math.nan

"""The network with the batched engine: the exact FCFS recursion at every node, in layers.

The network is feed-forward (routing is drawn at arrival): a node's arrivals are its
upstream nodes' departures plus link latency. So each block of client resolutions
(:class:`~simdata.model.network.draws.NetworkSource`) goes through the layers in order —
recursive (cache), top-level, secondary, enterprise — and at each queue the node's
requests are served by its own Kiefer–Wolfowitz recursion
(:class:`~simdata.model.resolution.fcfs.FcfsStream`), in node-arrival order, ties by
request id. A resolution can be served only once no later one can reach the node before
it: every later client arrival is at or after the block's last *drawn* arrival, and a hop
never goes back in time, so requests arriving before that bound are released and the rest
wait in the layer's pool for the next block. That makes the result exact (the same
per-request times as the event engine on the same draws) with memory bounded by a block
and the requests in flight; statistics are counts, sums and log-bucket histograms.
"""

from __future__ import annotations

import math

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.model.network.draws import NetworkBlock, NetworkSource
from simdata.model.network.hits import tally_hits
from simdata.model.network.kernels import group_by_node
from simdata.model.network.plan import ENTERPRISE, RECURSIVE, SECONDARY, SKIP, TOP_LEVEL
from simdata.model.network.rows import Rows
from simdata.model.network.tally import (
    NodeFigures,
    PathTally,
    peak_utilisation,
    queue_statistics,
)
from simdata.model.resolution.draws import clock_hours
from simdata.model.resolution.fcfs import FcfsStream
from simdata.model.resolution.rules import NO_LIMIT, NodeRules

QUEUE_LAYERS = (TOP_LEVEL, SECONDARY, ENTERPRISE)


def network_rules(source: NetworkSource) -> NodeRules:
    """The end-to-end rules: the network's timeout and SLA (no servers, no limit)."""
    spec = source.plan.spec
    sla = spec.sla_parsed
    return NodeRules(
        0,
        NO_LIMIT,
        math.inf if spec.timeout is None else float(spec.timeout),
        math.inf if sla is None else float(sla.threshold_s),
        sla is not None and sla.op == "<",
    )


class BatchedNetwork:
    """One replication's network, simulated block by block.

    ``measure_start_s``/``horizon_s`` bound the measured window (by client arrival). With
    ``collect``, every queue visit's ``(id, node, arrival, start, end, admitted)`` and
    every resolution's ``(id, latency)`` are kept (:attr:`visits`, :attr:`latencies`) —
    for tests that compare with the event engine.
    """

    def __init__(
        self,
        source: NetworkSource,
        measure_start_s: float,
        horizon_s: float,
        *,
        collect: bool = False,
    ) -> None:
        self.source = source
        plan = self.plan = source.plan
        self.measure_start_s = measure_start_s
        self.horizon_s = horizon_s
        self.streams: dict[int, FcfsStream] = {}
        #: Whole clock hours of the window, for each node's busiest hour.
        self.hours = clock_hours(measure_start_s, horizon_s)
        for index, node in enumerate(plan.spec.nodes):
            if node.servers is not None:
                limit = NO_LIMIT if node.queue_limit is None else int(node.queue_limit)
                rules = NodeRules(node.servers, limit, math.inf, math.inf, False)
                self.streams[index] = FcfsStream(
                    rules, measure_start_s, horizon_s, busy_edges=self.hours
                )
        self.pools = {layer: Rows.empty(layer) for layer in QUEUE_LAYERS}
        self.path = PathTally(plan.size, network_rules(source))
        #: Measured resolutions reaching each node (cache hits at their recursive node).
        self.arrivals = np.zeros(plan.size, dtype=np.int64)
        self.hits = np.zeros(plan.size, dtype=np.int64)
        self._collect = collect
        self.visits: list[
            tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, BoolArray]
        ] = []
        self.latencies: list[tuple[IntArray, FloatArray]] = []
        self._ran = False

    def run(self) -> None:
        """Draw and serve every resolution before the horizon, then drain the network."""
        if self._ran:
            return
        self._ran = True
        chunks = self.source.cache_hits(self.measure_start_s)
        tally_hits(chunks, self.path, self.hits, self.arrivals)
        while not self.source.exhausted:
            self._block(self.source.next_block())

    def _block(self, block: NetworkBlock) -> None:
        window = (block.arrival >= self.measure_start_s) & (block.arrival < self.horizon_s)
        measured = window & ~block.write  # writes load the servers, are not resolutions
        self._count(block.route[RECURSIVE], measured)
        rows = Rows.misses_of(block, measured)  # the hits were counted (:mod:`.hits`)
        bound = math.inf if block.exhausted else block.last_arrival
        for layer in QUEUE_LAYERS:
            rows = self._layer(layer, rows, bound)
        self._finish(rows.id, rows.owner, rows.t + rows.tail - rows.client, rows.measured)

    def _count(self, nodes: IntArray, measured: BoolArray) -> None:
        visited = nodes[measured & (nodes != SKIP)]
        self.arrivals += np.bincount(visited, minlength=self.plan.size)

    def _layer(self, layer: int, rows: Rows, bound: float) -> Rows:
        """Move ``rows`` through ``layer``: hop in, queue where the node has servers."""
        nodes = rows.route[layer]
        pending = self.pools[layer]
        if nodes is None:
            raise ValueError(f"layer {layer} was passed already")
        visiting = nodes != SKIP
        if not visiting.any() and len(pending) == 0:
            rows.passed(layer)
            return rows  # nobody here (e.g. no enterprise nodes): nothing to copy
        self._count(nodes, rows.measured)
        link = rows.link[layer]
        if link is not None:
            rows.t = np.where(visiting, rows.t + link, rows.t)
        queued = visiting & self.plan.queues[np.maximum(nodes, 0)]
        if queued.all():
            incoming, passing = rows, Rows.empty()
        elif not queued.any():
            incoming, passing = Rows.empty(), rows
        else:
            incoming, passing = rows.take(queued), rows.take(~queued)
        pool = Rows.concat(pending, incoming)
        ready = pool.t < bound
        if ready.all():
            self.pools[layer] = Rows.empty(layer)
            served = self._serve(layer, pool, np.arange(len(pool)))
        else:
            self.pools[layer] = pool.take(~ready)
            served = self._serve(layer, pool, np.flatnonzero(ready))
        passing.passed(layer)
        return Rows.concat(passing, served)

    def _serve(self, layer: int, pool: Rows, ready: IntArray) -> Rows:
        """Serve the ``ready`` rows of ``pool`` at their nodes in (node, arrival, id)
        order; drop rejections. Returns the served rows, ``t`` their departure."""
        if len(ready) == 0:
            return Rows.empty(layer + 1)
        nodes_all, service_all = pool.route[layer], pool.service[layer]
        if nodes_all is None or service_all is None:
            raise ValueError(f"layer {layer} was passed already")
        order = self._order(ready, pool.t, pool.id, nodes_all)
        rows = pool.take(order)
        nodes, service = nodes_all[order], service_all[order]
        end = np.empty(len(rows))
        admitted = np.empty(len(rows), dtype=np.bool_)
        cuts = np.flatnonzero(nodes[1:] != nodes[:-1]) + 1
        for lo, hi in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(rows)].tolist(), strict=True):
            stream = self.streams[int(nodes[lo])]
            start, end[lo:hi], admitted[lo:hi] = stream.feed(
                rows.t[lo:hi], service[lo:hi], None, rows.measured[lo:hi]
            )
            if self._collect:
                visit = (rows.id[lo:hi], nodes[lo:hi], rows.t[lo:hi], start, end[lo:hi])
                self.visits.append((*visit, admitted[lo:hi]))
        rows.passed(layer)
        if admitted.all():
            rows.t = end
            return rows
        lost = rows.take(~admitted)
        self._finish(lost.id, lost.owner, np.full(len(lost), np.nan), lost.measured)
        rows = rows.take(admitted)
        rows.t = end[admitted]
        return rows

    def _order(self, ready: IntArray, t: FloatArray, ids: IntArray, nodes: IntArray) -> IntArray:
        """``ready`` in (node, arrival, id) order: sorted by arrival (ties by id), then
        grouped by node with a stable counting sort."""
        times = t[ready]
        by_time = np.argsort(times)
        ordered = times[by_time]
        if len(ordered) > 1 and bool(np.any(ordered[1:] == ordered[:-1])):
            by_time = np.lexsort((ids[ready], times))  # exact ties: by request id
        ranked = ready[by_time]
        grouped, _ = group_by_node(nodes[ranked], self.plan.size)
        return ranked[grouped]

    def _finish(
        self,
        ids: IntArray,
        owner: IntArray,
        latency: FloatArray,
        measured: BoolArray,
        *,
        hit: bool = False,
    ) -> None:
        self.path.add(owner, latency, measured, hit)
        if self._collect:
            self.latencies.append((ids, latency))

    def figures(self) -> dict[str, NodeFigures]:
        """Every node's statistics by name (see :class:`NodeFigures`)."""
        window = self.horizon_s - self.measure_start_s
        found: dict[str, NodeFigures] = {}
        for index, node in enumerate(self.plan.spec.nodes):
            stream = self.streams.get(index)
            servers = node.servers or 0
            queue = (
                None
                if stream is None
                else queue_statistics(stream.stats, stream.sojourn, window, servers)
            )
            owns = node.kind == "secondary"
            path = self.path.statistics(index, window, servers) if owns else None
            peak = math.nan
            if stream is not None and len(self.hours) >= 2:
                peak = peak_utilisation(stream.busy_servers(), servers)
            found[node.name] = NodeFigures(node.kind, queue, path, peak)
        return found

    def collected_latencies(self) -> tuple[IntArray, FloatArray]:
        """``(id, latency)`` of every resolution, by id (NaN: rejected)."""
        ids = np.concatenate([c[0] for c in self.latencies])
        latency = np.concatenate([c[1] for c in self.latencies])
        order = np.argsort(ids, kind="stable")
        return ids[order], latency[order]

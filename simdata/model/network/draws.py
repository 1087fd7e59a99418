"""The network's resolutions, drawn in vector blocks — shared by both network engines.

Only the cache misses are simulated as requests (the hits are counted: :mod:`.hits`): their
arrivals come from the network's traffic thinned by the miss share (the arrival process of
the single node, :class:`~simdata.model.resolution.arrivals.ArrivalProcess`); each miss then
draws, from its own streams, one uniform per routing choice that has more than one option
(entry recursive node, top-level node, owning secondary node, enterprise node), whether it
is used or not, so a variant that changes servers or queue limits sees the same routes
(common random numbers).
The hop latencies and service times are drawn from each node's own streams for the
requests that visit it, in request order, so changing one node leaves the others' draws
alone. The event engine and the batched engine take their requests from
:class:`NetworkSource`, so they see identical draws.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.network.hits import HitChunk, cache_hits, miss_share
from simdata.model.network.kernels import group_by_node
from simdata.model.network.plan import (
    ENTERPRISE,
    RECURSIVE,
    SECONDARY,
    SKIP,
    TOP_LEVEL,
    Choice,
    NetworkPlan,
)
from simdata.model.network.writes import Filings, WriteStream, with_writes
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.scenario.network import LAYERS

COMPONENT = "network"
#: Cache misses drawn per block (large: per-node work is per block, there may be 10³ nodes).
BLOCK = 1 << 19


@dataclass
class NetworkBlock:
    """The next resolutions before the horizon, with every draw their path needs.

    Every resolution here missed the cache (hits are counted: :mod:`.hits`).
    ``route[layer]`` is the node visited in each layer (:data:`SKIP` when none),
    ``link[layer]`` the latency of the hop into it, ``service[layer]`` its service time there
    (NaN without a queue). ``owner`` is the secondary node owning the identifier, ``tail``
    the enterprise-node latency of a secondary without enterprise nodes.
    ``last_arrival`` is the last *drawn* client arrival: no later resolution reaches any
    node before it.
    """

    first: int
    arrival: FloatArray
    route: IntArray
    link: FloatArray
    service: FloatArray
    owner: IntArray
    tail: FloatArray
    last_arrival: float
    exhausted: bool
    #: Registration writes (with enterprises: :mod:`.writes`): not resolutions, never
    #: measured; they load their secondary node's servers for its ``registration_time``.
    write: BoolArray

    @property
    def kept(self) -> int:
        return len(self.arrival)


class NetworkSource:
    """Draws one replication's resolutions over the network, block by block."""

    def __init__(
        self,
        plan: NetworkPlan,
        streams: Streams,
        start_s: float,
        horizon_s: float,
        start_weekday: int = 0,
        block: int = BLOCK,
    ) -> None:
        self.plan = plan
        self.horizon_s = horizon_s
        self.block = block
        traffic = plan.spec.traffic
        #: Every client resolution (for expected counts and the cache hits' number).
        self.clients = ArrivalProcess(traffic, start_weekday, start_s)
        #: The cache misses, the only resolutions simulated (see :mod:`.hits`).
        self.miss_share = miss_share(plan)
        misses = traffic.model_copy(update={"rate": traffic.rate * max(self.miss_share, 1e-300)})
        self.arrivals = ArrivalProcess(misses, start_weekday, start_s)
        self._streams = streams
        self._rng = {
            purpose: streams.generator(COMPONENT, purpose)
            for purpose in ("arrivals", *(f"route_{kind}" for kind in LAYERS))
        }
        self._node_rngs: dict[tuple[str, int], np.random.Generator] = {}
        self._drawn = 0
        self.exhausted = self.miss_share <= 0.0
        #: Registration writes on the secondary nodes (set by the component).
        self.writes: WriteStream | None = None
        #: Prefix filings at the top-level nodes (set by the component).
        self.filings: Filings | None = None
        self._writes_from = start_s

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected client resolutions in [start_s, end_s) (hits and misses)."""
        return self.clients.expected_count(start_s, end_s)

    def cache_hits(self, measure_start_s: float) -> Iterator[HitChunk]:
        """The measured cache hits (client arrival in [measure_start_s, horizon))."""
        mass = self.clients.expected_count(measure_start_s, self.horizon_s)
        return cache_hits(self.plan, self._streams, mass)

    def _node_rng(self, purpose: str, node: int) -> np.random.Generator:
        key = (purpose, node)
        rng = self._node_rngs.get(key)
        if rng is None:
            name = self.plan.names[node]
            rng = self._node_rngs[key] = self._streams.generator(COMPONENT, f"{purpose}:{name}")
        return rng

    def next_block(self) -> NetworkBlock:
        """The next block of cache misses; afterwards :attr:`exhausted` says whether the
        horizon was reached. A routing choice with one option draws nothing; every stream
        that is drawn gives draw i to miss i, used or not (common random numbers)."""
        plan, size = self.plan, self.block
        arrival = self.arrivals.next_block(self._rng["arrivals"], size)
        kept = int(np.searchsorted(arrival, self.horizon_s, side="left"))
        self.exhausted = kept < size
        route = np.full((len(LAYERS), kept), SKIP, dtype=np.int64)
        route[RECURSIVE] = self._pick(plan.miss_entry, "recursive", kept)
        entered = route[RECURSIVE] != SKIP
        owner = self._pick(plan.secondary, "secondary", kept)
        named = plan.named_top[np.maximum(route[RECURSIVE], 0)]
        if plan.top_level.nodes.size and not (entered & (named != SKIP)).all():
            by_share = self._pick(plan.top_level, "top_level", kept)
            route[TOP_LEVEL] = np.where(entered & (named != SKIP), named, by_share)
        else:
            route[TOP_LEVEL] = np.where(entered, named, SKIP)
        route[SECONDARY] = owner
        if plan.children:
            uniforms = self._rng["route_enterprise"].random(size)[:kept]
            route[ENTERPRISE] = self._children(owner, uniforms)
        block = NetworkBlock(
            first=self._drawn,
            arrival=arrival[:kept],
            route=route,
            link=np.zeros((len(LAYERS), kept)),
            service=np.full((len(LAYERS), kept), np.nan),
            owner=owner,
            tail=np.zeros(kept),
            last_arrival=float(arrival[-1]),
            exhausted=self.exhausted,
            write=np.zeros(kept, dtype=np.bool_),
        )
        upper = self.horizon_s if self.exhausted else block.last_arrival
        if self.writes is not None:
            times, owners = self.writes.between(self._writes_from, upper)
            block = with_writes(block, times, owners)
        if self.filings is not None:
            times, tops = self.filings.between(self._writes_from, upper)
            block = with_writes(block, times, tops, TOP_LEVEL)
        self._writes_from = upper
        self._drawn += block.kept
        self._draw_per_node(block)
        return block

    def _pick(self, choice: Choice, kind: str, kept: int) -> IntArray:
        """The choice's node for each of ``kept`` misses (no draw when trivial)."""
        if choice.trivial:
            only = choice.nodes[0] if choice.nodes.size else SKIP
            return np.full(kept, only, dtype=np.int64)
        uniforms = self._rng[f"route_{kind}"].random(self.block)
        return choice.pick(uniforms[:kept])

    def _children(self, owner: IntArray, uniforms: FloatArray) -> IntArray:
        chosen = np.full(len(owner), SKIP, dtype=np.int64)
        for parent, choice in self.plan.children.items():
            mine = np.flatnonzero(owner == parent)
            if len(mine):
                chosen[mine] = choice.pick(uniforms[mine])
        return chosen

    def _draw_per_node(self, block: NetworkBlock) -> None:
        """Link latencies, service times, write times and enterprise latencies, per node:
        each node's streams serve its resolutions in request order (writes and filings have
        their own stream, ``write_time:NAME``, and no link or enterprise latency)."""
        plan = self.plan
        for layer in range(len(LAYERS)):
            for node, rows in _groups(block.route[layer], plan.size):
                spec = plan.node(node)
                writes = rows[block.write[rows]]
                if len(writes):
                    rows = rows[~block.write[rows]]
                    block.service[layer, writes] = spec.registration_time.sample(
                        self._node_rng("write_time", node), len(writes)
                    )
                if spec.link is not None:
                    block.link[layer, rows] = spec.link.sample(
                        self._node_rng("link", node), len(rows)
                    )
                if spec.queues:
                    block.service[layer, rows] = spec.service_time.sample(
                        self._node_rng("service", node), len(rows)
                    )
                if (
                    layer == SECONDARY
                    and spec.enterprise_node is not None
                    and node not in plan.children
                ):
                    block.tail[rows] = spec.enterprise_node.sample(
                        self._node_rng("enterprise_node", node), len(rows)
                    )


def _groups(nodes: IntArray, size: int) -> list[tuple[int, IntArray]]:
    """``(node, positions)`` for each node in ``nodes`` (SKIP left out), positions increasing."""
    order, starts = group_by_node(nodes, size)
    return [
        (node, order[starts[node + 1] : starts[node + 2]])
        for node in np.flatnonzero(np.diff(starts[1:])).tolist()
    ]

"""The network's resolutions, drawn in vector blocks — shared by both network engines.

Client arrivals come from the network's traffic (the arrival process of the single node,
:class:`~simdata.model.resolution.arrivals.ArrivalProcess`); each resolution then draws,
from its own streams, one uniform per routing choice (entry recursive node, cache hit,
top-level node, owning secondary node, enterprise node), whether it is used or not, so a
variant that changes servers or queue limits sees the same routes (common random numbers).
The hop latencies and service times are drawn from each node's own streams for the
requests that visit it, in request order, so changing one node leaves the others' draws
alone. The event engine and the batched engine take their requests from
:class:`NetworkSource`, so they see identical draws.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.network.plan import (
    ENTERPRISE,
    RECURSIVE,
    SECONDARY,
    SKIP,
    TOP_LEVEL,
    NetworkPlan,
)
from simdata.model.resolution.arrivals import ArrivalProcess
from simdata.scenario.network import LAYERS

COMPONENT = "network"
#: Resolutions drawn per block (large: per-node work is per block, there may be 10³ nodes).
BLOCK = 1 << 18


@dataclass
class NetworkBlock:
    """The next resolutions before the horizon, with every draw their path needs.

    ``route[layer]`` is the node visited in each layer (:data:`SKIP` when none; a cache
    hit visits only its recursive node), ``link[layer]`` the latency of the hop into it,
    ``service[layer]`` its service time there (NaN without a queue). ``owner`` is the
    secondary node owning the identifier (hits included), ``tail`` the enterprise-node
    latency of a secondary without enterprise nodes, ``hit_time`` a hit's answer time.
    ``last_arrival`` is the last *drawn* client arrival: no later resolution reaches any
    node before it.
    """

    first: int
    arrival: FloatArray
    route: IntArray
    link: FloatArray
    service: FloatArray
    owner: IntArray
    hit: BoolArray
    hit_time: FloatArray
    tail: FloatArray
    last_arrival: float
    exhausted: bool

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
        self.arrivals = ArrivalProcess(plan.spec.traffic, start_weekday, start_s)
        self._streams = streams
        self._rng = {
            purpose: streams.generator(COMPONENT, purpose)
            for purpose in ("arrivals", "cache", *(f"route_{kind}" for kind in LAYERS))
        }
        self._node_rngs: dict[tuple[str, int], np.random.Generator] = {}
        self._drawn = 0
        self.exhausted = False

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected client resolutions in [start_s, end_s)."""
        return self.arrivals.expected_count(start_s, end_s)

    def _node_rng(self, purpose: str, node: int) -> np.random.Generator:
        key = (purpose, node)
        rng = self._node_rngs.get(key)
        if rng is None:
            name = self.plan.names[node]
            rng = self._node_rngs[key] = self._streams.generator(COMPONENT, f"{purpose}:{name}")
        return rng

    def next_block(self) -> NetworkBlock:
        """The next block; afterwards :attr:`exhausted` says whether the horizon was reached."""
        plan, size = self.plan, self.block
        arrival = self.arrivals.next_block(self._rng["arrivals"], size)
        uniforms = {kind: self._rng[f"route_{kind}"].random(size) for kind in LAYERS}
        cache = self._rng["cache"].random(size)
        kept = int(np.searchsorted(arrival, self.horizon_s, side="left"))
        self.exhausted = kept < size
        route = np.full((len(LAYERS), kept), SKIP, dtype=np.int64)
        route[RECURSIVE] = plan.entry.pick(uniforms["recursive"][:kept])
        entered = route[RECURSIVE] != SKIP
        hit = entered & (cache[:kept] < plan.hit_ratio[np.maximum(route[RECURSIVE], 0)])
        owner = plan.secondary.pick(uniforms["secondary"][:kept])
        named = plan.named_top[np.maximum(route[RECURSIVE], 0)]
        by_share = plan.top_level.pick(uniforms["top_level"][:kept])
        top = np.where(entered & (named != SKIP), named, by_share)
        route[TOP_LEVEL] = np.where(hit, SKIP, top)
        route[SECONDARY] = np.where(hit, SKIP, owner)
        route[ENTERPRISE] = self._children(owner, uniforms["enterprise"][:kept], hit)
        block = NetworkBlock(
            first=self._drawn,
            arrival=arrival[:kept],
            route=route,
            link=np.zeros((len(LAYERS), kept)),
            service=np.full((len(LAYERS), kept), np.nan),
            owner=owner,
            hit=hit,
            hit_time=np.zeros(kept),
            tail=np.zeros(kept),
            last_arrival=float(arrival[-1]),
            exhausted=self.exhausted,
        )
        self._drawn += kept
        self._draw_per_node(block)
        return block

    def _children(self, owner: IntArray, uniforms: FloatArray, hit: BoolArray) -> IntArray:
        chosen = np.full(len(owner), SKIP, dtype=np.int64)
        for parent, choice in self.plan.children.items():
            mine = np.flatnonzero((owner == parent) & ~hit)
            if len(mine):
                chosen[mine] = choice.pick(uniforms[mine])
        return chosen

    def _draw_per_node(self, block: NetworkBlock) -> None:
        """Link latencies, service times, hit times and enterprise latencies, per node."""
        plan = self.plan
        for layer in range(len(LAYERS)):
            for node, rows in _groups(block.route[layer]):
                spec = plan.node(node)
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
        hits = np.flatnonzero(block.hit)
        for node, rows in _groups(block.route[RECURSIVE][hits]):
            time = plan.node(node).cache_hit_time
            block.hit_time[hits[rows]] = time.sample(self._node_rng("hit_time", node), len(rows))


def _groups(nodes: IntArray) -> list[tuple[int, IntArray]]:
    """``(node, positions)`` for each node in ``nodes`` (SKIP left out), positions increasing."""
    order = np.argsort(nodes, kind="stable")
    ordered = nodes[order]
    if len(nodes) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    bounds = [*starts.tolist(), len(nodes)]
    return [
        (int(ordered[lo]), order[lo:hi])
        for lo, hi in itertools.pairwise(bounds)
        if ordered[lo] != SKIP
    ]

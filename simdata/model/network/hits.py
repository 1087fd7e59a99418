"""Cache hits, counted rather than simulated.

A cache hit never queues: it is answered at its recursive node after the link and the hit
time, whatever the rest of the network does. Routing is drawn independently of time and
state, so the hits of recursive node r are the Poisson process of rate
λ(t) × share_r × hit_ratio_r — a thinning of the clients' process — and only the measured
ones matter (their count, owner and latency). So the hits of the measured window are drawn
as counts (Poisson per recursive node, multinomial over the owning secondary nodes) with
their latencies sampled in vector chunks, and only the misses are simulated as requests
(:class:`~simdata.model.network.draws.NetworkSource` draws them as a Poisson process of
rate λ(t) × Σ share_r × (1 − hit_ratio_r)). Both engines read the same hits. For a
national day that removes the 80 % of requests the cache answers from the simulation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from simdata.arrays import FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.network.plan import NetworkPlan
from simdata.model.network.tally import PathTally

#: Hits whose latencies are sampled at once.
CHUNK = 1 << 20


@dataclass(frozen=True)
class HitChunk:
    """Measured cache hits of recursive node ``entry``: their owners and latencies."""

    entry: int
    owner: IntArray
    latency: FloatArray
    #: Hits per row when the latency is the same for all (then one row per owner).
    weight: IntArray | None = None


def entry_shares(plan: NetworkPlan) -> FloatArray:
    """Each recursive node's share of the clients' resolutions (by ``plan.entry``)."""
    return np.diff(np.r_[0.0, plan.entry.cumulative])


def cache_hits(plan: NetworkPlan, streams: Streams, measured_mass: float) -> Iterator[HitChunk]:
    """The hits among ``measured_mass`` expected measured resolutions, chunk by chunk.

    Streams: ``network``/``cache_hits`` for the counts, and each recursive node's
    ``hit_link:NAME`` and ``hit_time:NAME`` for the latencies.
    """
    rng = streams.generator("network", "cache_hits")
    owners = plan.secondary.nodes
    owner_shares = np.diff(np.r_[0.0, plan.secondary.cumulative])
    for entry, share in zip(plan.entry.nodes.tolist(), entry_shares(plan).tolist(), strict=True):
        ratio = float(plan.hit_ratio[entry])
        if ratio <= 0.0 or share <= 0.0:
            continue
        count = int(rng.poisson(measured_mass * share * ratio))
        per_owner = rng.multinomial(count, owner_shares)
        node = plan.node(entry)
        link, time = node.link, node.cache_hit_time
        if time.variance == 0 and (link is None or link.variance == 0):
            # Every hit takes the same time: count them per owner (no sampling).
            same = time.mean + (0.0 if link is None else link.mean)
            yield HitChunk(entry, owners, np.full(len(owners), same), per_owner)
            continue
        owner = np.repeat(owners, per_owner)
        link_rng = streams.generator("network", f"hit_link:{node.name}")
        time_rng = streams.generator("network", f"hit_time:{node.name}")
        for lo in range(0, count, CHUNK):
            size = min(CHUNK, count - lo)
            latency = node.cache_hit_time.sample(time_rng, size)
            if node.link is not None:
                latency = latency + node.link.sample(link_rng, size)
            yield HitChunk(entry, owner[lo : lo + size], latency)


def miss_share(plan: NetworkPlan) -> float:
    """The share of the clients' resolutions that miss the cache (1 without recursive nodes)."""
    if len(plan.entry.nodes) == 0:
        return 1.0
    shares = entry_shares(plan)
    return float(np.sum(shares * (1.0 - plan.hit_ratio[plan.entry.nodes])))


def tally_hits(
    chunks: Iterator[HitChunk], path: PathTally, hits: IntArray, arrivals: IntArray
) -> None:
    """Count every measured hit at its owner (end to end) and at its recursive node."""
    for chunk in chunks:
        path.add(chunk.owner, chunk.latency, None, hit=True, weight=chunk.weight)
        size = len(chunk.owner) if chunk.weight is None else int(chunk.weight.sum())
        hits[chunk.entry] += size
        arrivals[chunk.entry] += size

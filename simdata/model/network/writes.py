"""Registration writes on a network's secondary nodes (with enterprises).

An enterprise files its prefix (备案) with a top-level node when it joins and registers its
identifiers on its own secondary node (:mod:`.enterprises`). The filings are the
economy's exact filing times, at a top-level node drawn by the top-level nodes' shares;
the writes go straight to their node's servers (no cache, no hops) and share them with
resolutions, served for the node's ``registration_time``, as on the single node. The
network simulates only its window (``network.window``), so each node's writes over it are
a Poisson stream at the node's mean registration rate over the window's days — the
economy's exact daily counts spread evenly over each day, an approximation of its weekly
batches that keeps the total load right. Writes load the queues but are not resolutions:
no KPI counts them as measured.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from simdata.arrays import FloatArray, IntArray
from simdata.engine.streams import Streams
from simdata.model.network.kernels import pick
from simdata.model.network.plan import SECONDARY, SKIP

if TYPE_CHECKING:  # draws imports this module
    from simdata.model.network.draws import NetworkBlock

#: The streams' component (as :mod:`.draws`).
COMPONENT = "network"


class WriteStream:
    """The writes of every secondary node, a Poisson stream of rate ``rates.sum()``."""

    def __init__(self, rates: FloatArray, streams: Streams) -> None:
        self.rates = np.asarray(rates, dtype=np.float64)
        self.total = float(self.rates.sum())
        positive = np.flatnonzero(self.rates > 0)
        self.nodes = positive.astype(np.int64)
        cumulative = np.cumsum(self.rates[positive]) / max(self.total, 1e-300)
        if len(cumulative):
            cumulative[-1] = 1.0
        self.cumulative = cumulative
        self._count_rng = streams.generator(COMPONENT, "writes")
        self._owner_rng = streams.generator(COMPONENT, "write_owner")

    def between(self, lo: float, hi: float) -> tuple[FloatArray, IntArray]:
        """The writes' times (sorted) in [lo, hi) and their nodes."""
        if self.total <= 0 or hi <= lo:
            return np.empty(0), np.empty(0, dtype=np.int64)
        count = int(self._count_rng.poisson(self.total * (hi - lo)))
        times = np.sort(lo + (hi - lo) * self._count_rng.random(count))
        owners = np.empty(count, dtype=np.int64)
        pick(self.cumulative, self.nodes, self._owner_rng.random(count), owners)
        return times, owners


def with_writes(
    block: NetworkBlock, times: FloatArray, nodes: IntArray, layer: int = SECONDARY
) -> NetworkBlock:
    """``block`` with writes to ``nodes`` of ``layer`` merged in time order (ties:
    resolutions first); a write visits only its node."""
    if len(times) == 0:
        return block
    count, layers = len(times), block.route.shape[0]
    route = np.full((layers, count), SKIP, dtype=np.int64)
    route[layer] = nodes
    order = np.argsort(np.concatenate([block.arrival, times]), kind="stable")

    def merged(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        return np.concatenate([mine, theirs], axis=mine.ndim - 1)[..., order]

    return replace(
        block,
        arrival=merged(block.arrival, times),
        route=merged(block.route, route),
        link=merged(block.link, np.zeros((layers, count))),
        service=merged(block.service, np.full((layers, count), np.nan)),
        owner=merged(block.owner, np.zeros(count, dtype=np.int64)),
        tail=merged(block.tail, np.zeros(count)),
        write=merged(block.write, np.ones(count, dtype=np.bool_)),
    )


class Filings:
    """The prefix filings in the simulated span: exact times and their top-level nodes."""

    def __init__(self, times: FloatArray, nodes: IntArray) -> None:
        order = np.argsort(times, kind="stable")
        self.times = np.asarray(times, dtype=np.float64)[order]
        self.nodes = np.asarray(nodes, dtype=np.int64)[order]

    def between(self, lo: float, hi: float) -> tuple[FloatArray, IntArray]:
        """The filings in [lo, hi)."""
        first, last = np.searchsorted(self.times, [lo, hi], side="left")
        return self.times[first:last], self.nodes[first:last]

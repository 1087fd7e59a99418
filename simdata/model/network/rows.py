"""Resolutions in flight through the network, as columns (a struct of arrays).

The batched engine moves resolutions layer by layer in vector blocks; a resolution that
cannot be served yet (a later one might still reach the node before it) waits in its
layer's pool. :class:`Rows` carries what the rest of the path needs: per layer still to
come, the node, the link latency into it and the service time there (a layer's columns
are dropped once it is passed, so later copies move less).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.model.network.draws import NetworkBlock
from simdata.model.network.plan import RECURSIVE, SKIP
from simdata.scenario.network import LAYERS

#: The per-resolution columns besides the layers' (name → dtype).
SCALARS = {
    "id": np.int64,
    "t": np.float64,
    "client": np.float64,
    "owner": np.int64,
    "tail": np.float64,
    "measured": np.bool_,
}


@dataclass
class Rows:
    """Resolutions with their draws; ``t`` is where each one is in time (its arrival at the
    current layer's node, link included, once it is in a pool). ``route``, ``link`` and
    ``service`` hold one array per layer, ``None`` for layers already passed."""

    id: IntArray
    t: FloatArray
    client: FloatArray
    owner: IntArray
    tail: FloatArray
    measured: BoolArray
    route: list[IntArray | None] = field(default_factory=list)
    link: list[FloatArray | None] = field(default_factory=list)
    service: list[FloatArray | None] = field(default_factory=list)

    @classmethod
    def empty(cls, first_layer: int = 0) -> Rows:
        layers = range(len(LAYERS))
        return cls(
            **{name: np.empty(0, dtype) for name, dtype in SCALARS.items()},
            route=[np.empty(0, np.int64) if i >= first_layer else None for i in layers],
            link=[np.empty(0) if i >= first_layer else None for i in layers],
            service=[np.empty(0) if i >= first_layer else None for i in layers],
        )

    @classmethod
    def misses_of(cls, block: NetworkBlock, measured: BoolArray) -> Rows:
        """The block's resolutions (all cache misses), placed after the hop into their
        recursive node; the layers' columns are views of the block's."""
        route, link, service = block.route, block.link, block.service
        entered = route[RECURSIVE] != SKIP
        later = range(RECURSIVE + 1, len(LAYERS))
        return cls(
            id=block.first + np.arange(block.kept, dtype=np.int64),
            t=block.arrival + np.where(entered, link[RECURSIVE], 0.0),
            client=block.arrival,
            owner=block.owner,
            tail=block.tail,
            measured=measured,
            route=[None, *(route[i] for i in later)],
            link=[None, *(link[i] for i in later)],
            service=[None, *(service[i] for i in later)],
        )

    def __len__(self) -> int:
        return len(self.id)

    def passed(self, layer: int) -> None:
        """Drop the columns of ``layer`` (the rows have left it)."""
        self.route[layer] = self.link[layer] = self.service[layer] = None

    def take(self, index: IntArray | BoolArray) -> Rows:
        """The rows at ``index`` (positions or a mask), in that order."""
        return Rows(
            **{name: getattr(self, name)[index] for name in SCALARS},
            route=[None if c is None else c[index] for c in self.route],
            link=[None if c is None else c[index] for c in self.link],
            service=[None if c is None else c[index] for c in self.service],
        )

    @staticmethod
    def concat(first: Rows, second: Rows) -> Rows:
        """``first`` then ``second`` (the same layers kept)."""
        if len(first) == 0:
            return second
        if len(second) == 0:
            return first

        def join(a: list[np.ndarray | None], b: list[np.ndarray | None]) -> list:  # type: ignore[type-arg]
            return [
                None if x is None or y is None else np.concatenate([x, y])
                for x, y in zip(a, b, strict=True)
            ]

        return Rows(
            **{
                name: np.concatenate([getattr(first, name), getattr(second, name)])
                for name in SCALARS
            },
            route=join(first.route, second.route),
            link=join(first.link, second.link),
            service=join(first.service, second.service),
        )

"""Resolutions in flight through the network, as columns (a struct of arrays).

The batched engine moves resolutions layer by layer in vector blocks; a resolution that
cannot be served yet (a later one might still reach the node before it) waits in its
layer's pool. :class:`Rows` carries what the rest of the path needs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.model.network.draws import NetworkBlock
from simdata.model.network.plan import RECURSIVE, SKIP
from simdata.scenario.network import LAYERS


@dataclass
class Rows:
    """Resolutions with their draws; ``t`` is where each one is in time (its arrival at the
    current layer's node, link included, once it is in a pool)."""

    id: IntArray
    t: FloatArray
    client: FloatArray
    route: IntArray
    link: FloatArray
    service: FloatArray
    owner: IntArray
    tail: FloatArray
    measured: BoolArray

    @classmethod
    def empty(cls) -> Rows:
        layers = len(LAYERS)
        return cls(
            np.empty(0, np.int64), np.empty(0), np.empty(0),
            np.empty((layers, 0), np.int64), np.empty((layers, 0)), np.empty((layers, 0)),
            np.empty(0, np.int64), np.empty(0), np.empty(0, np.bool_),
        )  # fmt: skip

    @classmethod
    def misses_of(cls, block: NetworkBlock, measured: BoolArray) -> Rows:
        """The block's cache misses, placed after the hop into their recursive node."""
        keep = np.flatnonzero(~block.hit)
        entered = block.route[RECURSIVE, keep] != SKIP
        link = block.link[:, keep]
        client = block.arrival[keep]
        return cls(
            id=block.first + keep,
            t=client + np.where(entered, link[RECURSIVE], 0.0),
            client=client,
            route=block.route[:, keep],
            link=link,
            service=block.service[:, keep],
            owner=block.owner[keep],
            tail=block.tail[keep],
            measured=measured[keep],
        )

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: IntArray | BoolArray) -> Rows:
        """The rows at ``index`` (positions or a mask), in that order."""
        return Rows(
            **{
                f.name: (value[:, index] if value.ndim == 2 else value[index])
                for f in fields(self)
                for value in [getattr(self, f.name)]
            }
        )

    @staticmethod
    def concat(first: Rows, second: Rows) -> Rows:
        """``first`` then ``second``."""
        if len(first) == 0:
            return second
        if len(second) == 0:
            return first
        joined = {}
        for f in fields(first):
            a, b = getattr(first, f.name), getattr(second, f.name)
            joined[f.name] = np.concatenate([a, b], axis=a.ndim - 1)
        return Rows(**joined)

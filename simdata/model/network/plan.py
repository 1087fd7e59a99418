"""The network's routing as arrays: which node of each layer a resolution visits.

Built once per replication from :class:`~simdata.scenario.network.NetworkSpec`. A
resolution's route has one entry per layer (recursive, top-level, secondary, enterprise):
the index of the node it visits there, or :data:`SKIP`. Every choice is a categorical
draw from shares (cumulative tables here, one uniform per choice in
:mod:`~simdata.model.network.draws`), never a queue's state, so the network is
feed-forward in the layer order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.model.network import kernels
from simdata.scenario.network import LAYERS, NetworkNode, NetworkSpec

#: A route entry for a layer the resolution does not visit.
SKIP = -1
RECURSIVE, TOP_LEVEL, SECONDARY, ENTERPRISE = range(len(LAYERS))


@dataclass(frozen=True)
class Choice:
    """A categorical choice among ``nodes`` (node indices) by cumulative shares."""

    nodes: IntArray
    cumulative: FloatArray

    @classmethod
    def of(cls, spec: NetworkSpec, members: list[NetworkNode], index: dict[str, int]) -> Choice:
        shares = np.asarray(spec.shares(members), dtype=np.float64)
        cumulative = np.cumsum(shares)
        if len(cumulative):
            cumulative[-1] = 1.0  # rounding must never leave a uniform unassigned
        return cls(np.array([index[n.name] for n in members], dtype=np.int64), cumulative)

    @classmethod
    def missing(
        cls, spec: NetworkSpec, members: list[NetworkNode], index: dict[str, int]
    ) -> Choice:
        """The choice among recursive nodes of a resolution that misses the cache."""
        shares = np.asarray(spec.shares(members), dtype=np.float64)
        weights = shares * np.array([1.0 - (node.hit_ratio or 0.0) for node in members])
        total = float(weights.sum())
        cumulative = np.cumsum(weights / total) if total > 0 else np.zeros(len(members))
        if len(cumulative) and total > 0:
            cumulative[-1] = 1.0
        return cls(np.array([index[n.name] for n in members], dtype=np.int64), cumulative)

    def pick(self, uniforms: FloatArray) -> IntArray:
        """The node each uniform picks (``SKIP`` for all when the choice is empty)."""
        if len(self.nodes) == 0:
            return np.full(len(uniforms), SKIP, dtype=np.int64)
        chosen = np.empty(len(uniforms), dtype=np.int64)
        kernels.pick(self.cumulative, self.nodes, np.ascontiguousarray(uniforms), chosen)
        return chosen

    @property
    def trivial(self) -> bool:
        """At most one option: nothing to draw."""
        return len(self.nodes) <= 1


@dataclass(frozen=True)
class NetworkPlan:
    """The nodes as arrays (by node index, file order) and the routing tables."""

    spec: NetworkSpec
    names: list[str]
    layer: IntArray
    queues: BoolArray
    hit_ratio: FloatArray
    entry: Choice
    #: The entry recursive node of a cache miss: shares weighted by 1 − hit ratio.
    miss_entry: Choice
    top_level: Choice
    secondary: Choice
    #: For each node index: the top-level node a recursive node names (SKIP: by share).
    named_top: IntArray
    #: For each secondary node index: the choice among its enterprise nodes.
    children: dict[int, Choice]

    @classmethod
    def of(cls, spec: NetworkSpec) -> NetworkPlan:
        nodes = spec.nodes
        index = {node.name: i for i, node in enumerate(nodes)}
        named_top = np.full(len(nodes), SKIP, dtype=np.int64)
        for i, node in enumerate(nodes):
            if node.top_level is not None:
                named_top[i] = index[node.top_level]
        return cls(
            spec=spec,
            names=[node.name for node in nodes],
            layer=np.array([LAYERS.index(node.kind) for node in nodes], dtype=np.int64),
            queues=np.array([node.queues for node in nodes], dtype=np.bool_),
            hit_ratio=np.array([node.hit_ratio or 0.0 for node in nodes], dtype=np.float64),
            entry=Choice.of(spec, spec.routed("recursive"), index),
            miss_entry=Choice.missing(spec, spec.routed("recursive"), index),
            top_level=Choice.of(spec, spec.routed("top_level"), index),
            secondary=Choice.of(spec, spec.routed("secondary"), index),
            named_top=named_top,
            children={
                index[parent.name]: Choice.of(spec, spec.children(parent.name), index)
                for parent in spec.of_kind("secondary")
                if spec.children(parent.name)
            },
        )

    @property
    def size(self) -> int:
        return len(self.names)

    def node(self, index: int) -> NetworkNode:
        return self.spec.nodes[index]

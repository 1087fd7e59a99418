"""Scenario section ``network``: many resolution nodes, their routing, and the traffic.

``network`` describes the resolution *network* a plan is about (the 5+2 top-level nodes
over hundreds of secondary nodes, a province's city and industry nodes); the single-node
``resolution`` section stays valid and is a network of one. A resolution takes the path
client → recursive node (cache) → top-level node → the owning secondary node → enterprise
node, skipping kinds the network does not list. Every routing choice is drawn when the
request arrives, from shares, never from a queue's state: the network is feed-forward, so
each node's arrivals are its upstream departures plus link latency, and the batched
engine's per-node recursion is exact (docs/network.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, Self

from pydantic import Field, model_validator

from simdata.scenario.network.node import LAYERS, NetworkNode
from simdata.scenario.quantities import Seconds
from simdata.scenario.resolution.sla import Sla, SlaText, parse_sla
from simdata.scenario.resolution.traffic import TrafficSpec
from simdata.scenario.section import Section

#: Shares of one group may miss 100 % by this much (rounding in a file); they are rescaled.
SHARE_SLACK = 1e-3


class NetworkSpec(Section):
    """The resolution network: its nodes, the clients' traffic and the end-to-end rules."""

    traffic: TrafficSpec = Field(
        default_factory=TrafficSpec,
        description="Resolutions issued by the clients of the whole network (a Poisson "
        "process with the hourly and day-type profile of `resolution.traffic`).",
    )
    nodes: list[NetworkNode] = Field(
        description="The nodes (at least one secondary node); see docs/network.md.",
        min_length=1,
    )
    timeout: Seconds | None = Field(
        default=None,
        description="Client timeout (> 0): a resolution whose end-to-end latency would "
        "exceed it is answered as failed at the timeout, yet still passes through the "
        "nodes it was sent to. No timeout when absent.",
        examples=["1 s"],
    )
    sla: SlaText | None = Field(
        default=None,
        description="End-to-end latency SLA, `p<NN><=DURATION` (`resolution.sla_share` per "
        "node: the resolutions its identifiers are owned by).",
        examples=["p99<=100ms"],
    )
    window: Seconds | None = Field(
        default=None,
        description="Simulate the network's resolutions over only the last WINDOW of the "
        "run (e.g. `7 d`: the final week, where a growing economy is busiest); the "
        "enterprises' counts still cover the whole run. The whole measured run when absent.",
        examples=["7 d"],
    )
    engine: Literal["auto", "event", "batched"] = Field(
        default="auto",
        description="`event`: SimPy, every request kept. `batched`: the exact FCFS "
        "recursion per node in topological order, bounded memory, quantiles from log-bucket "
        "histograms (< 1 %). `auto`: batched from 10^6 requests a replication.",
    )

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        names = [node.name for node in self.nodes]
        seen: set[str] = set()
        for index, name in enumerate(names):
            if name in seen:
                raise ValueError(f"nodes.{index}.name: expected a unique name, got {name!r} twice")
            seen.add(name)
        if not self.of_kind("secondary"):
            raise ValueError("nodes: expected at least one node of kind secondary, got none")
        self._check_references()
        for kind in ("recursive", "top_level", "secondary"):
            _check_shares(f"{kind} nodes", self.routed(kind))
        for parent in self.of_kind("secondary"):
            _check_shares(f"enterprise nodes under {parent.name}", self.children(parent.name))
        for field in ("timeout", "window"):
            value = getattr(self, field)
            if value is not None and not value > 0:
                raise ValueError(f"{field}: expected a duration > 0, got {value:g} s")
        return self

    def _check_references(self) -> None:
        kinds = {node.name: node.kind for node in self.nodes}
        wanted = {"top_level": "top_level", "parent": "secondary", "backup_of": "top_level"}
        for index, node in enumerate(self.nodes):
            for field, kind in wanted.items():
                target = getattr(node, field)
                if target is not None and kinds.get(target) != kind:
                    known = ", ".join(n for n, k in kinds.items() if k == kind) or "none"
                    raise ValueError(
                        f"nodes.{index}.{field}: expected the name of a {kind} node "
                        f"({known}), got {target!r}"
                    )
        recursive = self.of_kind("recursive")
        if recursive and self.of_kind("top_level"):
            unnamed = [n for n in recursive if n.top_level is None]
            if unnamed and not self.routed("top_level"):
                raise ValueError("nodes: expected a top_level node that is not a backup")

    def of_kind(self, kind: str) -> list[NetworkNode]:
        """The nodes of one kind, in file order."""
        return [node for node in self.nodes if node.kind == kind]

    def routed(self, kind: str) -> list[NetworkNode]:
        """The nodes of one kind that take traffic by share (backups take none yet)."""
        return [node for node in self.of_kind(kind) if node.backup_of is None]

    def children(self, parent: str) -> list[NetworkNode]:
        """The enterprise nodes under secondary node ``parent``."""
        return [node for node in self.of_kind("enterprise") if node.parent == parent]

    def shares(self, nodes: Sequence[NetworkNode]) -> list[float]:
        """The routing shares of a group, rescaled to sum to 1 (equal when none given)."""
        if not nodes:
            return []
        given = [node.share for node in nodes]
        if all(share is None for share in given):
            return [1.0 / len(nodes)] * len(nodes)
        total = math.fsum(share or 0.0 for share in given)
        return [(share or 0.0) / total for share in given]

    @property
    def layers(self) -> list[str]:
        """The kinds this network has, in the order a resolution visits them."""
        return [kind for kind in LAYERS if self.of_kind(kind)]

    @property
    def sla_parsed(self) -> Sla | None:
        """The SLA as (quantile, operator, threshold), or None when not set."""
        return None if self.sla is None else parse_sla(self.sla)


def _check_shares(group: str, nodes: Sequence[NetworkNode]) -> None:
    """All shares of a group given (or none), summing to 100 % within :data:`SHARE_SLACK`."""
    given = [node.share for node in nodes]
    if not nodes or all(share is None for share in given):
        return
    missing = [node.name for node in nodes if node.share is None]
    if missing:
        raise ValueError(
            f"share: expected a share on every one of the {group} or on none, "
            f"missing on {', '.join(missing[:5])}"
        )
    total = math.fsum(share or 0.0 for share in given)
    if abs(total - 1.0) > SHARE_SLACK:
        raise ValueError(f"share: expected the {group}' shares to sum to 100 %, got {total:.4%}")


def check_network_alone(with_resolution: bool) -> None:
    """A network replaces the single ``resolution`` node."""
    if with_resolution:
        raise ValueError(
            "network: expected either a resolution node or a network, got both (a single "
            "node is a network of one: list it under network.nodes)"
        )

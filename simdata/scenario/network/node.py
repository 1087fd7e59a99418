"""One node of the resolution network (``network.nodes``): its kind, queue, cache and link.

The kinds follow the national architecture (DOMAIN.md §5, seed 003): **recursive** nodes
cache answers near the clients, **top_level** nodes (the "5+2" national nodes) refer a
query to the secondary node that owns the prefix, **secondary** nodes resolve their
enterprises' identifiers, and **enterprise** nodes hold the records. A node with
``servers`` is an FCFS multi-server queue (as ``resolution`` is); without, it only adds
its link latency. Routing never depends on a queue's state, so the network is
feed-forward and both engines stay exact (docs/network.md).
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import Field, StrictInt, StrictStr, model_validator

from simdata.scenario.distributions import Constant, DurationDistribution, LogNormal
from simdata.scenario.quantities import Seconds, Share
from simdata.scenario.resolution.node import MAX_QUEUE_LIMIT, MAX_SERVERS
from simdata.scenario.section import Section

NodeKind = Literal["recursive", "top_level", "secondary", "enterprise"]
#: The order a resolution visits the kinds in (a node's layer in the feed-forward network).
LAYERS: tuple[NodeKind, ...] = ("recursive", "top_level", "secondary", "enterprise")
#: Node names appear in KPI names (``@node=fuzhou``): no spaces, ``@`` or ``=``.
NAME_PATTERN = re.compile(r"^[^\s@=,]+$")


def _constant(text: str) -> DurationDistribution:
    return Constant[Seconds].model_validate({"dist": "constant", "value": text})


def _lognormal(mean: str) -> DurationDistribution:
    return LogNormal[Seconds].model_validate({"dist": "lognormal", "mean": mean, "cv": 1.0})


class NetworkNode(Section):
    """A node of the resolution network."""

    name: StrictStr = Field(
        description="Unique name, used in KPI names (`resolution.utilisation@node=NAME`): "
        "no spaces, `@`, `=` or `,`.",
        examples=["fuzhou", "beijing"],
    )
    kind: NodeKind = Field(
        description="`recursive` (a cache near the clients), `top_level` (refers a query to "
        "the owning secondary node), `secondary` (resolves its enterprises' identifiers) or "
        "`enterprise` (holds the records, under one secondary node: `parent`)."
    )
    province: StrictStr | None = Field(
        default=None,
        description="Province the node is in (KPIs `@province=NAME` sum its nodes).",
        examples=["福建"],
    )
    servers: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_SERVERS,
        description="Servers answering in parallel (an FCFS multi-server queue). Absent: the "
        "node adds only its link latency (no queue). Recursive nodes are caches and take "
        "no servers.",
    )
    service_time: DurationDistribution = Field(
        default_factory=lambda: _lognormal("2 ms"),
        description="Time one server spends on one request (with `servers`).",
        examples=[{"dist": "exponential", "mean": "1 ms"}],
    )
    queue_limit: StrictInt | None = Field(
        default=None,
        le=MAX_QUEUE_LIMIT,
        description="Most requests in the node (K ≥ servers); an arrival finding K is "
        "rejected, and the resolution ends there (rejected). Unlimited when absent.",
    )
    link: DurationDistribution | None = Field(
        default=None,
        description="Latency of the hop into this node (from the client for a recursive "
        "node, from the node before it otherwise). 0 when absent.",
        examples=[{"dist": "constant", "value": "10 ms"}],
    )
    share: Share | None = Field(
        default=None,
        description="recursive: share of the clients' resolutions entering here; "
        "top_level: share of the cache misses it takes when recursive nodes name none (and "
        "of all resolutions without recursive nodes); secondary: share of the resolutions "
        "whose identifiers it owns, and of the enterprises registering on it (with an "
        "`enterprises` section); enterprise: share of its parent's resolutions. Shares "
        "of one kind (of one parent) sum to 100 %; all absent means equal shares.",
        examples=["25%", 0.04],
    )
    hit_ratio: Share | None = Field(
        default=None,
        description="recursive: probability a resolution is answered from the cache "
        "(then it goes no further). DOMAIN.md §5 (assumption, DNS analogue): 80 %.",
        examples=["80%"],
    )
    hit_time: DurationDistribution | None = Field(
        default=None,
        description="recursive: time to answer a cache hit; DOMAIN.md §5: 1 ms.",
    )
    top_level: StrictStr | None = Field(
        default=None,
        description="recursive: the top-level node its misses go to. Absent: the top-level "
        "nodes' shares decide.",
    )
    parent: StrictStr | None = Field(
        default=None, description="enterprise: the secondary node it is under (required)."
    )
    enterprise_node: DurationDistribution | None = Field(
        default=None,
        description="secondary: latency of its enterprise nodes when none is listed as a "
        "node of kind `enterprise`. 0 when absent; DOMAIN.md §5 (assumption): 10–50 ms.",
        examples=[{"dist": "uniform", "low": "10 ms", "high": "50 ms"}],
    )
    registration_time: DurationDistribution = Field(
        default_factory=lambda: _lognormal("5 ms"),
        description="Server time of one write (with an `enterprises` section): a secondary "
        "node's identifier registrations, a top-level node's prefix filings (A: lognormal, "
        "mean 5 ms, as `resolution.registration_time`).",
    )
    backup_of: StrictStr | None = Field(
        default=None,
        description="top_level: the node this one backs up (Nanjing, Chengdu in the 5+2 "
        "plan). A backup takes no traffic until node failures are modelled (a later "
        "step); it is listed so the network's shape is complete.",
    )

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> Self:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"name: expected no spaces, '@', '=' or ',', got {self.name!r}")
        only = {
            "hit_ratio": "recursive",
            "hit_time": "recursive",
            "top_level": "recursive",
            "parent": "enterprise",
            "enterprise_node": "secondary",
            "backup_of": "top_level",
        }
        for field, kind in only.items():
            if getattr(self, field) is not None and self.kind != kind:
                raise ValueError(f"{field}: expected only on a {kind} node, got a {self.kind} node")
        if self.kind == "recursive" and self.servers is not None:
            raise ValueError(
                "servers: expected none on a recursive node (a cache: hit_ratio, hit_time; "
                "a queue at the recursive node is not modelled)"
            )
        if self.kind == "enterprise" and self.parent is None:
            raise ValueError("parent: expected the secondary node an enterprise node is under")
        if self.queue_limit is not None and (
            self.servers is None or self.queue_limit < self.servers
        ):
            raise ValueError(
                f"queue_limit: expected an integer ≥ servers ({self.servers}), "
                f"got {self.queue_limit}"
            )
        return self

    @property
    def queues(self) -> bool:
        """True when the node is an FCFS queue (it has servers)."""
        return self.servers is not None

    @property
    def cache_hit_time(self) -> DurationDistribution:
        """The time to answer a cache hit (1 ms when not given)."""
        return self.hit_time if self.hit_time is not None else _constant("1 ms")

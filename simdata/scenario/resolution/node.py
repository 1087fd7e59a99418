"""Scenario section ``resolution``: the identifier-resolution secondary node.

Besides the node's servers and queue, the section describes the path a resolution takes
(DOMAIN.md §5): a caching recursive node (``cache``), the national top-level node
(``top_level``), the secondary node's servers, then the enterprise node
(``enterprise_node``); a client ``timeout``; and the latency ``sla`` targets and the
capacity search judge. Every part of the path is optional: absent, it costs nothing and
the node is the plain FCFS multi-server queue.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, StrictInt, model_validator

from simdata.scenario.distributions import Constant, DurationDistribution, LogNormal
from simdata.scenario.quantities import Seconds, Share
from simdata.scenario.resolution.sla import Sla, SlaText, parse_sla
from simdata.scenario.resolution.traffic import TrafficSpec
from simdata.scenario.section import Section
from simdata.scenario.units import parse_share

#: Most servers one node may have (a national node has tens).
MAX_SERVERS = 100_000
#: Largest finite queue limit (a larger one is, in effect, unlimited).
MAX_QUEUE_LIMIT = 10**9


class CacheSpec(Section):
    """The caching recursive node in front of the secondary node."""

    hit_ratio: Share = Field(
        default=parse_share("80%"),
        description="Probability that a request is answered from the cache and never "
        "reaches the top-level or secondary node. DOMAIN.md §5 (assumption, DNS analogue): "
        "80 %.",
        examples=["80%", 0.85],
    )
    hit_time: DurationDistribution = Field(
        default_factory=lambda: _constant("1 ms"),
        description="Time to answer a cache hit (a duration distribution); DOMAIN.md §5: 1 ms.",
        examples=[{"dist": "constant", "value": "1 ms"}],
    )


def _constant(text: str) -> DurationDistribution:
    return Constant[Seconds].model_validate({"dist": "constant", "value": text})


class ResolutionSpec(Section):
    """The identifier-resolution secondary node, as an FCFS multi-server queue."""

    servers: StrictInt = Field(
        default=2,
        ge=1,
        le=MAX_SERVERS,
        description=f"Servers answering resolutions in parallel (c, 1 to {MAX_SERVERS:,}).",
    )
    service_time: DurationDistribution = Field(
        default_factory=lambda: LogNormal[Seconds].model_validate(
            {"dist": "lognormal", "mean": "2 ms", "cv": 1.0}
        ),
        description="Time one server spends on one resolution (a duration distribution).",
        examples=[{"dist": "exponential", "mean": "2 ms"}],
    )
    queue_limit: StrictInt | None = Field(
        default=None,
        le=MAX_QUEUE_LIMIT,
        description="Most requests in the node, waiting plus in service (K ≥ servers, at "
        "most 10^9); an arrival finding K is rejected and counted. Unlimited when absent.",
    )
    traffic: TrafficSpec = Field(
        default_factory=TrafficSpec, description="The arrival process of resolutions."
    )
    cache: CacheSpec | None = Field(
        default=None,
        description="Caching recursive node in front of the path: a hit is answered after "
        "`hit_time` and never reaches the servers. No cache when absent (every request "
        "goes to the node).",
    )
    top_level: DurationDistribution | None = Field(
        default=None,
        description="Latency of the national top-level node lookup, paid by every cache "
        "miss before it reaches the secondary node. 0 when absent; DOMAIN.md §5 "
        "(assumption): 20 ms RTT.",
        examples=[{"dist": "constant", "value": "20 ms"}],
    )
    enterprise_node: DurationDistribution | None = Field(
        default=None,
        description="Latency of the enterprise node after the secondary node's service. 0 "
        "when absent; DOMAIN.md §5 (assumption): 10–50 ms.",
        examples=[{"dist": "uniform", "low": "10 ms", "high": "50 ms"}],
    )
    timeout: Seconds | None = Field(
        default=None,
        description="Client timeout (> 0): a request whose end-to-end latency would exceed "
        "it is answered as failed at the timeout, yet still uses its server (the node does "
        "not know the client gave up). No timeout when absent.",
        examples=["1 s"],
    )
    engine: Literal["auto", "event", "batched"] = Field(
        default="auto",
        description="How the node is simulated. `event`: SimPy, two events per request, "
        "every request kept (exact quantiles). `batched`: the exact FCFS recursion "
        "(Kiefer–Wolfowitz) compiled with numba over vector blocks, the same requests and "
        "the same waits, bounded memory, quantiles interpolated in log-bucket histograms (< 1 %). "
        "`auto`: batched when a replication draws at least 10^6 requests, else event.",
    )
    latency_sampling: Literal["windows", "full"] = Field(
        default="windows",
        description="With enterprises: how the node's latency is sampled. `windows` "
        "simulates the peak hour of the busiest weekday of each month (KPIs "
        "`…@window=peak_hour`); `full` simulates every request of the measured days "
        "continuously (plain KPI names), only when fewer than 10^6 requests would be "
        "simulated — otherwise windows, with a run warning.",
    )
    registration_time: DurationDistribution = Field(
        default_factory=lambda: LogNormal[Seconds].model_validate(
            {"dist": "lognormal", "mean": "5 ms", "cv": 1.0}
        ),
        description="Server time of one identifier registration write (A: lognormal, mean "
        "5 ms). Writes go straight to the secondary node's servers (no cache, no hops) "
        "and share them with resolutions; used when enterprises generate registrations.",
    )
    sla: SlaText | None = Field(
        default=None,
        description="Latency SLA: a quantile of end-to-end latency, `p<NN><=DURATION` or "
        "`p<NN><DURATION` (also `resolution.latency_p<NN> <= DURATION`). Sets "
        "`resolution.sla_share`; DOMAIN.md §5 (assumption): p99 ≤ 100 ms.",
        examples=["p99<=100ms"],
    )

    @model_validator(mode="after")
    def _check_limit(self) -> Self:
        if self.queue_limit is not None and self.queue_limit < self.servers:
            raise ValueError(
                f"queue_limit: expected an integer ≥ servers ({self.servers}), "
                f"got {self.queue_limit}"
            )
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"timeout: expected a duration > 0, got {self.timeout:g} s")
        return self

    @property
    def sla_parsed(self) -> Sla | None:
        """The SLA as (quantile, operator, threshold), or None when not set."""
        return None if self.sla is None else parse_sla(self.sla)

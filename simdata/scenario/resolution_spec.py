"""Scenario section of the identifier-resolution secondary node (``resolution``).

Besides the node's servers and queue, the section describes the path a resolution takes
(DOMAIN.md §5): a caching recursive node (``cache``), the national top-level node
(``top_level``), the secondary node's servers, then the enterprise node
(``enterprise_node``); a client ``timeout``; and the latency ``sla`` targets and the
capacity search judge. Every part of the path is optional: absent, it costs nothing and
the node is the plain FCFS multi-server queue.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, StrictInt, StrictStr, model_validator

from simdata.scenario.distributions import DurationDistribution, LogNormal
from simdata.scenario.quantities import MAX_DAY_FACTOR, Number, RatePerS, Seconds, Share
from simdata.scenario.section import Section
from simdata.scenario.units import UnitError, parse_duration, parse_rate, parse_share

HOURS_PER_DAY = 24
#: Most servers one node may have (a national node has tens).
MAX_SERVERS = 100_000
#: Largest finite queue limit (a larger one is, in effect, unlimited).
MAX_QUEUE_LIMIT = 10**9


class TrafficSpec(Section):
    """Resolution requests arriving at the node (a Poisson process, possibly non-homogeneous).

    The rate at elapsed time t is ``rate × w[hour(t)] / mean(w) × day factor`` (weekday or
    weekend factor), hours and days counted from time 0 (`run.start_date` 00:00).
    """

    rate: RatePerS = Field(
        default=parse_rate("5/s"),
        description="Mean arrival rate (> 0) over a day whose day factor is 1 (with the "
        "default factors, over every day). Default ≈ 5/s, DOMAIN.md §4: 1.5亿 resolutions "
        "a day over >330 secondary nodes.",
        examples=["7.2/s", "432000/d"],
    )
    hourly_weights: list[Number] | None = Field(
        default=None,
        description="24 relative weights (≥ 0, positive sum) for the hours 00–23 of a day; "
        "hour h gets rate × w[h] / mean(w). Flat when absent. DOMAIN.md §5 (assumption): "
        "peaks at 10:00 and 15:00, night 10 % of peak.",
    )
    weekday_factor: Number = Field(
        default=1.0,
        ge=0,
        le=MAX_DAY_FACTOR,
        description=f"Rate multiplier on Monday–Friday (0 to {MAX_DAY_FACTOR:g}).",
    )
    weekend_factor: Number = Field(
        default=1.0,
        ge=0,
        le=MAX_DAY_FACTOR,
        description="Rate multiplier on Saturday and Sunday (0 to "
        f"{MAX_DAY_FACTOR:g}); DOMAIN.md §5 (assumption): 0.4. The weekday of time 0 is "
        "that of `run.start_date` (Monday for undated runs).",
    )

    @model_validator(mode="after")
    def _check_profile(self) -> Self:
        weights = self.hourly_weights
        if weights is not None:
            if len(weights) != HOURS_PER_DAY:
                raise ValueError(
                    f"hourly_weights: expected {HOURS_PER_DAY} weights (hours 00–23), "
                    f"got {len(weights)}"
                )
            if any(w < 0 for w in weights) or not sum(weights) > 0:
                raise ValueError(
                    f"hourly_weights: expected weights ≥ 0 with a positive sum, got {weights}"
                )
        if not (self.weekday_factor > 0 or self.weekend_factor > 0):
            raise ValueError(
                "weekend_factor: expected weekday_factor or weekend_factor > 0, got both 0"
            )
        return self

    @property
    def homogeneous(self) -> bool:
        """True when the rate is the same at every instant (a plain Poisson process)."""
        flat = self.hourly_weights is None or len(set(self.hourly_weights)) == 1
        return flat and self.weekday_factor == self.weekend_factor == 1.0

    def hour_multipliers(self) -> list[float]:
        """w[h] / mean(w) for h = 0..23 (all 1 when flat)."""
        if self.hourly_weights is None:
            return [1.0] * HOURS_PER_DAY
        mean = sum(self.hourly_weights) / HOURS_PER_DAY
        return [w / mean for w in self.hourly_weights]


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
    from simdata.scenario.distributions import Constant

    return Constant[Seconds].model_validate({"dist": "constant", "value": text})


# --- the latency SLA --------------------------------------------------------------------

SlaOperator = Literal["<", "<="]
SLA_EXAMPLE = "'p99<=100ms' or 'resolution.latency_p99 <= 100 ms'"
_SLA_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.]*?)\s*(?P<op><=|<)\s*(?P<value>\S.*?)\s*$",
)
_QUANTILE_RE = re.compile(r"^p(?P<nn>\d+(?:\.\d+)?)$")
SLA_KPI_PREFIX = "resolution.latency_"
#: Latency percentiles registered as KPIs (``resolution.latency_p50``, ``…_p99``).
LATENCY_PERCENTILES = (50, 99)


@dataclass(frozen=True)
class Sla:
    """A latency SLA: the ``quantile`` of end-to-end latency must be ``op`` ``threshold_s``."""

    quantile: float
    op: SlaOperator
    threshold_s: float

    @property
    def kpi(self) -> str:
        """The KPI the SLA is judged on, e.g. ``resolution.latency_p99``."""
        return f"{SLA_KPI_PREFIX}p{100 * self.quantile:g}"

    def met(self, latency_s: float) -> bool:
        """Whether one request's latency is within the threshold."""
        if self.op == "<=":
            return latency_s <= self.threshold_s
        return latency_s < self.threshold_s


def parse_sla(text: object) -> Sla:
    """Parse ``"p99<=100ms"`` (or ``"resolution.latency_p99 <= 100 ms"``) into an :class:`Sla`.

    The quantile is ``p<NN>`` with 0 < NN < 100 (decimals allowed: ``p99.9``), the
    operator ``<=`` or ``<``, the threshold a duration with its unit. Anything else is a
    one-line ``ValueError`` starting with "expected".
    """
    if not isinstance(text, str):
        raise ValueError(f"expected an SLA like {SLA_EXAMPLE}, got {text!r}")
    match = _SLA_RE.match(text)
    if match is None:
        raise ValueError(f"expected an SLA like {SLA_EXAMPLE}, got {text!r}")
    name = match["name"]
    if name.startswith("resolution."):
        known = [f"{SLA_KPI_PREFIX}p{p}" for p in LATENCY_PERCENTILES]
        if name not in known:
            raise ValueError(
                f"expected a latency quantile KPI ({', '.join(known)}) or p<NN> in the SLA, "
                f"got {name!r} in {text!r}"
            )
        name = name.removeprefix(SLA_KPI_PREFIX)
    quantile_match = _QUANTILE_RE.match(name)
    if quantile_match is None:
        raise ValueError(
            f"expected a quantile p<NN> (like p99) before the operator, got {name!r} in {text!r}"
        )
    percent = float(quantile_match["nn"])
    if not 0 < percent < 100:
        raise ValueError(f"expected a quantile p<NN> with 0 < NN < 100, got {name!r} in {text!r}")
    try:
        threshold = parse_duration(match["value"])
    except UnitError as error:
        raise ValueError(f"{error} in SLA {text!r}") from None
    if not threshold > 0 or not math.isfinite(threshold):
        raise ValueError(f"expected an SLA threshold > 0, got {match['value']!r} in {text!r}")
    op: SlaOperator = "<=" if match["op"] == "<=" else "<"
    return Sla(round(percent / 100.0, 12), op, threshold)


def _check_sla(text: str) -> str:
    parse_sla(text)
    return text


SlaText = Annotated[StrictStr, AfterValidator(_check_sla)]


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

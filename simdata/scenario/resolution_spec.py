"""Scenario section of the identifier-resolution secondary node (``resolution``)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, StrictInt, model_validator

from simdata.scenario.distributions import DurationDistribution, LogNormal
from simdata.scenario.quantities import RatePerS, Seconds
from simdata.scenario.section import Section
from simdata.scenario.units import parse_rate


class TrafficSpec(Section):
    """Resolution requests arriving at the node (a Poisson process)."""

    rate: RatePerS = Field(
        default=parse_rate("5/s"),
        description="Mean arrival rate (> 0). Default ≈ 5/s, DOMAIN.md §4: 1.5亿 "
        "resolutions a day over >330 secondary nodes.",
        examples=["7.2/s", "432000/d"],
    )


class ResolutionSpec(Section):
    """The identifier-resolution secondary node, as an FCFS multi-server queue."""

    servers: StrictInt = Field(
        default=2, ge=1, description="Servers answering resolutions in parallel (c ≥ 1)."
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
        description="Most requests in the node, waiting plus in service (K ≥ servers); an "
        "arrival finding K is rejected and counted. Unlimited when absent.",
    )
    traffic: TrafficSpec = Field(
        default_factory=TrafficSpec, description="The arrival process of resolutions."
    )

    @model_validator(mode="after")
    def _check_limit(self) -> Self:
        if self.queue_limit is not None and self.queue_limit < self.servers:
            raise ValueError(
                f"queue_limit: expected an integer ≥ servers ({self.servers}), "
                f"got {self.queue_limit}"
            )
        return self

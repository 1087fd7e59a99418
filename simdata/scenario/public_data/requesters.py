"""Scenario section ``requesters``: groups of data requesters, their arrivals, needs, patience.

Efforts and waits are working time (see :mod:`simdata.scenario.worktime`); patience is
elapsed time. Defaults: DOMAIN.md §5.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    StrictInt,
    StrictStr,
    model_validator,
)

from simdata.scenario.distributions import IntegerDistribution, validated_default
from simdata.scenario.quantities import Growth, Seconds, Share, check_mix_sums_to_one
from simdata.scenario.section import Section
from simdata.scenario.worktime import (
    WorkRate,
    parse_work_rate,
)

#: Most datasets one request needs, on average.
MAX_DATASETS_PER_REQUEST = 1000.0
#: Most open requests of one department at the start date.
MAX_BACKLOG = 100_000

RequesterKind = Literal["government", "enterprise", "research", "social"]
Channel = Literal["sharing", "opening", "development"]


class RequesterGroup(Section):
    """One group of data requesters with its own arrivals, needs and patience."""

    name: StrictStr = Field(default="requesters", description="Group name shown in results.")
    kind: RequesterKind = Field(
        default="government",
        description="government, enterprise, research (institutes) or social (organisations).",
    )
    rate: WorkRate = Field(
        default_factory=lambda: parse_work_rate("10/workday"),
        description="Requests per working time, arriving in office hours (NHPP), e.g. "
        "'30/workday'.",
    )
    growth: Growth | None = Field(
        default=None,
        description="Growth of the rate, e.g. '3%/month' (compounding); none = constant.",
    )
    channel: Channel | None = Field(
        default=None,
        description="sharing (government bodies), opening or development; or give `channel_mix`.",
    )
    channel_mix: dict[Channel, Share] | None = Field(
        default=None, description="Shares of requests by channel (sum 1), instead of channel."
    )
    datasets_per_request: IntegerDistribution = Field(
        default_factory=lambda: validated_default(
            IntegerDistribution, {"dist": "geometric", "mean": 1.5}
        ),
        description="Datasets one request needs (integer ≥ 1, mean at most "
        f"{MAX_DATASETS_PER_REQUEST:g}; A: geometric, mean 1.5).",
    )
    outside_catalogue_share: Share = Field(
        default=0.0,
        description="Share of requests asking for data not on the channel's list (the "
        "opening list 开放目录 for society, the shareable list 共享目录 for government): "
        "their first dataset is not open (not shared); policy.not_shared says whether "
        "they are rejected or go to the agency. The rest ask only for listed datasets. "
        "Development requests ignore it.",
    )
    patience: Seconds | None = Field(
        default=None,
        description="Elapsed time after which an unfinished request is abandoned (counted); "
        "none = infinite patience.",
    )

    @model_validator(mode="after")
    def _one_channel(self) -> Self:
        if (self.channel is None) == (self.channel_mix is None):
            raise ValueError(
                "channel: expected exactly one of channel or channel_mix, got "
                + ("neither" if self.channel is None else "both")
            )
        if self.channel_mix is not None:
            check_mix_sums_to_one({str(k): v for k, v in self.channel_mix.items()}, "channel_mix")
        if self.kind == "government" and self.channel not in (None, "sharing"):
            raise ValueError(
                f"channel: expected sharing for government requesters, got {self.channel}"
            )
        if not self.datasets_per_request.mean <= MAX_DATASETS_PER_REQUEST:
            raise ValueError(
                f"datasets_per_request: expected a mean of at most "
                f"{MAX_DATASETS_PER_REQUEST:g} datasets, got {self.datasets_per_request.mean:g}"
            )
        return self

    def channels(self) -> dict[str, float]:
        """Channel → share of this group's requests."""
        if self.channel is not None:
            return {self.channel: 1.0}
        return {str(k): v for k, v in (self.channel_mix or {}).items()}


class RequestersSpec(Section):
    """Data requesters (DOMAIN.md §5: 50 per workday; gov 60%, firms 25%, research 10%,
    social 5%)."""

    groups: list[RequesterGroup] = Field(
        default_factory=lambda: [
            RequesterGroup.model_validate(g)
            for g in (
                {
                    "name": "government",
                    "kind": "government",
                    "rate": "30/workday",
                    "channel": "sharing",
                },
                {
                    "name": "enterprises",
                    "kind": "enterprise",
                    "rate": "12.5/workday",
                    "channel_mix": {"opening": 0.7, "development": 0.3},
                },
                {
                    "name": "research",
                    "kind": "research",
                    "rate": "5/workday",
                    "channel_mix": {"opening": 0.5, "development": 0.5},
                },
                {"name": "social", "kind": "social", "rate": "2.5/workday", "channel": "opening"},
            )
        ],
        min_length=1,
        description="Requester groups (at least one).",
    )
    initial_backlog: dict[str, Annotated[StrictInt, Field(ge=0, le=MAX_BACKLOG)]] = Field(
        default_factory=dict,
        description="Open conditional requests per department at the start date "
        f"(department name → count, 0 to {MAX_BACKLOG:,}), to start from today's backlog. "
        "They occupy reviewers but are not measured as new arrivals (only backlog_count "
        "counts them).",
    )

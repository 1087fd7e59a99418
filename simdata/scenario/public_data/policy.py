"""Scenario section ``policy``: the sharing and opening policy (platform, compliance, review, SLA).

SLAs and review efforts are working time (see :mod:`simdata.scenario.worktime`); platform
times are elapsed time. Defaults: DOMAIN.md §5.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    StrictInt,
)

from simdata.scenario.distributions import DurationDistribution, validated_default
from simdata.scenario.quantities import Share
from simdata.scenario.section import Section
from simdata.scenario.worktime import (
    WorkDistribution,
    WorkSeconds,
    parse_work_seconds,
)

#: Most people of one kind (reviewers per department, analysts, sandbox slots).
MAX_STAFF = 100_000


class PolicySpec(Section):
    """The sharing and opening policy: platform, compliance check, review, SLA."""

    platform_time: DurationDistribution = Field(
        default_factory=lambda: validated_default(
            DurationDistribution, {"dist": "exponential", "mean": "10 min"}
        ),
        description="Elapsed time to deliver through the platform once granted (A).",
    )
    compliance_check: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution,
            {
                "dist": "triangular",
                "low": "0.1 workday",
                "mode": "0.5 workday",
                "high": "2 workday",
            },
        ),
        description="Data authority's compliance check of conditional requests, in working "
        "time (O: ≤ 2 workdays, sxgp.gov.cn).",
    )
    reviewers_per_department: StrictInt = Field(
        default=1,
        ge=1,
        le=MAX_STAFF,
        description=f"Reviewers in each owning department (1 to {MAX_STAFF:,}; A: 1).",
    )
    reviewers: dict[str, Annotated[StrictInt, Field(ge=1, le=MAX_STAFF)]] = Field(
        default_factory=dict,
        description="Reviewers for named departments (1 to "
        f"{MAX_STAFF:,} each; overrides reviewers_per_department and a listed "
        "department's own reviewers).",
    )
    review_effort: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "lognormal", "median": "2 h", "cv": 1.0}
        ),
        description="Reviewer working time per conditional request (A: lognormal, median 2 h).",
    )
    signoff_wait: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "lognormal", "median": "3 workday", "cv": 1.0}
        ),
        description="Working time waiting for sign-off after review; holds no reviewer "
        "(A: median 3 workdays).",
    )
    sla: WorkSeconds = Field(
        default_factory=lambda: parse_work_seconds("10 workday"),
        description="Answer within this working time (O: Guizhou, 10 workdays).",
    )
    extension: WorkSeconds = Field(
        default_factory=lambda: parse_work_seconds("15 workday"),
        description="Longest extension beyond the SLA (O: ≤ 15 workdays); extended requests "
        "still count as late.",
    )
    reject_probability: Share = Field(
        default=0.15, description="Probability a reviewed conditional request is refused (A)."
    )
    auto_approval_share: Share = Field(
        default=0.0,
        description="Share of conditional requests approved automatically after the "
        "compliance check (no review).",
    )
    not_shared: Literal["reject", "agency"] = Field(
        default="reject",
        description="Requests for not-shared (or not-open) data: rejected, or redirected to "
        "the development agency.",
    )
    partial_delivery: bool = Field(
        default=False,
        description="Deliver what can be delivered when some datasets are refused (else the "
        "whole request is rejected).",
    )

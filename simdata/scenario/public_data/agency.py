"""Scenario section ``agency``: the data agency's sandbox, analysts and product reuse.

Defaults: DOMAIN.md §5 (tag S = source documents, O = outside sources, A = assumption).
"""

from __future__ import annotations

from pydantic import (
    Field,
    StrictInt,
)

from simdata.scenario.distributions import validated_default
from simdata.scenario.public_data.policy import MAX_STAFF
from simdata.scenario.quantities import Share
from simdata.scenario.section import Section
from simdata.scenario.worktime import (
    WorkDistribution,
)


class ReuseSpec(Section):
    """Product reuse: a development request matches a published product."""

    base: Share = Field(default=0.0, description="Match probability with no products.")
    per_product: Share = Field(
        default=0.01, description="Added match probability per published product (A)."
    )
    max: Share = Field(default=0.6, description="Ceiling of the match probability (A).")


class AgencySpec(Section):
    """The one-level development agency (一级开发机构): sandbox, analysts, output review."""

    enabled: bool = Field(
        default=True, description="Authorised (true) or not (development requests rejected)."
    )
    analysts: StrictInt = Field(
        default=10, ge=1, le=MAX_STAFF, description=f"Analysts (1 to {MAX_STAFF:,}; A: 10)."
    )
    sandbox_slots: StrictInt = Field(
        default=20,
        ge=1,
        le=MAX_STAFF,
        description=f"Sandbox slots (1 to {MAX_STAFF:,}; A: 20).",
    )
    intake_time: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "exponential", "mean": "1 workday"}
        ),
        description="Intake and vetting of a development request, working time (A).",
    )
    analyst_effort: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "lognormal", "median": "15 workday", "cv": 0.8}
        ),
        description="Analyst working time inside the sandbox per project (A: median 15 workdays).",
    )
    output_review: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "constant", "value": "2 workday"}
        ),
        description="Output security review (no raw data leaves), working time (A: 2 "
        "workdays); holds the sandbox slot, not an analyst.",
    )
    reuse: ReuseSpec = Field(default_factory=ReuseSpec, description="Product reuse.")

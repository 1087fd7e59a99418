"""Scenario sections of the public-data sharing model: catalogue, requesters, policy, agency.

Defaults come from DOMAIN.md §5 (tag S = source documents, O = outside sources, A =
assumption); each field's description says which. Efforts, waits and SLAs are working time
(see :mod:`simdata.scenario.worktime`); patience and platform times are elapsed time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from simdata.scenario.distributions import DurationDistribution, IntegerDistribution
from simdata.scenario.quantities import RatePerS, Seconds, Share
from simdata.scenario.section import Section
from simdata.scenario.units import MAX_GROWTH_PER_S, MAX_GROWTH_TEXT, parse_growth
from simdata.scenario.worktime import (
    WorkDistribution,
    WorkRate,
    WorkSeconds,
    parse_work_rate,
    parse_work_seconds,
)

#: Most owning departments of one catalogue (a province has about a hundred).
MAX_DEPARTMENTS = 10_000
#: Most datasets at the start date (a province's catalogue holds ~10⁴–10⁵).
MAX_DATASETS = 1_000_000
#: Most people of one kind (reviewers per department, analysts, sandbox slots).
MAX_STAFF = 100_000
#: Most open requests of one department at the start date.
MAX_BACKLOG = 100_000
#: Most datasets one request needs, on average.
MAX_DATASETS_PER_REQUEST = 1000.0

RequesterKind = Literal["government", "enterprise", "research", "social"]
Channel = Literal["sharing", "opening", "development"]
UpdatePeriod = Literal["day", "week", "month", "quarter", "year"]


def department_names(count: int) -> list[str]:
    """``dept-01`` … ``dept-60``: the departments' names in results and scenario keys."""
    width = max(2, len(str(count)))
    return [f"dept-{i + 1:0{width}d}" for i in range(count)]


def _mix_sums_to_one(mix: dict[str, float], field: str) -> None:
    total = sum(mix.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise ValueError(f"{field}: expected shares summing to 1 (100%), got {total:.6g}")


@dataclass(frozen=True, slots=True)
class GrowthRate:
    """A compounding growth ``percent``%/``unit``, kept as written so it reads back exactly."""

    percent: float
    unit: str

    @property
    def per_s(self) -> float:
        """Continuous growth rate g: the quantity is multiplied by exp(g·t)."""
        return parse_growth(str(self))

    def __str__(self) -> str:
        return f"{self.percent!r}%/{self.unit}"


def _parse_growth_rate(value: Any) -> GrowthRate:
    """A growth above -100% and at most 1000%/month (or as fast in another unit).

    Faster compounding overflows any run of more than a few months; how far a rate may
    compound over the whole run is checked against the run's span by the scenario.
    """
    if isinstance(value, GrowthRate):
        return value
    if parse_growth(value) > MAX_GROWTH_PER_S:  # validates, with the grammar's message
        raise ValueError(
            f"expected a growth ≤ {MAX_GROWTH_TEXT} (or as fast in another unit), got {value!r}"
        )
    number, _, unit = str(value).partition("%")
    return GrowthRate(float(number), unit.strip().lstrip("/").strip())


Growth = Annotated[
    GrowthRate,
    BeforeValidator(_parse_growth_rate),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": f"growth: NUMBER%/UNIT, above -100% and ≤ {MAX_GROWTH_TEXT}",
            "examples": ["3%/month"],
        }
    ),
]


class SharingMix(Section):
    """Shares of datasets by sharing class (国发〔2016〕51号: 无条件/有条件/不予共享)."""

    unconditional: Share = Field(default=0.70, description="Taken straight from the platform (A).")
    conditional: Share = Field(default=0.25, description="Needs the owner's review (A).")
    not_shared: Share = Field(default=0.05, description="Not shared without a legal basis (A).")

    @model_validator(mode="after")
    def _sums(self) -> Self:
        _mix_sums_to_one(self.model_dump(), "not_shared")
        return self


class OpeningMix(Section):
    """Shares of datasets by opening class (Fujian regulation 2021: 普通开放 / 依申请开放)."""

    not_open: Share = Field(default=0.60, description="Not opened to society (A).")
    ordinary: Share = Field(default=0.30, description="Downloaded freely at once (A).")
    on_application: Share = Field(
        default=0.10, description="Opened on application: follows the conditional path (A)."
    )

    @model_validator(mode="after")
    def _sums(self) -> Self:
        _mix_sums_to_one(self.model_dump(), "on_application")
        return self


class UpdateMix(Section):
    """Shares of datasets by update period (DOMAIN.md §5, A)."""

    day: Share = Field(default=0.10, description="Updated daily.")
    week: Share = Field(default=0.10, description="Updated weekly.")
    month: Share = Field(default=0.40, description="Updated monthly.")
    quarter: Share = Field(default=0.25, description="Updated quarterly.")
    year: Share = Field(default=0.15, description="Updated yearly.")

    @model_validator(mode="after")
    def _sums(self) -> Self:
        _mix_sums_to_one(self.model_dump(), "year")
        return self


class CatalogueSpec(Section):
    """The public data resource catalogue: departments, datasets, classes, quality."""

    departments: StrictInt = Field(
        default=60,
        ge=1,
        le=MAX_DEPARTMENTS,
        description=f"Owning departments, named dept-01 … (1 to {MAX_DEPARTMENTS:,}; A: 60).",
    )
    datasets: StrictInt = Field(
        default=5000,
        ge=1,
        le=MAX_DATASETS,
        description=f"Datasets at the start date (1 to {MAX_DATASETS:,}; A: 5,000).",
    )
    new_datasets: RatePerS | None = Field(
        default=None,
        description="New datasets registered over time (Poisson), e.g. '20/month'; none = "
        "a fixed catalogue (A).",
    )
    sharing_mix: SharingMix = Field(
        default_factory=SharingMix, description="Datasets by sharing class."
    )
    opening_mix: OpeningMix = Field(
        default_factory=OpeningMix, description="Datasets by opening class."
    )
    update_mix: UpdateMix = Field(default_factory=UpdateMix, description="Update periods.")
    late_update_share: Share = Field(
        default=0.10, description="Share of scheduled updates that are late (A: 10%)."
    )
    late_by: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "exponential", "mean": "3 workday"}),
        description="How late a late update is, in working time (A).",
    )
    defect_probability: Share = Field(
        default=0.03, description="Probability an update brings a data defect (A: 3%)."
    )
    detection_time: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "exponential", "mean": "5 workday"}),
        description="Working time until users or checks find a defect (A).",
    )
    fix_time: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "lognormal", "median": "3 workday", "cv": 1.0}),
        description="Working time of the online correction process once found "
        "(A: lognormal, median 3 workdays).",
    )
    while_defective: Literal["stale", "refuse"] = Field(
        default="stale",
        description="While a defect is open the dataset is served stale (delivered, "
        "counted stale) or refused (the request's dataset is rejected).",
    )


def _work(data: dict[str, Any]) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(WorkDistribution).validate_python(data)


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
        default_factory=lambda: _int({"dist": "geometric", "mean": 1.5}),
        description="Datasets one request needs (integer ≥ 1, mean at most "
        f"{MAX_DATASETS_PER_REQUEST:g}; A: geometric, mean 1.5).",
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
            _mix_sums_to_one({str(k): v for k, v in self.channel_mix.items()}, "channel_mix")
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


def _int(data: dict[str, Any]) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(IntegerDistribution).validate_python(data)


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


class PolicySpec(Section):
    """The sharing and opening policy: platform, compliance check, review, SLA."""

    platform_time: DurationDistribution = Field(
        default_factory=lambda: _dur({"dist": "exponential", "mean": "10 min"}),
        description="Elapsed time to deliver through the platform once granted (A).",
    )
    compliance_check: WorkDistribution = Field(
        default_factory=lambda: _work(
            {"dist": "triangular", "low": "0.1 workday", "mode": "0.5 workday", "high": "2 workday"}
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
        f"{MAX_STAFF:,} each; overrides reviewers_per_department).",
    )
    review_effort: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "lognormal", "median": "2 h", "cv": 1.0}),
        description="Reviewer working time per conditional request (A: lognormal, median 2 h).",
    )
    signoff_wait: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "lognormal", "median": "3 workday", "cv": 1.0}),
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


def _dur(data: dict[str, Any]) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(DurationDistribution).validate_python(data)


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
        default_factory=lambda: _work({"dist": "exponential", "mean": "1 workday"}),
        description="Intake and vetting of a development request, working time (A).",
    )
    analyst_effort: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "lognormal", "median": "15 workday", "cv": 0.8}),
        description="Analyst working time inside the sandbox per project (A: median 15 workdays).",
    )
    output_review: WorkDistribution = Field(
        default_factory=lambda: _work({"dist": "constant", "value": "2 workday"}),
        description="Output security review (no raw data leaves), working time (A: 2 "
        "workdays); holds the sandbox slot, not an analyst.",
    )
    reuse: ReuseSpec = Field(default_factory=ReuseSpec, description="Product reuse.")

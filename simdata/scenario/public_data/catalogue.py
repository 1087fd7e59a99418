"""Scenario section ``catalogue``: departments, datasets, their classes, updates and quality.

Defaults come from DOMAIN.md §5 (tag S = source documents, O = outside sources, A =
assumption); each field's description says which. The departments' forms and names are
in :mod:`simdata.scenario.public_data.departments`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import (
    Field,
    StrictInt,
    model_validator,
)

from simdata.scenario.distributions import validated_default
from simdata.scenario.public_data.departments import (
    MAX_DEPARTMENTS,
    Departments,
    DepartmentTable,
    department_table,
)
from simdata.scenario.quantities import RatePerS, Share, check_mix_sums_to_one
from simdata.scenario.section import Section
from simdata.scenario.worktime import (
    WorkDistribution,
)

#: Most datasets at the start date (a province's catalogue holds ~10⁴–10⁵).
MAX_DATASETS = 1_000_000

UpdatePeriod = Literal["day", "week", "month", "quarter", "year"]


class SharingMix(Section):
    """Shares of datasets by sharing class (国发〔2016〕51号: 无条件/有条件/不予共享)."""

    unconditional: Share = Field(default=0.70, description="Taken straight from the platform (A).")
    conditional: Share = Field(default=0.25, description="Needs the owner's review (A).")
    not_shared: Share = Field(default=0.05, description="Not shared without a legal basis (A).")

    @model_validator(mode="after")
    def _sums(self) -> Self:
        check_mix_sums_to_one(self.model_dump(), "not_shared")
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
        check_mix_sums_to_one(self.model_dump(), "on_application")
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
        check_mix_sums_to_one(self.model_dump(), "year")
        return self


class CatalogueSpec(Section):
    """The public data resource catalogue: departments, datasets, classes, quality."""

    departments: Departments = Field(
        default=60,
        description=f"Owning departments: a count (1 to {MAX_DEPARTMENTS:,}; identical "
        "departments dept-01 …; A: 60), a list of {name, datasets_share, demand_share, "
        "reviewers} (shares normalised over the list, a missing share equal, missing "
        "reviewers = policy.reviewers_per_department), or {count, size: DISTRIBUTION} "
        "(sizes at the distribution's quantiles, largest first; datasets and demand ∝ size).",
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
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "exponential", "mean": "3 workday"}
        ),
        description="How late a late update is, in working time (A).",
    )
    defect_probability: Share = Field(
        default=0.03, description="Probability an update brings a data defect (A: 3%)."
    )
    detection_time: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "exponential", "mean": "5 workday"}
        ),
        description="Working time until users or checks find a defect (A).",
    )
    fix_time: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "lognormal", "median": "3 workday", "cv": 1.0}
        ),
        description="Working time of the online correction process once found "
        "(A: lognormal, median 3 workdays).",
    )
    while_defective: Literal["stale", "refuse"] = Field(
        default="stale",
        description="While a defect is open the dataset is served stale (delivered, "
        "counted stale) or refused (the request's dataset is rejected).",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        if isinstance(self.departments, list):
            seen: set[str] = set()
            for index, department in enumerate(self.departments):
                if department.name in seen:
                    raise ValueError(
                        f"departments.{index}.name: expected a name no other department has, "
                        f"got {department.name!r} again"
                    )
                seen.add(department.name)
            try:
                self.department_table()
            except ValueError as error:
                raise ValueError(f"departments.{error}") from None
        return self

    def department_table(self) -> DepartmentTable:
        """The departments resolved: names, normalised shares, reviewers."""
        return department_table(self.departments)

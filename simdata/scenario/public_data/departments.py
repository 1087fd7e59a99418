"""``catalogue.departments``: how many owning departments, and how they differ.

Three forms, because planners know their departments to different degrees:

* a count (``60``): identical departments ``dept-01`` … (equal datasets and demand);
* a list (``[{name, datasets_share, demand_share, reviewers}]``): named departments, shares
  normalised over the list; a department without a share gets an equal share (1/n) before
  normalising, and without ``reviewers`` gets ``policy.reviewers_per_department``;
* ``{count, size: DISTRIBUTION}``: a spread of sizes (heavy-tailed, e.g. lognormal) with
  datasets and demand both proportional to size. The sizes are the distribution's quantiles
  at ``(i − ½)/count`` (estimated from a fixed stream, largest first: ``dept-01`` is the
  biggest), so they are the same in every replication and every seed — "the busiest
  department" then names a structural fact, not a draw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Self

import numpy as np
from pydantic import (
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from simdata.arrays import FloatArray
from simdata.scenario.distributions import NumberDistribution, validated_default
from simdata.scenario.public_data.policy import MAX_STAFF
from simdata.scenario.quantities import Share
from simdata.scenario.section import Section

#: Most owning departments of one catalogue (a province has about a hundred).
MAX_DEPARTMENTS = 10_000
#: Draws from which the sizes' quantiles are estimated (fixed stream: same sizes always).
_SIZE_DRAWS = 100_000
_SIZE_SEED = 20_260_101
_NAME = re.compile(r"[^@=,\s]{1,60}")


def department_names(count: int) -> list[str]:
    """``dept-01`` … ``dept-60``: the departments' names in results and scenario keys."""
    width = max(2, len(str(count)))
    return [f"dept-{i + 1:0{width}d}" for i in range(count)]


class DepartmentSpec(Section):
    """One owning department of ``catalogue.departments`` given as a list."""

    name: StrictStr = Field(
        description="Name in results and scenario keys (1 to 60 characters; no spaces, "
        "'@', '=' or ',').",
    )
    datasets_share: Share | None = Field(
        default=None,
        description="Share of the catalogue's datasets it owns (normalised over the list; "
        "none = an equal share).",
    )
    demand_share: Share | None = Field(
        default=None,
        description="Share of requested datasets it owns (normalised over the list; none = "
        "an equal share).",
    )
    reviewers: Annotated[StrictInt, Field(ge=1, le=MAX_STAFF)] | None = Field(
        default=None,
        description=f"Its reviewers (1 to {MAX_STAFF:,}; none = "
        "policy.reviewers_per_department; policy.reviewers overrides).",
    )

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(
                "expected a name of 1 to 60 characters without spaces, '@', '=' or ',' (it "
                f"becomes a KPI breakdown value), got {name!r}"
            )
        return name


class DepartmentSizes(Section):
    """A spread of department sizes: ``{count, size: DISTRIBUTION}``, demand ∝ size."""

    count: StrictInt = Field(
        ge=1, le=MAX_DEPARTMENTS, description=f"Departments (1 to {MAX_DEPARTMENTS:,})."
    )
    size: NumberDistribution = Field(
        default_factory=lambda: validated_default(
            NumberDistribution, {"dist": "lognormal", "median": 1.0, "sigma": 1.2}
        ),
        description="Relative size of a department (> 0; only ratios matter). Datasets and "
        "demand are proportional to it; dept-01 is the largest.",
    )

    @model_validator(mode="after")
    def _positive_sizes(self) -> Self:
        sizes = self.sizes()
        if not (np.all(np.isfinite(sizes)) and np.all(sizes > 0)):
            raise ValueError(
                f"size: expected a distribution of positive sizes, got a smallest size of "
                f"{float(np.min(sizes)):.6g}"
            )
        return self

    def sizes(self) -> FloatArray:
        """The departments' sizes, largest first (quantiles at (i − ½)/count)."""
        draws = self.size.sample(np.random.default_rng(_SIZE_SEED), _SIZE_DRAWS)
        levels = (np.arange(self.count) + 0.5) / self.count
        return np.asarray(np.quantile(draws, 1.0 - levels), dtype=np.float64)


_COUNT = TypeAdapter(Annotated[StrictInt, Field(ge=1, le=MAX_DEPARTMENTS)])
_LIST = TypeAdapter(
    Annotated[list[DepartmentSpec], Field(min_length=1, max_length=MAX_DEPARTMENTS)]
)


def _one_form(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """Validate the form the value has, so an error names that form's field (a plain
    union would report every form's complaint, the count's first)."""
    if isinstance(value, DepartmentSizes):
        return handler(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _COUNT.validate_python(value)
    if isinstance(value, list):
        return _LIST.validate_python(value)
    if isinstance(value, dict):
        return DepartmentSizes.model_validate(value)
    raise ValueError(
        f"expected a count, a list of departments or {{count, size}}, got {value!r:.60}"
    )


#: The three forms of ``catalogue.departments``.
Departments = Annotated[
    Annotated[StrictInt, Field(ge=1, le=MAX_DEPARTMENTS)]
    | Annotated[list[DepartmentSpec], Field(min_length=1, max_length=MAX_DEPARTMENTS)]
    | DepartmentSizes,
    WrapValidator(_one_form),
]


@dataclass(frozen=True)
class DepartmentTable:
    """The departments resolved: names, normalised dataset and demand shares, reviewers
    (``None`` = the policy's default)."""

    names: list[str]
    datasets_share: FloatArray
    demand_share: FloatArray
    reviewers: list[int | None]


def _normalised(shares: list[float | None], field: str) -> FloatArray:
    equal = 1.0 / len(shares)
    values = np.array([equal if s is None else s for s in shares], dtype=np.float64)
    if not values.sum() > 0:
        raise ValueError(f"{field}: expected shares with a positive sum, got all 0")
    return np.asarray(values / values.sum(), dtype=np.float64)


def department_table(departments: int | list[DepartmentSpec] | DepartmentSizes) -> DepartmentTable:
    """Resolve any form of ``catalogue.departments`` (see the module docstring)."""
    if isinstance(departments, int):
        equal = np.full(departments, 1.0 / departments)
        return DepartmentTable(department_names(departments), equal, equal, [None] * departments)
    if isinstance(departments, DepartmentSizes):
        sizes = departments.sizes()
        share = sizes / sizes.sum()
        count = departments.count
        return DepartmentTable(department_names(count), share, share, [None] * count)
    return DepartmentTable(
        [d.name for d in departments],
        _normalised([d.datasets_share for d in departments], "datasets_share"),
        _normalised([d.demand_share for d in departments], "demand_share"),
        [d.reviewers for d in departments],
    )

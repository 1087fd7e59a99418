"""Scenario section ``enterprises``: enterprises joining a secondary node and using it.

Enterprises join a secondary node (标识解析二级节点) over months (a Bass or Poisson
adoption), file their prefix (备案), register identifiers in batches on working days and
resolve them; innovative application cases arrive as rare events. Each field's description
tags its default: S = source documents, O = outside sources, A = assumption (DOMAIN.md §5).
:mod:`simdata.model.identifiers.enterprises` uses this section.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self

from pydantic import Field, StrictInt, model_validator

from simdata.scenario.distributions import (
    DurationDistribution,
    IntegerDistribution,
    NumberDistribution,
    validated_default,
)
from simdata.scenario.numerals import Count
from simdata.scenario.quantities import MAX_DAY_FACTOR, Growth, Number, RatePerS, Share
from simdata.scenario.section import Section
from simdata.scenario.worktime import WorkDistribution

#: Most candidate enterprises of a Bass model (China has ~5×10⁷ enterprises in all).
MAX_MARKET_SIZE = 10_000_000
#: Most identifiers one enterprise holds (the national total is ~5×10¹¹, O).
MAX_IDENTIFIERS = 10**12
#: Most resolutions per identifier per working day (the national ratio is ~3×10⁻⁴, O).
MAX_USAGE_INTENSITY = 1000.0
#: Most innovative application cases one enterprise starts with or must have.
MAX_CASES = 10**9
#: Longest gap between registration batches, in working days (~40 years).
MAX_BATCH_EVERY = 10_000

#: Traffic over the day, one weight per hour 00–23 (A, DOMAIN.md §5): peaks at 10:00 and
#: 15:00, night at 10% of the peak.
DEFAULT_HOURLY_WEIGHTS: tuple[float, ...] = (
    0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.15, 0.30, 0.60, 0.90, 1.00, 0.90,
    0.60, 0.70, 0.90, 1.00, 0.90, 0.70, 0.50, 0.35, 0.25, 0.20, 0.15, 0.10,
)  # fmt: skip


class BassAdoption(Section):
    """Bass diffusion: each of ``market_size`` candidates adopts at a time drawn from the
    Bass distribution F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t}), t in months
    (30.4375 d) from the simulation start; the expected number joined by t is
    market_size · F(t)."""

    model: Literal["bass"] = Field(description="Adoption model: Bass diffusion.")
    p: Share = Field(
        description="Coefficient of innovation, share of the market per month, in (0, 1] (A)."
    )
    q: Share = Field(
        description="Coefficient of imitation, share per month, in [0, 1] (A; Bass's "
        "classic estimates are p ≈ 0.01–0.03, q ≈ 0.3–0.5)."
    )
    market_size: Count = Field(
        ge=1,
        le=MAX_MARKET_SIZE,
        description="Candidate enterprises that may ever join (integer 1 to 10^7, A).",
    )

    @model_validator(mode="after")
    def _innovation(self) -> Self:
        if not self.p > 0:
            raise ValueError(f"p: expected a share per month in (0, 1], got {self.p!r}")
        return self


class PoissonAdoption(Section):
    """Enterprises join as a Poisson process whose rate grows by a fixed percentage."""

    model: Literal["poisson"] = Field(description="Adoption model: (growing) Poisson arrivals.")
    rate: RatePerS = Field(
        description="Joining rate at the simulation start, e.g. '4/month' (A, DOMAIN.md §5)."
    )
    growth: Growth | None = Field(
        default=None,
        description="Compounding growth of the rate, e.g. '5%/month' (A, DOMAIN.md §5); "
        "none = a constant rate.",
    )


Adoption = Annotated[BassAdoption | PoissonAdoption, Field(discriminator="model")]


class CasesSpec(Section):
    """Innovative application cases (创新应用案例) of one enterprise: a Poisson process with
    rate ``rate + per_identifier × identifiers registered``, counted per day from joining.

    The per-identifier part is the "probability rising with identifiers": an enterprise
    that registers more identifiers builds more applications on them. Give one or both.
    """

    rate: RatePerS | None = Field(
        default_factory=lambda: validated_default(RatePerS, "0.5/year"),
        description="Cases per enterprise regardless of size, e.g. '0.5/year' (A); none = 0.",
    )
    per_identifier: RatePerS | None = Field(
        default=None,
        description="Added cases per registered identifier, e.g. '1e-5/year' (one more "
        "case a year per 100,000 identifiers, A); none = 0.",
    )

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.rate is None and self.per_identifier is None:
            raise ValueError("rate: expected rate, per_identifier or both, got neither")
        return self

    @property
    def base_per_s(self) -> float:
        """Cases per second per enterprise, independent of its identifiers."""
        return self.rate or 0.0

    @property
    def per_identifier_per_s(self) -> float:
        """Cases per second per registered identifier."""
        return self.per_identifier or 0.0


class InitialEnterprise(Section):
    """An enterprise already on the node at the start date."""

    identifiers: Count = Field(
        ge=0,
        le=MAX_IDENTIFIERS,
        description="Identifiers registered at the start (0 to 10^12).",
    )
    final_identifiers: Count | None = Field(
        default=None,
        le=MAX_IDENTIFIERS,
        description="Identifiers it goes on to reach (at most 10^12), registered in batches "
        "over a `ramp_time` drawn from the start; none = it registers no more.",
    )
    usage_intensity: Number | None = Field(
        default=None,
        ge=0,
        le=MAX_USAGE_INTENSITY,
        description="Resolutions per identifier per working day (0 to "
        f"{MAX_USAGE_INTENSITY:g}); none = drawn from `usage_intensity`.",
    )
    cases: StrictInt = Field(
        default=0,
        ge=0,
        le=MAX_CASES,
        description="Innovative application cases it already has (0 to 10^9).",
    )

    @model_validator(mode="after")
    def _final(self) -> Self:
        if self.final_identifiers is not None and self.final_identifiers < self.identifiers:
            raise ValueError(
                f"final_identifiers: expected an integer ≥ identifiers ({self.identifiers}), "
                f"got {self.final_identifiers}"
            )
        return self


class EnterprisesSpec(Section):
    """Enterprises on the secondary node: joining, filing, registrations, resolutions, cases.

    Identifiers are registered in batches on working days, every `batch_every_workdays`
    working days from the first working day on or after filing, in equal shares (integers
    summing exactly to the final count) up to the last batch day within `ramp_time` of
    filing. A day's resolutions are Poisson with mean `usage_intensity` × identifiers
    registered before that day × the day-type factor; cases are Poisson too (`cases`).
    """

    adoption: Adoption = Field(
        default_factory=lambda: validated_default(
            Adoption, {"model": "poisson", "rate": "4/month", "growth": "5%/month"}
        ),
        description="How enterprises join: {model: poisson, rate, growth} (A, DOMAIN.md §5: "
        "4 a month growing 5% a month) or {model: bass, p, q, market_size} (monthly Bass "
        "diffusion).",
        examples=[{"model": "bass", "p": 0.01, "q": 0.3, "market_size": 200}],
    )
    filing_delay: WorkDistribution = Field(
        default_factory=lambda: validated_default(
            WorkDistribution, {"dist": "lognormal", "median": "5 workday", "cv": 1.0}
        ),
        description="Working time from joining to the prefix filing (备案) with the "
        "top-level node (A: lognormal, median 5 workdays).",
    )
    final_identifiers: IntegerDistribution = Field(
        default_factory=lambda: validated_default(
            IntegerDistribution, {"dist": "lognormal", "median": 20000, "sigma": 1.5}
        ),
        description="Identifiers an enterprise registers in all, across enterprises, "
        "rounded (A: lognormal, median 2万, heavy tail; sigma ≈ 2.9 would give the national "
        "mean of ~1.3M per firm, O).",
    )
    ramp_time: DurationDistribution = Field(
        default_factory=lambda: validated_default(
            DurationDistribution, {"dist": "lognormal", "median": "6 month", "sigma": 0.5}
        ),
        description="Elapsed time from filing over which the batches reach the final count "
        "(A: lognormal, median 6 months).",
    )
    batch_every_workdays: StrictInt = Field(
        default=5,
        ge=1,
        le=MAX_BATCH_EVERY,
        description=f"Working days between registration batches (1 to {MAX_BATCH_EVERY:,}; "
        "A: 5 = weekly; DOMAIN.md §5: about 1,000 identifiers per weekly batch).",
    )
    usage_intensity: NumberDistribution = Field(
        default_factory=lambda: validated_default(
            NumberDistribution, {"dist": "lognormal", "median": 0.01, "sigma": 1.0}
        ),
        description="Resolutions per registered identifier per working day, across "
        "enterprises (A: median 0.01, the subsidy boundary at 10万 identifiers; national "
        "ratio ~3e-4, range 3e-4–0.05, O).",
    )
    hourly_weights: list[Number] = Field(
        default_factory=lambda: list(DEFAULT_HOURLY_WEIGHTS),
        description="Relative traffic in each hour 00–23 (24 numbers ≥ 0, normalised; A: "
        "peaks at 10:00 and 15:00, night 10% of the peak). Shapes the node's hourly load.",
    )
    weekday_factor: Number = Field(
        default=1.0,
        ge=0,
        le=MAX_DAY_FACTOR,
        description="Traffic factor on working days (调休 days included; 0 to "
        f"{MAX_DAY_FACTOR:g}).",
    )
    weekend_factor: Number = Field(
        default=0.4,
        ge=0,
        le=MAX_DAY_FACTOR,
        description=f"Traffic factor on weekend days off (0 to {MAX_DAY_FACTOR:g}; A: ×0.4).",
    )
    holiday_factor: Number = Field(
        default=0.4,
        ge=0,
        le=MAX_DAY_FACTOR,
        description=f"Traffic factor on statutory holidays (0 to {MAX_DAY_FACTOR:g}; A: as a "
        "weekend; no source).",
    )
    cases: CasesSpec = Field(
        default_factory=CasesSpec, description="Innovative application cases per enterprise."
    )
    initial: list[InitialEnterprise] = Field(
        default_factory=list,
        description="Enterprises already on the node at the start date (filed, outside "
        "the adoption model).",
        examples=[[{"identifiers": 150000, "usage_intensity": 0.02, "cases": 1}]],
    )

    @model_validator(mode="after")
    def _weights(self) -> Self:
        weights = self.hourly_weights
        if len(weights) != 24:
            raise ValueError(
                f"hourly_weights: expected 24 weights (one per hour 00–23), got {len(weights)}"
            )
        if any(w < 0 for w in weights) or not sum(weights) > 0:
            raise ValueError(
                f"hourly_weights: expected weights ≥ 0 with a positive sum, got {weights}"
            )
        return self

    def hourly_shares(self) -> list[float]:
        """The hourly weights normalised to sum to 1."""
        total = math.fsum(self.hourly_weights)
        return [w / total for w in self.hourly_weights]

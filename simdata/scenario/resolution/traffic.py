"""Scenario section ``resolution.traffic``: resolution requests arriving at the node.

A Poisson process, possibly non-homogeneous: hourly weights and weekday/weekend/holiday
day factors shape a mean rate.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from simdata.scenario.quantities import MAX_DAY_FACTOR, Number, RatePerS
from simdata.scenario.section import Section
from simdata.scenario.units import parse_rate

HOURS_PER_DAY = 24


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

"""Distributions as scenario data, each knowing its mean and variance.

A distribution is a mapping with a ``dist`` key (``{dist: exponential, mean: 2 ms}``) and
takes its unit from the field it fills: duration fields use :data:`DurationDistribution`
(values are durations with units, sampled in seconds, never negative), plain numeric
fields :data:`NumberDistribution`, integer fields :data:`IntegerDistribution` (``poisson``,
``geometric``, ``negbinomial``, ``empirical``, or a continuous one rounded to the nearest
integer ≥ 0).

Samples are drawn in vectors from a caller's :class:`numpy.random.Generator`; there is no
global random state.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
    model_validator,
)

from simdata.arrays import FloatArray
from simdata.scenario.quantities import Number, Seconds

V = TypeVar("V")

#: Largest coefficient of variation: beyond it a distribution is all tail (lognormal σ ≈ 3).
MAX_CV = 100.0
#: Largest σ of a lognormal's log: e^(σ²) must stay finite for its mean and variance.
MAX_SIGMA = 10.0
#: Largest integer draw: counts stay exact in float64 and far from int64's limit.
MAX_INTEGER_DRAW = 10**15


class _Distribution(BaseModel, ABC, Generic[V]):
    """Common base: strict fields, a declared mean and variance, vector sampling."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """Readable schema names: ``ExponentialDuration`` instead of a type repr."""
        suffix = "Duration" if params and params[0] is Seconds else "Number"
        return f"{cls.__name__}{suffix}"

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Leave out parameters that were not given (``median: null`` reads as noise)."""
        return {key: value for key, value in handler(self).items() if value is not None}

    @property
    @abstractmethod
    def mean(self) -> float:
        """The distribution's mean, in the field's SI unit."""

    @property
    @abstractmethod
    def variance(self) -> float:
        """The distribution's variance, in the field's SI unit."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws, as float64 in the field's SI unit."""


def _positive(value: float, field: str) -> None:
    if not value > 0:
        raise ValueError(f"{field}: expected a value > 0, got {value!r}")


def _spread(value: float | None, field: str, limit: float) -> None:
    """A cv or sigma in (0, limit]: a wider one makes moments and samples overflow."""
    if value is not None and not 0 < value <= limit:
        raise ValueError(f"{field}: expected a value > 0 and ≤ {limit:g}, got {value!r}")


class Constant(_Distribution[V]):
    """Always the same value."""

    dist: Literal["constant"] = Field(description="Distribution family.")
    value: V = Field(description="The value.")

    @property
    def mean(self) -> float:
        return float(self.value)  # type: ignore[arg-type]

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.full(size, self.mean)


class Exponential(_Distribution[V]):
    """Memoryless: ``mean`` = 1/rate; coefficient of variation 1."""

    dist: Literal["exponential"] = Field(description="Distribution family.")
    mean_value: V = Field(alias="mean", description="Mean (> 0).")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _positive(float(self.mean_value), "mean")  # type: ignore[arg-type]
        return self

    @property
    def mean(self) -> float:
        return float(self.mean_value)  # type: ignore[arg-type]

    @property
    def variance(self) -> float:
        return self.mean**2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.exponential(self.mean, size)


class LogNormal(_Distribution[V]):
    """Log-normal, given by exactly one of: mean + cv, median + cv, median + sigma."""

    dist: Literal["lognormal"] = Field(description="Distribution family.")
    mean_value: V | None = Field(default=None, alias="mean", description="Mean (> 0).")
    median: V | None = Field(default=None, description="Median = exp(mu) (> 0).")
    cv: Number | None = Field(
        default=None, description=f"Coefficient of variation (> 0, ≤ {MAX_CV:g})."
    )
    sigma: Number | None = Field(
        default=None, description=f"Standard deviation of log (> 0, ≤ {MAX_SIGMA:g})."
    )

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = tuple(
            name
            for name, value in (
                ("mean", self.mean_value),
                ("median", self.median),
                ("cv", self.cv),
                ("sigma", self.sigma),
            )
            if value is not None
        )
        if given not in {("mean", "cv"), ("median", "cv"), ("median", "sigma")}:
            raise ValueError(
                "expected exactly one of mean+cv, median+cv or median+sigma, "
                f"got {'+'.join(given) or 'none'}"
            )
        for name in given:
            _positive(float(getattr(self, "mean_value" if name == "mean" else name)), name)
        _spread(self.cv, "cv", MAX_CV)
        _spread(self.sigma, "sigma", MAX_SIGMA)
        return self

    @property
    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        if self.sigma is not None:
            return math.log(float(self.median)), float(self.sigma)  # type: ignore[arg-type]
        sigma = math.sqrt(math.log1p(float(self.cv) ** 2))  # type: ignore[arg-type]
        if self.median is not None:
            return math.log(float(self.median)), sigma  # type: ignore[arg-type]
        return math.log(float(self.mean_value)) - sigma**2 / 2, sigma  # type: ignore[arg-type]

    @property
    def mean(self) -> float:
        mu, sigma = self.log_params
        return math.exp(mu + sigma**2 / 2)

    @property
    def variance(self) -> float:
        mu, sigma = self.log_params
        return math.expm1(sigma**2) * math.exp(2 * mu + sigma**2)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        mu, sigma = self.log_params
        return rng.lognormal(mu, sigma, size)


class Gamma(_Distribution[V]):
    """Gamma with shape 1/cv² and scale mean·cv²."""

    dist: Literal["gamma"] = Field(description="Distribution family.")
    mean_value: V = Field(alias="mean", description="Mean (> 0).")
    cv: Number = Field(description=f"Coefficient of variation (> 0, ≤ {MAX_CV:g}).")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _positive(float(self.mean_value), "mean")  # type: ignore[arg-type]
        _positive(self.cv, "cv")
        _spread(self.cv, "cv", MAX_CV)
        return self

    @property
    def mean(self) -> float:
        return float(self.mean_value)  # type: ignore[arg-type]

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.gamma(1.0 / self.cv**2, self.mean * self.cv**2, size)


class Uniform(_Distribution[V]):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = Field(description="Distribution family.")
    low: V = Field(description="Lower bound.")
    high: V = Field(description="Upper bound (> low).")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not float(self.high) > float(self.low):  # type: ignore[arg-type]
            raise ValueError(f"high: expected high > low, got low={self.low!r}, high={self.high!r}")
        return self

    @property
    def mean(self) -> float:
        return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]

    @property
    def variance(self) -> float:
        return (float(self.high) - float(self.low)) ** 2 / 12  # type: ignore[arg-type]

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.uniform(float(self.low), float(self.high), size)  # type: ignore[arg-type]


class Triangular(_Distribution[V]):
    """Triangular with minimum ``low``, mode ``mode`` and maximum ``high``."""

    dist: Literal["triangular"] = Field(description="Distribution family.")
    low: V = Field(description="Minimum.")
    mode: V = Field(description="Most likely value (low ≤ mode ≤ high).")
    high: V = Field(description="Maximum (> low).")

    @model_validator(mode="after")
    def _check(self) -> Self:
        low, mode, high = (float(v) for v in (self.low, self.mode, self.high))  # type: ignore[arg-type]
        if not high > low:
            raise ValueError(f"high: expected high > low, got low={low!r}, high={high!r}")
        if not low <= mode <= high:
            raise ValueError(
                f"mode: expected low ≤ mode ≤ high, got low={low!r}, mode={mode!r}, high={high!r}"
            )
        return self

    def _abc(self) -> tuple[float, float, float]:
        return float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]

    @property
    def mean(self) -> float:
        return sum(self._abc()) / 3

    @property
    def variance(self) -> float:
        a, c, b = self._abc()
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        a, c, b = self._abc()
        return rng.triangular(a, c, b, size)


class Empirical(_Distribution[V]):
    """Discrete values with weights (equal weights when none are given)."""

    dist: Literal["empirical"] = Field(description="Distribution family.")
    values: list[V] = Field(min_length=1, description="Possible values.")
    weights: list[Number] | None = Field(
        default=None, description="Relative weights, ≥ 0, same length as values."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights: expected {len(self.values)} weights (one per value), "
                    f"got {len(self.weights)}"
                )
            if any(w < 0 for w in self.weights) or not sum(self.weights) > 0:
                raise ValueError(
                    f"weights: expected weights ≥ 0 with a positive sum, got {self.weights}"
                )
        return self

    def _probabilities(self) -> FloatArray:
        weights = np.ones(len(self.values)) if self.weights is None else np.array(self.weights)
        return np.asarray(weights / weights.sum(), dtype=np.float64)

    def _values(self) -> FloatArray:
        return np.array([float(v) for v in self.values])  # type: ignore[arg-type]

    @property
    def mean(self) -> float:
        return float(self._probabilities() @ self._values())

    @property
    def variance(self) -> float:
        p, x = self._probabilities(), self._values()
        return float(p @ (x - p @ x) ** 2)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.choice(self._values(), size=size, p=self._probabilities())


class Poisson(_Distribution[float]):
    """Poisson counts with the given mean."""

    dist: Literal["poisson"] = Field(description="Distribution family.")
    mean_value: Number = Field(alias="mean", description="Mean (> 0).")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _positive(self.mean_value, "mean")
        return self

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.poisson(self.mean_value, size).astype(np.float64)


class Geometric(_Distribution[float]):
    """Number of trials up to the first success: 1, 2, 3, … with the given mean (≥ 1)."""

    dist: Literal["geometric"] = Field(description="Distribution family.")
    mean_value: Number = Field(alias="mean", description="Mean (≥ 1).")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.mean_value >= 1:
            raise ValueError(f"mean: expected a value ≥ 1, got {self.mean_value!r}")
        return self

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        p = 1.0 / self.mean_value
        return (1 - p) / p**2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.geometric(1.0 / self.mean_value, size).astype(np.float64)


class NegBinomial(_Distribution[float]):
    """Over-dispersed counts 0, 1, 2, … given by mean and cv (variance > mean)."""

    dist: Literal["negbinomial"] = Field(description="Distribution family.")
    mean_value: Number = Field(alias="mean", description="Mean (> 0).")
    cv: Number = Field(
        description=f"Coefficient of variation (≤ {MAX_CV:g}); (cv·mean)² must exceed mean."
    )

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _positive(self.mean_value, "mean")
        _spread(self.cv, "cv", MAX_CV)
        if not self.variance > self.mean_value:
            raise ValueError(
                f"expected (cv·mean)² > mean (over-dispersion), got cv={self.cv!r}, "
                f"mean={self.mean_value!r}; use poisson for variance = mean"
            )
        return self

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_value) ** 2

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        n = self.mean_value**2 / (self.variance - self.mean_value)
        return rng.negative_binomial(n, n / (n + self.mean_value), size).astype(np.float64)


_DurationFamilies = (
    Constant[Seconds]
    | Exponential[Seconds]
    | LogNormal[Seconds]
    | Gamma[Seconds]
    | Uniform[Seconds]
    | Triangular[Seconds]
    | Empirical[Seconds]
)
_NumberFamilies = (
    Constant[Number]
    | Exponential[Number]
    | LogNormal[Number]
    | Gamma[Number]
    | Uniform[Number]
    | Triangular[Number]
    | Empirical[Number]
)

#: A distribution of durations (values with units, sampled in seconds, never negative).
DurationDistribution = Annotated[_DurationFamilies, Field(discriminator="dist")]

#: A distribution of plain numbers.
NumberDistribution = Annotated[_NumberFamilies, Field(discriminator="dist")]

#: A distribution of integers ≥ 0; continuous families are rounded to the nearest integer.
IntegerDistribution = Annotated[
    Poisson | Geometric | NegBinomial | _NumberFamilies, Field(discriminator="dist")
]

Distribution = _Distribution[Any]


def sample_integers(distribution: Distribution, rng: np.random.Generator, size: int) -> Any:
    """Integer samples of an :data:`IntegerDistribution`; continuous ones rounded.

    Draws are clipped to [0, 10^15]: a heavy tail (lognormal σ = 10) can draw beyond
    int64, and no count in a scenario is meant to be larger.
    """
    draws = np.rint(distribution.sample(rng, size))
    return np.clip(draws, 0, MAX_INTEGER_DRAW).astype(np.int64)


def validated_default(kind: Any, data: Any) -> Any:
    """A field's default written as scenario data (``{"dist": …}``, ``"0.5/year"``) as ``kind``."""
    return TypeAdapter(kind).validate_python(data)

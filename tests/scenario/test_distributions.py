"""Distributions built from scenario data: valid draws, and samples that match .mean/.variance.

Distributions are built the way a scenario builds them, from mappings through a pydantic
TypeAdapter (durations as text with units). The sampling checks use a numpy seed drawn by
hypothesis, so every example is reproducible, and tolerances come from the declared
variance (5 standard errors for the mean) or the sample fourth moment (for the variance).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from simdata.scenario.distributions import (
    Distribution,
    DurationDistribution,
    IntegerDistribution,
    sample_integers,
)
from simdata.scenario.units import DURATION_UNITS

N = 20_000
DURATIONS: TypeAdapter[Any] = TypeAdapter(DurationDistribution)
INTEGERS: TypeAdapter[Any] = TypeAdapter(IntegerDistribution)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
SAMPLING = settings(max_examples=15, deadline=None, database=None)

Params = st.SearchStrategy[dict[str, Any]]


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


@st.composite
def durations(draw: st.DrawFn, low: float, high: float) -> str:
    """A duration in [low, high] seconds, written in a random unit ('0.5 min')."""
    seconds = draw(_floats(low, high))
    unit = draw(st.sampled_from(["ms", "s", "min", "h"]))
    return f"{seconds / DURATION_UNITS[unit]!r} {unit}"


@st.composite
def _uniform(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(_floats(0, 100))
    width = draw(_floats(1e-3, 100))
    return {"dist": "uniform", "low": f"{low!r} s", "high": f"{low + width!r} s"}


@st.composite
def _triangular(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(_floats(0, 100))
    width = draw(_floats(1e-3, 100))
    mode = low + draw(_floats(0, 1)) * width
    high = low + width
    return {"dist": "triangular", "low": f"{low!r} s", "mode": f"{mode!r} s", "high": f"{high!r} s"}


@st.composite
def _empirical(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(1, 6))
    # Values of 1e-200 s would square to 0 in .variance: keep them 0 or ≥ 1 µs.
    value = st.one_of(st.just("0 s"), durations(1e-6, 100))
    values = draw(st.lists(value, min_size=size, max_size=size))
    if draw(st.booleans()):
        return {"dist": "empirical", "values": values}
    # Zero or ≥ 0.1: a weight of 1e-9 would be a value the sample never shows, whose tiny
    # share of the mean no sample of N can check.
    weight = st.one_of(st.just(0.0), _floats(0.1, 10))
    weights = draw(st.lists(weight, min_size=size, max_size=size))
    weights[draw(st.integers(0, size - 1))] += 1.0  # a positive sum
    return {"dist": "empirical", "values": values, "weights": weights}


@st.composite
def _negbinomial(draw: st.DrawFn, light: bool) -> dict[str, Any]:
    mean = draw(_floats(2, 50) if light else _floats(0.5, 50))
    dispersion = draw(_floats(1.2, 3) if light else _floats(1.2, 5))  # variance / mean
    return {"dist": "negbinomial", "mean": mean, "cv": math.sqrt(dispersion * mean) / mean}


def families(light: bool) -> dict[str, tuple[TypeAdapter[Any], Params]]:
    """Family name → (adapter, valid parameters); ``light`` keeps the kurtosis moderate."""
    cv_lognormal = _floats(0.05, 0.5) if light else _floats(0.05, 1.3)
    sigma = _floats(0.05, 0.5) if light else _floats(0.05, 1.0)
    cv_gamma = _floats(0.1, 1.0) if light else _floats(0.1, 3.0)
    return {
        "constant": (
            DURATIONS,
            st.fixed_dictionaries({"dist": st.just("constant"), "value": durations(0, 1e4)}),
        ),
        "exponential": (
            DURATIONS,
            st.fixed_dictionaries({"dist": st.just("exponential"), "mean": durations(1e-3, 1e3)}),
        ),
        "lognormal-mean-cv": (
            DURATIONS,
            st.fixed_dictionaries(
                {"dist": st.just("lognormal"), "mean": durations(1e-3, 1e3), "cv": cv_lognormal}
            ),
        ),
        "lognormal-median-cv": (
            DURATIONS,
            st.fixed_dictionaries(
                {"dist": st.just("lognormal"), "median": durations(1e-3, 1e3), "cv": cv_lognormal}
            ),
        ),
        "lognormal-median-sigma": (
            DURATIONS,
            st.fixed_dictionaries(
                {"dist": st.just("lognormal"), "median": durations(1e-3, 1e3), "sigma": sigma}
            ),
        ),
        "gamma": (
            DURATIONS,
            st.fixed_dictionaries(
                {"dist": st.just("gamma"), "mean": durations(1e-3, 1e3), "cv": cv_gamma}
            ),
        ),
        "uniform": (DURATIONS, _uniform()),
        "triangular": (DURATIONS, _triangular()),
        "empirical": (DURATIONS, _empirical()),
        "poisson": (
            INTEGERS,
            st.fixed_dictionaries({"dist": st.just("poisson"), "mean": _floats(0.5, 50)}),
        ),
        "geometric": (
            INTEGERS,
            st.fixed_dictionaries({"dist": st.just("geometric"), "mean": _floats(1.1, 20)}),
        ),
        "negbinomial": (INTEGERS, _negbinomial(light)),
    }


ALL = families(light=False)
LIGHT = families(light=True)
DURATION_FAMILIES = [name for name, (adapter, _) in ALL.items() if adapter is DURATIONS]
INTEGER_FAMILIES = [name for name, (adapter, _) in ALL.items() if adapter is INTEGERS]


def build(adapter: TypeAdapter[Any], params: dict[str, Any]) -> Distribution:
    """The distribution a scenario mapping describes."""
    distribution: Distribution = adapter.validate_python(params)
    return distribution


def sample_with(
    family: dict[str, tuple[TypeAdapter[Any], Params]], name: str
) -> Callable[[Callable[[Distribution, np.ndarray], None]], Callable[..., None]]:
    """Decorator: run ``check(distribution, samples)`` on hypothesis examples of ``name``."""
    adapter, params = family[name]

    def wrap(check: Callable[[Distribution, np.ndarray], None]) -> Callable[..., None]:
        @SAMPLING
        @given(params=params, seed=SEEDS)
        def run(params: dict[str, Any], seed: int) -> None:
            distribution = build(adapter, params)
            check(distribution, distribution.sample(np.random.default_rng(seed), N))

        return run

    return wrap


# --- validity of the draws ------------------------------------------------------------------


@pytest.mark.property
@settings(max_examples=60, deadline=None, database=None)
@given(
    params=st.one_of([ALL[name][1] for name in DURATION_FAMILIES]),
    seed=SEEDS,
)
def test_duration_samples_are_never_negative(params: dict[str, Any], seed: int) -> None:
    """Every duration family with valid parameters draws finite values ≥ 0 (in seconds)."""
    distribution = build(DURATIONS, params)
    samples = distribution.sample(np.random.default_rng(seed), 2_000)
    assert samples.shape == (2_000,)
    assert samples.dtype == np.float64
    assert np.isfinite(samples).all()
    assert (samples >= 0).all()
    assert distribution.mean >= 0
    assert distribution.variance >= 0


@pytest.mark.property
@settings(max_examples=60, deadline=None, database=None)
@given(
    params=st.one_of([ALL[name][1] for name in INTEGER_FAMILIES]),
    seed=SEEDS,
)
def test_integer_samples_are_counts(params: dict[str, Any], seed: int) -> None:
    """Counting families draw whole numbers ≥ 0 (geometric ≥ 1), kept by sample_integers."""
    distribution = build(INTEGERS, params)
    samples = distribution.sample(np.random.default_rng(seed), 2_000)
    assert (samples == np.rint(samples)).all()
    assert samples.min() >= (1 if params["dist"] == "geometric" else 0)
    counts = sample_integers(distribution, np.random.default_rng(seed), 2_000)
    assert counts.dtype == np.int64
    assert (counts == samples).all()


@pytest.mark.property
@settings(max_examples=60, deadline=None, database=None)
@given(
    name=st.sampled_from(DURATION_FAMILIES).filter(lambda n: n != "empirical"),
    data=st.data(),
    negative=_floats(1e-3, 1e3),
)
def test_negative_duration_parameters_are_refused(
    name: str, data: st.DataObject, negative: float
) -> None:
    """Any duration parameter made negative is refused when the distribution is built."""
    params = data.draw(ALL[name][1])
    keys = [key for key, value in params.items() if key != "dist" and isinstance(value, str)]
    key = data.draw(st.sampled_from(keys))
    with pytest.raises(ValidationError, match="≥ 0"):
        build(DURATIONS, {**params, key: f"-{negative!r} s"})


# --- sample moments against the declared ones ---------------------------------------------------


def _check_mean(distribution: Distribution, samples: np.ndarray) -> None:
    mean, variance = distribution.mean, distribution.variance
    tolerance = 5 * math.sqrt(variance / N) + 1e-9 * abs(mean)
    assert abs(samples.mean() - mean) <= tolerance, (samples.mean(), mean, variance)


def _check_variance(distribution: Distribution, samples: np.ndarray) -> None:
    variance = distribution.variance
    centred = samples - samples.mean()
    s2 = float(centred.var(ddof=1))
    m4 = float((centred**4).mean())
    standard_error = math.sqrt(max(m4 - s2**2, 0.0) / N)
    tolerance = 6 * standard_error + 0.02 * variance + 1e-12 * distribution.mean**2
    assert abs(s2 - variance) <= tolerance, (s2, variance, standard_error)


@pytest.mark.property
@pytest.mark.parametrize("name", list(ALL))
def test_sample_mean_matches_declared_mean(name: str) -> None:
    """Each family's sample mean is within 5 standard errors (from .variance) of .mean."""
    sample_with(ALL, name)(_check_mean)()


@pytest.mark.property
@pytest.mark.parametrize("name", list(LIGHT))
def test_sample_variance_matches_declared_variance(name: str) -> None:
    """Each family's sample variance (moderate kurtosis) is within 6 standard errors of it."""
    sample_with(LIGHT, name)(_check_variance)()


# --- declared moments and parameterisations ---------------------------------------------------


@pytest.mark.unit
def test_lognormal_parameterisations_agree() -> None:
    """mean+cv, median+cv and median+sigma describe one lognormal when they should."""
    sigma = math.sqrt(math.log1p(0.5**2))
    median = 2.0 / math.exp(sigma**2 / 2)
    by_mean = build(DURATIONS, {"dist": "lognormal", "mean": "2 s", "cv": 0.5})
    by_median = build(DURATIONS, {"dist": "lognormal", "median": f"{median!r} s", "cv": 0.5})
    by_sigma = build(DURATIONS, {"dist": "lognormal", "median": f"{median!r} s", "sigma": sigma})
    for distribution in (by_mean, by_median, by_sigma):
        assert distribution.mean == pytest.approx(2.0, rel=1e-12)
        assert math.sqrt(distribution.variance) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("params", "mean", "variance"),
    [
        ({"dist": "constant", "value": "3 s"}, 3.0, 0.0),
        ({"dist": "exponential", "mean": "2 ms"}, 0.002, 0.002**2),
        ({"dist": "gamma", "mean": "4 s", "cv": 0.5}, 4.0, 4.0),
        ({"dist": "uniform", "low": "1 s", "high": "4 s"}, 2.5, 0.75),
        ({"dist": "triangular", "low": "0 s", "mode": "0 s", "high": "3 s"}, 1.0, 0.5),
        ({"dist": "empirical", "values": ["1 s", "3 s"], "weights": [3, 1]}, 1.5, 0.75),
        ({"dist": "empirical", "values": ["1 min", "3 min"]}, 120.0, 3600.0),
    ],
)
def test_declared_moments_of_duration_families(
    params: dict[str, Any], mean: float, variance: float
) -> None:
    """Declared .mean and .variance follow the textbook formulas, in seconds."""
    distribution = build(DURATIONS, params)
    assert distribution.mean == pytest.approx(mean, rel=1e-12)
    assert distribution.variance == pytest.approx(variance, rel=1e-12, abs=1e-18)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("params", "mean", "variance"),
    [
        ({"dist": "poisson", "mean": 3.5}, 3.5, 3.5),
        ({"dist": "geometric", "mean": 4}, 4.0, 12.0),
        ({"dist": "negbinomial", "mean": 10, "cv": 0.5}, 10.0, 25.0),
    ],
)
def test_declared_moments_of_counting_families(
    params: dict[str, Any], mean: float, variance: float
) -> None:
    """Declared .mean and .variance of poisson, geometric and negbinomial are the textbook ones."""
    distribution = build(INTEGERS, params)
    assert distribution.mean == pytest.approx(mean, rel=1e-12)
    assert distribution.variance == pytest.approx(variance, rel=1e-12)


@pytest.mark.unit
@pytest.mark.parametrize(
    "params",
    [
        {"dist": "lognormal", "mean": "1 s", "median": "1 s"},
        {"dist": "lognormal", "mean": "1 s", "cv": 1, "sigma": 1},
        {"dist": "uniform", "low": "2 s", "high": "2 s"},
        {"dist": "triangular", "low": "1 s", "mode": "4 s", "high": "3 s"},
        {"dist": "empirical", "values": ["1 s"], "weights": [0]},
        {"dist": "gamma", "mean": "1 s", "cv": 0},
        {"dist": "exponential", "mean": "0 s"},
        {"dist": "exponential", "mean": 1},
        {"dist": "poisson", "mean": "1 s"},
    ],
)
def test_invalid_duration_parameters_are_refused(params: dict[str, Any]) -> None:
    """Contradictory, degenerate or unit-less parameters do not build a duration distribution."""
    with pytest.raises(ValidationError):
        build(DURATIONS, params)


@pytest.mark.unit
@pytest.mark.parametrize(
    "params",
    [
        {"dist": "geometric", "mean": 0.5},
        {"dist": "negbinomial", "mean": 10, "cv": 0.2},  # variance 4 < mean 10
        {"dist": "poisson", "mean": 0},
        {"dist": "poisson", "mean": True},
    ],
)
def test_invalid_counting_parameters_are_refused(params: dict[str, Any]) -> None:
    """Geometric means below 1, under-dispersed negbinomials and bad Poisson means fail."""
    with pytest.raises(ValidationError):
        build(INTEGERS, params)

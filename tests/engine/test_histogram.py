"""The fixed log-bucket latency histogram: quantiles within 1 % of numpy's exact ones."""

from __future__ import annotations

import numpy as np
import pytest

from simdata.engine import histogram

QUANTILES = (0.5, 0.9, 0.99, 0.999)
N = 1_000_000


def samples(kind: str) -> np.ndarray:
    rng = np.random.default_rng(20240601)
    if kind == "lognormal":
        return rng.lognormal(np.log(0.02), 1.2, N)
    return rng.exponential(0.05, N)


@pytest.mark.unit
@pytest.mark.parametrize("kind", ["lognormal", "exponential"])
def test_quantiles_within_one_percent_of_numpy(kind: str) -> None:
    """Every quantile of 10⁶ values is within 1 % of np.quantile(method="inverted_cdf")."""
    values = samples(kind)
    counts = histogram.of(values)
    assert histogram.count(counts) == N
    for q in QUANTILES:
        exact = float(np.quantile(values, q, method="inverted_cdf"))
        approx = histogram.quantile(counts, q)
        error = abs(approx - exact) / exact
        print(f"{kind} q={q}: exact {exact:.6g}, histogram {approx:.6g}, error {error:.2e}")
        assert error <= histogram.ALPHA * 1.001 < 0.01


@pytest.mark.unit
def test_merge_of_halves_equals_the_whole() -> None:
    """Merging the histograms of two halves gives the histogram of all values."""
    values = samples("lognormal")
    whole = histogram.of(values)
    merged = histogram.merge(histogram.of(values[: N // 2]), histogram.of(values[N // 2 :]))
    assert np.array_equal(merged, whole)


@pytest.mark.unit
def test_memory_is_fixed() -> None:
    """The counts array has the same fixed length for 10 values and 10⁶."""
    assert len(histogram.of(samples("exponential")[:10])) == histogram.SIZE
    assert len(histogram.of(samples("exponential"))) == histogram.SIZE
    assert histogram.SIZE < 3_000


@pytest.mark.unit
def test_zero_range_ends_and_nan() -> None:
    """Zeros are exact, tiny values report LOW_S, huge ones inf, NaN is not counted."""
    counts = histogram.of(np.array([0.0, 0.0, 1e-9, 1e6, np.nan, -1.0]))
    assert histogram.count(counts) == 4
    assert histogram.quantile(counts, 0.25) == 0.0
    assert histogram.quantile(counts, 0.5) == 0.0
    assert histogram.quantile(counts, 0.75) == histogram.LOW_S
    assert histogram.quantile(counts, 1.0) == np.inf
    assert np.isnan(histogram.quantile(histogram.empty(), 0.5))
    with pytest.raises(ValueError, match="quantile"):
        histogram.quantile(counts, 1.5)


@pytest.mark.unit
def test_bucket_edges_have_relative_error_at_most_alpha() -> None:
    """Values at and next to bucket edges are reported within α."""
    index = np.arange(histogram.MIN_INDEX + 1, histogram.MAX_INDEX)
    edges = histogram.GAMMA ** index.astype(np.float64)
    values = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, 0)])
    for x in values[::97]:
        counts = histogram.of(np.array([x]))
        assert abs(histogram.quantile(counts, 0.5) - x) / x <= histogram.ALPHA * (1 + 1e-9)

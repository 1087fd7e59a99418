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
        assert error <= (histogram.GAMMA - 1) * 1.001 < 0.01


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
    assert histogram.SIZE < 5_000  # 37 kB of int64


@pytest.mark.unit
def test_zero_range_ends_and_nan() -> None:
    """Zeros are exact, tiny values report LOW_S, huge ones inf, NaN is not counted."""
    counts = histogram.of(np.array([0.0, 0.0, 1e-9, 1e10, np.nan, -1.0]))
    assert histogram.count(counts) == 4
    assert histogram.quantile(counts, 0.25) == 0.0
    assert histogram.quantile(counts, 0.5) == 0.0
    assert histogram.quantile(counts, 0.75) == histogram.LOW_S
    assert histogram.quantile(counts, 1.0) == np.inf
    assert np.isnan(histogram.quantile(histogram.empty(), 0.5))
    with pytest.raises(ValueError, match="quantile"):
        histogram.quantile(counts, 1.5)


@pytest.mark.unit
def test_bucket_edges_have_relative_error_below_one_percent() -> None:
    """A lone value at or next to a bucket edge is reported within its bucket (< 1 %)."""
    index = np.arange(histogram.MIN_INDEX + 1, histogram.MAX_INDEX)
    edges = histogram.GAMMA ** index.astype(np.float64)
    values = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, 0)])
    for x in values[::97]:
        counts = histogram.of(np.array([x]))
        assert abs(histogram.quantile(counts, 0.5) - x) / x <= (histogram.GAMMA - 1) * (1 + 1e-9)


@pytest.mark.unit
def test_quantiles_interpolate_inside_a_bucket() -> None:
    """Two samples whose p99 differ by less than a bucket still get different p99s (a
    representative per bucket would give both the same value and a zero-width CI)."""
    rng = np.random.default_rng(5)
    first = rng.lognormal(np.log(0.02), 0.5, 200_000)
    second = first * 1.002  # every latency 0.2 % longer: within one bucket mostly
    p99 = [histogram.quantile(histogram.of(values), 0.99) for values in (first, second)]
    exact = [float(np.quantile(v, 0.99, method="inverted_cdf")) for v in (first, second)]
    assert p99[0] != p99[1]
    for approx, want in zip(p99, exact, strict=True):
        assert abs(approx - want) / want < 0.002

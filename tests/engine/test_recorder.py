"""Columnar recording and exact interval time averages."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simdata.engine.recorder import ColumnTable, interval_bin_means


@pytest.mark.unit
def test_column_table_grows_and_keeps_rows() -> None:
    """Reserving past capacity doubles the columns and keeps earlier rows; blanks are NaN/0."""
    table = ColumnTable({"x": np.float64, "ok": np.bool_}, capacity=16)
    first = table.reserve(10)
    table.columns["x"][first : first + 10] = np.arange(10)
    second = table.reserve(30)
    assert second == 10
    assert table.capacity >= 40
    frame = table.frame()
    assert frame.height == 40
    assert frame["x"][:10].to_list() == list(range(10))
    assert frame["x"][10:].is_nan().all()
    assert not frame["ok"].any()


def _brute_force(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    result = []
    for lo, hi in itertools.pairwise(edges):
        overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None)
        result.append(overlap.sum() / (hi - lo))
    return np.array(result)


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 100), st.floats(0, 50)), min_size=0, max_size=40),
    st.integers(1, 12),
)
def test_interval_bin_means_equal_brute_force(
    intervals: list[tuple[float, float]], bins: int
) -> None:
    """The sorted-jump integral equals the direct overlap sum in every bin."""
    starts = np.array([s for s, _ in intervals], dtype=np.float64)
    ends = starts + np.array([d for _, d in intervals], dtype=np.float64)
    edges = np.linspace(0.0, 120.0, bins + 1)
    assert np.allclose(interval_bin_means(starts, ends, edges), _brute_force(starts, ends, edges))


@pytest.mark.unit
def test_open_intervals_count_to_the_end() -> None:
    """A NaN end means still open: it counts in every later bin."""
    means = interval_bin_means(np.array([1.0]), np.array([np.nan]), np.array([0.0, 2.0, 4.0]))
    assert means.tolist() == [0.5, 1.0]

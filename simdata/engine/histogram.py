"""A fixed log-bucket histogram of non-negative latencies (after DDSketch, Masson et al. 2019).

Bucket ``i`` holds the values in ``(γ^(i-1), γ^i]`` with ``γ = (1+α)/(1−α)`` and
``α = 0.004``, so a bucket spans less than 0.81 % of its values; a value ``x`` goes to
bucket ``ceil(log_γ x)``. The range :data:`LOW_S` … :data:`HIGH_S` (1e-7 s … 1e9 s: request
latencies as well as months to qualify for a subsidy) is fixed, so the counts are one
``int64`` array of :data:`SIZE` entries whatever the number of values, and two histograms
merge by adding their arrays. Layout of the array:

* ``counts[ZERO]``: exact zeros;
* ``counts[UNDER]``: values in ``(0, LOW_S]`` (reported as ``LOW_S``);
* ``counts[FIRST + j]``: bucket ``j + MIN_INDEX``;
* ``counts[OVER]``: values above ``HIGH_S`` (reported as ``inf``).

NaN (a rejected request has no latency) and negative values are not counted.

Quantiles follow numpy's ``method="inverted_cdf"``: the ``q``-quantile of ``n`` values is
the value of rank ``max(1, ceil(q·n))`` in ascending order. The histogram finds the bucket
that holds that rank and interpolates linearly inside it by the rank's position among the
bucket's values (the midpoint for a lone value). The answer lies in the same bucket as
numpy's, so it is within γ − 1 < 0.81 % of it (the issue asks ≤ 1 %); interpolating, rather
than answering one representative per bucket, keeps the quantiles of replications that
differ by less than a bucket from coming out identical (which would give a zero-width CI).

:func:`add` is compiled with numba (``cache=True``: compiled once per machine) and can be
called from other compiled loops, e.g. the batched engine's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from simdata.arrays import FloatArray, IntArray

F = TypeVar("F", bound=Callable[..., Any])

#: Relative accuracy of a bucket's representative value.
ALPHA = 0.004
GAMMA = (1.0 + ALPHA) / (1.0 - ALPHA)
LOG_GAMMA = math.log(GAMMA)
#: The smallest and largest values with their own bucket (seconds).
LOW_S = 1e-7
HIGH_S = 1e9
#: Bucket indices ``ceil(log_γ x)`` of LOW_S and HIGH_S.
MIN_INDEX = math.ceil(math.log(LOW_S) / LOG_GAMMA)
MAX_INDEX = math.ceil(math.log(HIGH_S) / LOG_GAMMA)
ZERO = 0
UNDER = 1
FIRST = 2
OVER = FIRST + MAX_INDEX - MIN_INDEX + 1
#: Length of a counts array.
SIZE = OVER + 1


def jit(function: F) -> F:
    """Compile ``function`` with numba in nopython mode, cached on disk (typed for mypy)."""
    return cast(F, numba.njit(cache=True)(function))


def empty() -> IntArray:
    """A histogram with no values."""
    return np.zeros(SIZE, dtype=np.int64)


@jit
def bucket(x: float) -> int:
    """The position of ``x`` in a counts array (-1 for NaN and negatives: not counted)."""
    if x > LOW_S:
        if x > HIGH_S:
            return OVER
        index = math.ceil(math.log(x) / LOG_GAMMA)
        # Rounding of the log at a bucket edge may step one past the range's ends.
        index = min(max(index, MIN_INDEX), MAX_INDEX)
        return FIRST + index - MIN_INDEX
    if x == 0.0:
        return ZERO
    if x > 0.0:
        return UNDER
    return -1


@jit
def add(counts: IntArray, x: float) -> None:
    """Count one value ``x`` (NaN and negatives are ignored)."""
    position = bucket(x)
    if position >= 0:
        counts[position] += 1


@jit
def add_times(counts: IntArray, x: float, times: int) -> None:
    """Count the value ``x`` ``times`` times (a weighted :func:`add`)."""
    position = bucket(x)
    if position >= 0:
        counts[position] += times


@jit
def _add_many(counts: IntArray, values: FloatArray) -> None:
    for x in values:
        add(counts, x)


def add_many(counts: IntArray, values: FloatArray) -> None:
    """Count every value of ``values`` (in place)."""
    _add_many(counts, np.ascontiguousarray(values, dtype=np.float64))


def of(values: FloatArray) -> IntArray:
    """A new histogram of ``values``."""
    counts = empty()
    add_many(counts, values)
    return counts


def merge(*histograms: IntArray) -> IntArray:
    """The histogram of the union of the values of ``histograms``."""
    merged = empty()
    for counts in histograms:
        merged += counts
    return merged


def representative(bucket: int) -> float:
    """The value reported for bucket position ``bucket`` of a counts array."""
    if bucket == ZERO:
        return 0.0
    if bucket == UNDER:
        return LOW_S
    if bucket == OVER:
        return math.inf
    index = bucket - FIRST + MIN_INDEX
    return 2.0 * GAMMA**index / (GAMMA + 1.0)


def count(counts: IntArray) -> int:
    """Number of values counted."""
    return int(counts.sum())


def quantile(counts: IntArray, q: float) -> float:
    """The ``q``-quantile (inverted CDF, within α relative error); NaN for no values."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must be in [0, 1], not {q}")
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1])
    if total == 0:
        return math.nan
    rank = max(1, math.ceil(q * total))
    bucket = int(np.searchsorted(cumulative, rank, side="left"))
    if bucket in (ZERO, UNDER, OVER):
        return representative(bucket)
    inside = int(counts[bucket])
    position = (rank - (int(cumulative[bucket]) - inside) - 0.5) / inside
    index = bucket - FIRST + MIN_INDEX
    low, high = GAMMA ** (index - 1), GAMMA**index
    return low + (high - low) * position


def bounds(counts: IntArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """``(positions, low, high)`` of the non-empty buckets: bucket values lie in
    ``(low, high]`` (zeros in ``[0, 0]``, values above :data:`HIGH_S` up to ``inf``)."""
    positions = np.flatnonzero(counts)
    index = positions - FIRST + MIN_INDEX
    low = np.where(positions >= FIRST, GAMMA ** (index - 1.0), 0.0)
    high = np.where(positions >= FIRST, GAMMA ** index.astype(np.float64), LOW_S)
    low = np.where(positions == OVER, HIGH_S, low)
    high = np.where(positions == OVER, math.inf, high)
    high = np.where(positions == ZERO, 0.0, high)
    return positions, np.asarray(low, np.float64), np.asarray(high, np.float64)

"""Compiled building blocks of the batched engine: a min-heap, window overlaps, series slots.

The batched engine replaces SimPy's event loop by compiled recursions over sorted vector
blocks (the resolution node's FCFS queue: :mod:`simdata.model.resolution.fcfs`). What such a
loop needs beyond its own rule lives here, free of any model:

* a min-heap on a float array (:func:`heap_push`, :func:`heap_pop`), e.g. the ends of the
  requests in a node with a queue limit;
* the length of an interval inside the measured window (:func:`overlap`);
* the time-average number of open intervals per bin without keeping the intervals
  (:class:`Accumulator`, :func:`count_interval`, :func:`series_means`): per slot, the
  count and sum of interval starts and of ends give ∫N dt at every bin edge exactly.

Compiled with ``cache=True`` (:func:`simdata.engine.histogram.jit`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simdata.arrays import FloatArray
from simdata.engine.histogram import jit

#: Rows of an accumulator's slot sums (see :func:`series_means`).
STARTS_COUNT, STARTS_SUM, ENDS_COUNT, ENDS_SUM = 0, 1, 2, 3


@jit
def heap_push(heap: FloatArray, size: int, value: float) -> int:
    """Push ``value`` onto the min-heap ``heap[:size]``; the new size."""
    i = size
    heap[i] = value
    while i > 0:
        parent = (i - 1) // 2
        if heap[parent] <= heap[i]:
            break
        heap[parent], heap[i] = heap[i], heap[parent]
        i = parent
    return size + 1


@jit
def heap_pop(heap: FloatArray, size: int) -> int:
    """Drop the smallest value of the min-heap ``heap[:size]``; the new size."""
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and heap[left + 1] < heap[left]:
            child = left + 1
        if heap[i] <= heap[child]:
            break
        heap[i], heap[child] = heap[child], heap[i]
        i = child
    return size


@jit
def overlap(lo: float, hi: float, window_lo: float, window_hi: float) -> float:
    """Length of ``[lo, hi) ∩ [window_lo, window_hi)``, 0 when disjoint."""
    upper = hi if hi < window_hi else window_hi
    lower = lo if lo > window_lo else window_lo
    return upper - lower if upper > lower else 0.0


class Accumulator(NamedTuple):
    """Slot sums of interval starts and ends over equal-width bins from ``lo`` (a numba
    record): ``sums`` has 4 rows (:data:`STARTS_COUNT` …) of ``bins + 2`` slots — slot 0
    before the first edge, ``k + 1`` for bin ``k``, the last after the last edge. A
    ``width`` ≤ 0 switches it off."""

    lo: float
    width: float
    sums: FloatArray

    @classmethod
    def over(cls, edges: FloatArray | None) -> Accumulator:
        """Slots over equal-width ``edges`` (a switched-off dummy when None)."""
        if edges is None or len(edges) < 2:
            return cls(0.0, 0.0, np.zeros((4, 2)))
        return cls(float(edges[0]), float(edges[1] - edges[0]), np.zeros((4, len(edges) + 1)))


@jit
def _slot(t: float, lo: float, width: float, slots: int) -> int:
    if t < lo:
        return 0
    k = int((t - lo) / width) + 1
    return k if k < slots else slots - 1


@jit
def count_interval(accumulator: Accumulator, start: float, end: float) -> None:
    """Count the interval ``[start, end)`` into ``accumulator`` (nothing when switched off)."""
    if accumulator.width <= 0.0:
        return
    sums = accumulator.sums
    slots = sums.shape[1]
    k = _slot(start, accumulator.lo, accumulator.width, slots)
    sums[STARTS_COUNT, k] += 1.0
    sums[STARTS_SUM, k] += start
    k = _slot(end, accumulator.lo, accumulator.width, slots)
    sums[ENDS_COUNT, k] += 1.0
    sums[ENDS_SUM, k] += end


def series_means(series: FloatArray, edges: FloatArray) -> FloatArray:
    """Time-average number of open intervals per bin of ``edges`` from the slot sums.

    ∫₀ᵗ N = Σ_{starts s < t} (t − s) − Σ_{ends e < t} (t − e): per slot, the count and sum
    of starts and of ends give the integral at every edge exactly (the same quantity as
    :func:`simdata.engine.recorder.interval_bin_means`, without keeping the intervals).
    """
    cumulative = np.cumsum(series, axis=1)[:, :-1]  # slots 0..k: everything before edge k
    integral = (
        edges * cumulative[STARTS_COUNT]
        - cumulative[STARTS_SUM]
        - (edges * cumulative[ENDS_COUNT] - cumulative[ENDS_SUM])
    )
    return np.asarray(np.diff(integral) / np.diff(edges), dtype=np.float64)

"""The event engine's statistics of a queue node, built from its exact per-visit rows.

The batched engine tallies each queue node inside the compiled FCFS recursion
(:class:`~simdata.model.resolution.fcfs.FcfsStream`); the event engine records each visit
``(id, arrival, start, end, admitted, measured)`` when it ends (served or rejected) and
folds the rows, a chunk at a time, into the same counts, sums, time integrals over the
window and log-bucket histograms — so the per-node KPIs are computed by the same code
(:func:`~simdata.model.network.tally.queue_statistics` gives the batched side). Only the
order of floating-point summation differs (≈ 1e-12 relative). Folding in chunks keeps
memory bounded unless the rows are wanted (``keep``: the engines' comparison tests).
Rows are buffered as tuples and turned into arrays at a fold (ids < 2^53 stay exact).
"""

from __future__ import annotations

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine import histogram
from simdata.engine.batched import Accumulator, count_interval, series_means
from simdata.engine.histogram import jit
from simdata.model.network.tally import queue_statistics
from simdata.model.resolution.fcfs import (
    BUSY_AREA,
    ENDS_IN_WINDOW,
    LATENCY_SUM,
    QUEUE_AREA,
    SOJOURN_SUM,
    STATS_SIZE,
    WAIT_SUM,
)
from simdata.model.resolution.rules import REJECTED, WITHIN_SLA
from simdata.model.resolution.statistics import NodeStatistics

#: Rows buffered before they are folded into the statistics.
FOLD = 1 << 15

#: One chunk of visits: ``(id, arrival, start, end, admitted)`` (NaN start/end: rejected).
Visits = tuple[IntArray, FloatArray, FloatArray, FloatArray, BoolArray]


@jit
def _count_intervals(accumulator: Accumulator, start: FloatArray, end: FloatArray) -> None:
    for i in range(start.shape[0]):
        count_interval(accumulator, start[i], end[i])


def _overlap(lo: FloatArray, hi: FloatArray, window_lo: float, window_hi: float) -> FloatArray:
    """Length of each ``[lo, hi) ∩ [window_lo, window_hi)`` (as the kernel's ``overlap``)."""
    length = np.minimum(hi, window_hi) - np.maximum(lo, window_lo)
    return np.where(length > 0, length, 0.0)


class QueueRows:
    """One queue node's visits, folded into :class:`FcfsStream`'s statistics.

    A node's own rules have no timeout and no SLA, so every admitted measured visit is
    ``WITHIN_SLA`` and its latency is its sojourn, as in the batched engine's stream.
    """

    def __init__(
        self,
        window_lo_s: float,
        window_hi_s: float,
        *,
        keep: bool = False,
        hours: FloatArray | None = None,
    ) -> None:
        self.window_lo_s = window_lo_s
        self.window_hi_s = window_hi_s
        #: Busy server time per whole clock hour (``hours``: the hours' edges).
        self.hours = hours
        self._busy = Accumulator.over(hours)
        self.stats = np.zeros(STATS_SIZE)
        self.sojourn = histogram.empty()
        self.kept: list[Visits] = []
        self._keep = keep
        #: Visits not folded yet: ``(id, arrival, start, end, admitted, measured)``. The
        #: event engine appends to it directly (a bound ``list.append`` is the cheapest
        #: call there is) and calls :meth:`fold` once it holds :data:`FOLD` rows.
        self.buffer: list[tuple[int, float, float, float, bool, bool]] = []

    def add(
        self, index: int, arrival: float, start: float, end: float, admitted: bool, measured: bool
    ) -> None:
        """Record one visit (NaN ``start``/``end`` when rejected)."""
        self.buffer.append((index, arrival, start, end, admitted, measured))
        if len(self.buffer) >= FOLD:
            self.fold()

    def fold(self) -> None:
        """Fold the buffered rows into the statistics (and keep them when asked)."""
        if not self.buffer:
            return
        table = np.array(self.buffer, dtype=np.float64)  # ids < 2^53 are exact
        self.buffer.clear()
        ids = table[:, 0].astype(np.int64)
        arrival, start, end = (np.ascontiguousarray(table[:, k]) for k in (1, 2, 3))
        admitted, measured = table[:, 4] != 0.0, table[:, 5] != 0.0
        self._tally(arrival, start, end, admitted, measured)
        if self._keep:
            self.kept.append((ids, arrival, start, end, admitted))

    def _tally(
        self,
        arrival: FloatArray,
        start: FloatArray,
        end: FloatArray,
        admitted: BoolArray,
        measured: BoolArray,
    ) -> None:
        stats, lo, hi = self.stats, self.window_lo_s, self.window_hi_s
        stats[REJECTED] += np.count_nonzero(measured & ~admitted)
        served = measured & admitted
        wait = start[served] - arrival[served]
        sojourn = end[served] - arrival[served]
        stats[WITHIN_SLA] += len(sojourn)
        stats[WAIT_SUM] += wait.sum()
        stats[SOJOURN_SUM] += sojourn.sum()
        stats[LATENCY_SUM] += sojourn.sum()
        histogram.add_many(self.sojourn, sojourn)
        a, s, e = arrival[admitted], start[admitted], end[admitted]
        stats[QUEUE_AREA] += _overlap(a, s, lo, hi).sum()
        stats[BUSY_AREA] += _overlap(s, e, lo, hi).sum()
        if self.hours is not None:
            _count_intervals(self._busy, s, e)
        stats[ENDS_IN_WINDOW] += np.count_nonzero((e >= lo) & (e < hi))

    def busy_servers(self) -> FloatArray:
        """Mean busy servers per whole clock hour (as :meth:`FcfsStream.busy_servers`)."""
        self.fold()
        if self.hours is None:
            return np.empty(0)
        return series_means(self._busy.sums, np.asarray(self.hours, dtype=np.float64))

    def statistics(self, window_s: float, servers: int) -> NodeStatistics:
        """The node's statistics (the batched engine's ``queue_statistics``)."""
        self.fold()
        return queue_statistics(self.stats, self.sojourn, window_s, servers)

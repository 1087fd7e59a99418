"""Batched exact FCFS c-server queue: the Kiefer–Wolfowitz workload recursion, compiled.

For requests reaching the node at sorted times ``a_n`` with service times ``s_n``, FCFS
with ``c`` identical servers is exactly the recursion over the servers' next-free times
``f`` (kept sorted): ``start_n = max(a_n, f_min)``, ``end_n = start_n + s_n``, and the
server that was free earliest becomes free at ``end_n`` (Lindley's recursion for c = 1).
This gives the same ``start_s``/``end_s``/``admitted`` columns as the event engine
(:class:`simdata.model.resolution.ResolutionNode`) for the same draws:

* ``queue_limit`` K: the number in the node at an arrival is the number of admitted
  requests with ``end > arrival`` (a min-heap of their ends, at most K entries); an arrival
  that finds K is rejected (start/end NaN, not admitted) and takes no server time;
* ``timeout``: the server does not know the client gave up, so the recursion ignores it;
  only the reported latency is capped (:func:`fcfs_waits` returns uncapped times, the
  streaming :class:`FcfsStream` caps the latency it records).

Arrivals must be sorted by time (the event engine serves node arrivals in that order, ties
by request index). :func:`fcfs_waits` materialises the columns; :class:`FcfsStream` takes
arrivals in blocks with carried state and keeps only counts, sums and fixed-size latency
and wait histograms (:mod:`simdata.engine.histogram`), updated inside the compiled loop.
Compiled with ``cache=True``: the one-time compile cost is paid once per machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simdata.engine import histogram
from simdata.engine.histogram import add, jit

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolArray = np.ndarray[Any, np.dtype[np.bool_]]

#: Positions in the streaming statistics array (float64). Counts and sums over *measured*
#: requests (the caller's mask: e.g. client arrival in the window, not a write):
ARRIVED = 0  # measured arrivals at the node
ADMITTED = 1
REJECTED = 2
FAILED = 3  # latency over the timeout (reported as the timeout)
WITHIN_SLA = 4  # answered, not failed, latency within the SLA threshold
WAIT_SUM = 5
SOJOURN_SUM = 6  # node arrival → end
LATENCY_SUM = 7  # sojourn + extra, capped at the timeout
SERVICE_SUM = 8  # server time of measured admitted requests
LAST_END = 9  # the latest end so far (every admitted request)
#: Time integrals over the window [window_lo, window_hi), every admitted request:
QUEUE_AREA = 10  # ∫ number waiting dt
BUSY_AREA = 11  # ∫ number in service dt
ENDS_IN_WINDOW = 12  # completions inside the window
STATS_SIZE = 13

#: Rows of the in-system series accumulator (see :func:`series_means`).
STARTS_COUNT, STARTS_SUM, ENDS_COUNT, ENDS_SUM = 0, 1, 2, 3

NO_LIMIT = np.iinfo(np.int64).max


@jit
def _heap_push(heap: FloatArray, size: int, value: float) -> int:
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
def _heap_pop(heap: FloatArray, size: int) -> int:
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
def _overlap(lo: float, hi: float, window_lo: float, window_hi: float) -> float:
    upper = hi if hi < window_hi else window_hi
    lower = lo if lo > window_lo else window_lo
    return upper - lower if upper > lower else 0.0


@jit
def _slot(t: float, series_lo: float, series_width: float, slots: int) -> int:
    """Slot 0 before the first edge, k + 1 for bin k, the last slot after the last edge."""
    if t < series_lo:
        return 0
    k = int((t - series_lo) / series_width) + 1
    return k if k < slots else slots - 1


@jit
def _kernel(
    arrival: FloatArray,
    service: FloatArray,
    extra: FloatArray,
    measured: BoolArray,
    free: FloatArray,
    heap: FloatArray,
    heap_size: IntArray,
    limit: int,
    timeout: float,
    sla: float,
    sla_strict: bool,
    window_lo: float,
    window_hi: float,
    series_lo: float,
    series_width: float,
    series: FloatArray,
    busy_lo: float,
    busy_width: float,
    busy: FloatArray,
    start_out: FloatArray,
    end_out: FloatArray,
    admitted_out: BoolArray,
    record: bool,
    latency_hist: IntArray,
    sojourn_hist: IntArray,
    wait_hist: IntArray,
    stats: FloatArray,
) -> None:
    """One block of the recursion; ``free`` (sorted), ``heap`` and ``heap_size[0]`` carry
    the state to the next block. With ``record``: per-request statistics for ``measured``
    requests, time integrals over the window and the in-system series for every admitted
    one (``series`` has 4 rows of slots; width ≤ 0 switches it off) and, alike, the busy
    servers per bin of ``busy`` (service start → end)."""
    servers = free.shape[0]
    bounded = limit != NO_LIMIT
    size = heap_size[0]
    slots = series.shape[1]
    with_series = series_width > 0.0
    busy_slots = busy.shape[1]
    with_busy = busy_width > 0.0
    for n in range(arrival.shape[0]):
        a = arrival[n]
        if bounded:
            while size > 0 and heap[0] <= a:
                size = _heap_pop(heap, size)
            if size >= limit:
                start_out[n] = math.nan
                end_out[n] = math.nan
                admitted_out[n] = False
                if record and measured[n]:
                    stats[ARRIVED] += 1.0
                    stats[REJECTED] += 1.0
                continue
        earliest = free[0]
        start = a if a > earliest else earliest
        end = start + service[n]
        # The server free earliest is free again at `end`: keep `free` sorted.
        j = 0
        while j + 1 < servers and free[j + 1] < end:
            free[j] = free[j + 1]
            j += 1
        free[j] = end
        if bounded:
            size = _heap_push(heap, size, end)
        start_out[n] = start
        end_out[n] = end
        admitted_out[n] = True
        if not record:
            continue
        if end > stats[LAST_END]:
            stats[LAST_END] = end
        stats[QUEUE_AREA] += _overlap(a, start, window_lo, window_hi)
        stats[BUSY_AREA] += _overlap(start, end, window_lo, window_hi)
        if window_lo <= end < window_hi:
            stats[ENDS_IN_WINDOW] += 1.0
        if with_series:
            k = _slot(a, series_lo, series_width, slots)
            series[STARTS_COUNT, k] += 1.0
            series[STARTS_SUM, k] += a
            k = _slot(end, series_lo, series_width, slots)
            series[ENDS_COUNT, k] += 1.0
            series[ENDS_SUM, k] += end
        if with_busy:
            k = _slot(start, busy_lo, busy_width, busy_slots)
            busy[STARTS_COUNT, k] += 1.0
            busy[STARTS_SUM, k] += start
            k = _slot(end, busy_lo, busy_width, busy_slots)
            busy[ENDS_COUNT, k] += 1.0
            busy[ENDS_SUM, k] += end
        if measured[n]:
            wait = start - a
            sojourn = end - a
            latency = sojourn + extra[n]
            if latency > timeout:
                latency = timeout
                stats[FAILED] += 1.0
            elif latency < sla or (latency == sla and not sla_strict):
                stats[WITHIN_SLA] += 1.0
            stats[ARRIVED] += 1.0
            stats[ADMITTED] += 1.0
            stats[WAIT_SUM] += wait
            stats[SOJOURN_SUM] += sojourn
            stats[LATENCY_SUM] += latency
            stats[SERVICE_SUM] += service[n]
            add(latency_hist, latency)
            add(sojourn_hist, sojourn)
            add(wait_hist, wait)
    heap_size[0] = size


def _accumulator(edges: FloatArray | None) -> tuple[FloatArray, float, float]:
    """Slots for :func:`series_means` over equal-width ``edges`` (a dummy when None)."""
    if edges is None or len(edges) < 2:
        return np.zeros((4, 2)), 0.0, 0.0
    return np.zeros((4, len(edges) + 1)), float(edges[0]), float(edges[1] - edges[0])


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


def _limit(queue_limit: int | None) -> int:
    if queue_limit is None:
        return int(NO_LIMIT)
    if queue_limit < 0:
        raise ValueError(f"queue_limit must be >= 0, not {queue_limit}")
    return int(queue_limit)


def _check(arrival: FloatArray, service: FloatArray, servers: int) -> None:
    if servers < 1:
        raise ValueError(f"servers must be >= 1, not {servers}")
    if arrival.shape != service.shape or arrival.ndim != 1:
        raise ValueError("arrival_s and service_s must be 1-D arrays of the same length")
    if len(arrival) > 1 and not bool(np.all(np.diff(arrival) >= 0)):
        raise ValueError("arrival_s must be sorted (non-decreasing)")


def fcfs_waits(
    arrival_s: FloatArray,
    service_s: FloatArray,
    servers: int,
    queue_limit: int | None = None,
    timeout_s: float | None = None,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``(start_s, end_s, admitted)`` of FCFS c-server requests arriving at sorted times.

    Rejected requests (``queue_limit``) have NaN start and end. ``timeout_s`` does not
    change the queue (the server serves a timed-out request to the end); it is accepted
    for symmetry with the node model, and the caller caps the reported latency.
    """
    del timeout_s  # the servers do not know the client gave up
    arrival = np.ascontiguousarray(arrival_s, dtype=np.float64)
    service = np.ascontiguousarray(service_s, dtype=np.float64)
    _check(arrival, service, servers)
    limit = _limit(queue_limit)
    n = len(arrival)
    start = np.empty(n)
    end = np.empty(n)
    admitted = np.empty(n, dtype=np.bool_)
    heap = np.empty(max(1, min(limit, n)))
    unused = np.zeros(1, dtype=np.int64)
    _kernel(
        arrival,
        service,
        arrival,  # extra latency: unused without recording
        np.zeros(n, dtype=np.bool_),
        np.full(servers, -np.inf),
        heap,
        np.zeros(1, dtype=np.int64),
        limit,
        math.inf,
        math.inf,
        False,
        math.inf,
        math.inf,
        0.0,
        0.0,
        np.zeros((4, 2)),
        0.0,
        0.0,
        np.zeros((4, 2)),
        start,
        end,
        admitted,
        False,
        unused,
        unused,
        unused,
        np.zeros(STATS_SIZE),
    )
    return start, end, admitted


@dataclass
class FcfsStream:
    """Streaming FCFS c-server queue: feed sorted arrival blocks, keep bounded statistics.

    The carried state is the servers' sorted next-free times ``free`` and the min-heap of
    the ends of admitted requests still in the node (``heap[:heap_size[0]]``, only with a
    ``queue_limit``). Each :meth:`feed` returns the block's ``(start_s, end_s, admitted)``
    (block-sized arrays; drop them to keep memory bounded) and updates, for the requests
    its ``measured`` mask selects (default: node arrival at or after ``record_from_s``):
    :attr:`stats` (counts and sums, positions :data:`ARRIVED` … :data:`SERVICE_SUM`),
    :attr:`latency` (histogram of ``min(end − arrival + extra, timeout)``), :attr:`sojourn`
    and :attr:`wait`; for every admitted request the time integrals over
    ``[window_lo_s, window_hi_s)`` (:data:`QUEUE_AREA`, :data:`BUSY_AREA`,
    :data:`ENDS_IN_WINDOW`) and, when ``series_edges`` is given, the in-node count per bin
    (:meth:`in_system`). ``extra`` is the latency outside the node queue (top-level +
    enterprise-node hops).
    """

    servers: int
    queue_limit: int | None = None
    timeout_s: float | None = None
    sla_s: float | None = None
    record_from_s: float = 0.0
    sla_strict: bool = False
    window_lo_s: float | None = None
    window_hi_s: float = math.inf
    series_edges: FloatArray | None = None
    busy_edges: FloatArray | None = None
    free: FloatArray = field(init=False)
    heap: FloatArray = field(init=False)
    heap_size: IntArray = field(init=False)
    stats: FloatArray = field(init=False)
    latency: IntArray = field(init=False)
    sojourn: IntArray = field(init=False)
    wait: IntArray = field(init=False)
    series: FloatArray = field(init=False)
    busy: FloatArray = field(init=False)
    _last_arrival: float = field(init=False, default=-math.inf)

    def __post_init__(self) -> None:
        if self.servers < 1:
            raise ValueError(f"servers must be >= 1, not {self.servers}")
        self._limit = _limit(self.queue_limit)
        self.free = np.full(self.servers, -np.inf)
        self.heap = np.empty(1 if self.queue_limit is None else max(1, self.queue_limit))
        self.heap_size = np.zeros(1, dtype=np.int64)
        self.stats = np.zeros(STATS_SIZE)
        self.latency = histogram.empty()
        self.sojourn = histogram.empty()
        self.wait = histogram.empty()
        if self.window_lo_s is None:
            self.window_lo_s = self.record_from_s
        self.series, self._series_lo, self._series_width = _accumulator(self.series_edges)
        self.busy, self._busy_lo, self._busy_width = _accumulator(self.busy_edges)

    def feed(
        self,
        arrival_s: FloatArray,
        service_s: FloatArray,
        extra_s: FloatArray | None = None,
        measured: BoolArray | None = None,
    ) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Process the next block (arrivals sorted and not before the previous block's)."""
        arrival = np.ascontiguousarray(arrival_s, dtype=np.float64)
        service = np.ascontiguousarray(service_s, dtype=np.float64)
        _check(arrival, service, self.servers)
        if len(arrival) == 0:
            return np.empty(0), np.empty(0), np.empty(0, dtype=np.bool_)
        if arrival[0] < self._last_arrival:
            raise ValueError("a block's arrivals must not precede the previous block's")
        self._last_arrival = float(arrival[-1])
        n = len(arrival)
        extra = np.zeros(n) if extra_s is None else np.ascontiguousarray(extra_s, np.float64)
        mask = (
            arrival >= self.record_from_s
            if measured is None
            else np.ascontiguousarray(measured, dtype=np.bool_)
        )
        if extra.shape != arrival.shape or mask.shape != arrival.shape:
            raise ValueError("extra_s and measured must have the length of arrival_s")
        start = np.empty(n)
        end = np.empty(n)
        admitted = np.empty(n, dtype=np.bool_)
        _kernel(
            arrival,
            service,
            extra,
            mask,
            self.free,
            self.heap,
            self.heap_size,
            self._limit,
            math.inf if self.timeout_s is None else float(self.timeout_s),
            math.inf if self.sla_s is None else float(self.sla_s),
            self.sla_strict,
            float(self.window_lo_s if self.window_lo_s is not None else self.record_from_s),
            float(self.window_hi_s),
            self._series_lo,
            self._series_width,
            self.series,
            self._busy_lo,
            self._busy_width,
            self.busy,
            start,
            end,
            admitted,
            True,
            self.latency,
            self.sojourn,
            self.wait,
            self.stats,
        )
        return start, end, admitted

    def in_system(self) -> FloatArray:
        """Time-average number in the node per bin of ``series_edges``."""
        if self.series_edges is None:
            raise ValueError("no series_edges were given")
        return series_means(self.series, np.asarray(self.series_edges, dtype=np.float64))

    def busy_servers(self) -> FloatArray:
        """Time-average number of busy servers per bin of ``busy_edges``."""
        if self.busy_edges is None:
            raise ValueError("no busy_edges were given")
        return series_means(self.busy, np.asarray(self.busy_edges, dtype=np.float64))

    def summary(self) -> dict[str, float]:
        """Counts, means and latency quantiles of the recorded requests so far."""
        stats = self.stats
        admitted = stats[ADMITTED]
        per = admitted if admitted > 0 else math.nan
        return {
            "arrived": float(stats[ARRIVED]),
            "admitted": float(admitted),
            "rejected": float(stats[REJECTED]),
            "failed": float(stats[FAILED]),
            "within_sla": float(stats[WITHIN_SLA]),
            "wait_mean_s": float(stats[WAIT_SUM] / per),
            "sojourn_mean_s": float(stats[SOJOURN_SUM] / per),
            "latency_mean_s": float(stats[LATENCY_SUM] / per),
            "busy_s": float(stats[SERVICE_SUM]),
            "latency_p50_s": histogram.quantile(self.latency, 0.5),
            "latency_p99_s": histogram.quantile(self.latency, 0.99),
        }

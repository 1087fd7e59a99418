"""The node's FCFS c-server queue, compiled: the Kiefer–Wolfowitz workload recursion.

For requests reaching the node at sorted times ``a_n`` with service times ``s_n``, FCFS
with ``c`` identical servers is exactly the recursion over the servers' next-free times
``f`` (kept sorted): ``start_n = max(a_n, f_min)``, ``end_n = start_n + s_n``, and the
server that was free earliest becomes free at ``end_n`` (Lindley's recursion for c = 1).
This gives the same ``start_s``/``end_s``/``admitted`` columns as the event engine
(:class:`simdata.model.resolution.event.ResolutionNode`) for the same draws, under the
node's rules (:mod:`simdata.model.resolution.rules`, called compiled):

* the queue limit K (:func:`~.rules.admits`): the number in the node at an arrival is
  the number of admitted requests with ``end > arrival`` (a min-heap of their ends, at
  most K entries); a rejected arrival gets NaN start and end and takes no server time;
* the timeout and the SLA (:func:`~.rules.judge`): the server does not know the client
  gave up, so the recursion ignores the timeout; only the recorded latency is capped.

Arrivals must be sorted by time (:class:`~.rules.ReorderBuffer`). :func:`fcfs_waits`
materialises the columns; :class:`FcfsStream` takes arrivals in blocks with carried state
and keeps only counts, sums and fixed-size latency and sojourn histograms
(:mod:`simdata.engine.histogram`), updated inside the compiled loop. The kernel takes its
inputs as named groups (numba-typed named tuples): the block's requests, the settings, the
carried queue state, the output columns and the running tally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.engine import histogram
from simdata.engine.batched import (
    Accumulator,
    count_interval,
    heap_pop,
    heap_push,
    overlap,
    series_means,
)
from simdata.engine.histogram import add, jit
from simdata.model.resolution.rules import NO_LIMIT, REJECTED, NodeRules, admits_compiled, judge

#: Positions in the tally's statistics array (float64). ``stats[outcome]`` counts the
#: *measured* requests (the caller's mask: e.g. client arrival in the window, not a write)
#: of each :class:`~.rules.Outcome` (0 … 3); then sums over measured admitted requests:
WAIT_SUM = 4
SOJOURN_SUM = 5  # node arrival → end
LATENCY_SUM = 6  # sojourn + extra, capped at the timeout
#: Time integrals over the window [window_lo, window_hi), every admitted request:
QUEUE_AREA = 7  # ∫ number waiting dt
BUSY_AREA = 8  # ∫ number in service dt
ENDS_IN_WINDOW = 9  # completions inside the window
STATS_SIZE = 10


class Requests(NamedTuple):
    """One block of requests in node-arrival order (``extra``: latency outside the node)."""

    arrival: FloatArray
    service: FloatArray
    extra: FloatArray
    measured: BoolArray


class Settings(NamedTuple):
    """What stays fixed over a stream: the node's rules and the measured window."""

    rules: NodeRules
    window_lo_s: float
    window_hi_s: float
    #: Update the tally (off: only the columns, as :func:`fcfs_waits` needs).
    record: bool


class QueueState(NamedTuple):
    """Carried from block to block: the servers' sorted next-free times, and the min-heap
    of the ends of admitted requests still in the node (``heap[:size[0]]``, with a limit)."""

    free: FloatArray
    heap: FloatArray
    size: IntArray


class Served(NamedTuple):
    """The block's output columns."""

    start: FloatArray
    end: FloatArray
    admitted: BoolArray


class Tally(NamedTuple):
    """Running statistics: :data:`WAIT_SUM` … positions, histograms, in-node and busy-server
    series accumulators."""

    stats: FloatArray
    latency: IntArray
    sojourn: IntArray
    in_node: Accumulator
    busy: Accumulator


@jit
def _kernel(
    requests: Requests, settings: Settings, state: QueueState, served: Served, tally: Tally
) -> None:
    """One block of the recursion (see the module docstring)."""
    free, heap, stats = state.free, state.heap, tally.stats
    servers = free.shape[0]
    rules = settings.rules
    bounded = rules.limit != NO_LIMIT
    window_lo, window_hi = settings.window_lo_s, settings.window_hi_s
    size = state.size[0]
    for n in range(requests.arrival.shape[0]):
        a = requests.arrival[n]
        if bounded:
            while size > 0 and heap[0] <= a:
                size = heap_pop(heap, size)
            if not admits_compiled(size, rules.limit):
                served.start[n] = math.nan
                served.end[n] = math.nan
                served.admitted[n] = False
                if settings.record and requests.measured[n]:
                    stats[REJECTED] += 1.0
                continue
        earliest = free[0]
        start = a if a > earliest else earliest
        end = start + requests.service[n]
        # The server free earliest is free again at `end`: keep `free` sorted.
        j = 0
        while j + 1 < servers and free[j + 1] < end:
            free[j] = free[j + 1]
            j += 1
        free[j] = end
        if bounded:
            size = heap_push(heap, size, end)
        served.start[n] = start
        served.end[n] = end
        served.admitted[n] = True
        if not settings.record:
            continue
        stats[QUEUE_AREA] += overlap(a, start, window_lo, window_hi)
        stats[BUSY_AREA] += overlap(start, end, window_lo, window_hi)
        if window_lo <= end < window_hi:
            stats[ENDS_IN_WINDOW] += 1.0
        count_interval(tally.in_node, a, end)
        count_interval(tally.busy, start, end)
        if requests.measured[n]:
            wait = start - a
            sojourn = end - a
            latency, outcome = judge(sojourn + requests.extra[n], rules)
            stats[outcome] += 1.0
            stats[WAIT_SUM] += wait
            stats[SOJOURN_SUM] += sojourn
            stats[LATENCY_SUM] += latency
            add(tally.latency, latency)
            add(tally.sojourn, sojourn)
    state.size[0] = size


def _check(arrival: FloatArray, service: FloatArray, servers: int) -> None:
    if servers < 1:
        raise ValueError(f"servers must be >= 1, not {servers}")
    if arrival.shape != service.shape or arrival.ndim != 1:
        raise ValueError("arrival_s and service_s must be 1-D arrays of the same length")
    if len(arrival) > 1 and not bool(np.all(np.diff(arrival) >= 0)):
        raise ValueError("arrival_s must be sorted (non-decreasing)")


def _rules(servers: int, queue_limit: int | None) -> NodeRules:
    if queue_limit is not None and queue_limit < 0:
        raise ValueError(f"queue_limit must be >= 0, not {queue_limit}")
    limit = NO_LIMIT if queue_limit is None else int(queue_limit)
    return NodeRules(servers, limit, math.inf, math.inf, False)


def _state(servers: int, limit: int, requests: int) -> QueueState:
    heap = np.empty(max(1, min(limit, requests)))
    return QueueState(np.full(servers, -np.inf), heap, np.zeros(1, dtype=np.int64))


def fcfs_waits(
    arrival_s: FloatArray, service_s: FloatArray, servers: int, queue_limit: int | None = None
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``(start_s, end_s, admitted)`` of FCFS c-server requests arriving at sorted times.

    Rejected requests (``queue_limit``) have NaN start and end. A client timeout would not
    change them: the servers serve a timed-out request to the end.
    """
    arrival = np.ascontiguousarray(arrival_s, dtype=np.float64)
    service = np.ascontiguousarray(service_s, dtype=np.float64)
    _check(arrival, service, servers)
    rules = _rules(servers, queue_limit)
    n = len(arrival)
    served = Served(np.empty(n), np.empty(n), np.empty(n, dtype=np.bool_))
    unused = np.zeros(1, dtype=np.int64)
    off = Accumulator.over(None)
    _kernel(
        Requests(arrival, service, arrival, np.zeros(n, dtype=np.bool_)),
        Settings(rules, math.inf, math.inf, False),
        _state(servers, rules.limit, n),
        served,
        Tally(np.zeros(STATS_SIZE), unused, unused, off, off),
    )
    return served.start, served.end, served.admitted


@dataclass
class FcfsStream:
    """Streaming FCFS c-server queue under ``rules``: feed sorted blocks, keep bounded stats.

    Each :meth:`feed` returns the block's ``(start_s, end_s, admitted)`` (block-sized
    arrays; drop them to keep memory bounded) and updates, for the requests its
    ``measured`` mask selects (default: node arrival at or after ``window_lo_s``):
    :attr:`stats` (outcome counts and sums, positions ``Outcome`` … :data:`LATENCY_SUM`),
    :attr:`latency` (histogram of ``min(end − arrival + extra, timeout)``) and
    :attr:`sojourn`; for every admitted request the time integrals over
    ``[window_lo_s, window_hi_s)`` (:data:`QUEUE_AREA`, :data:`BUSY_AREA`,
    :data:`ENDS_IN_WINDOW`) and, when ``series_edges``/``busy_edges`` are given, the
    in-node count and busy servers per bin (:meth:`in_system`, :meth:`busy_servers`).
    ``extra`` is the latency outside the node queue (top-level + enterprise-node hops).
    """

    rules: NodeRules
    window_lo_s: float = 0.0
    window_hi_s: float = math.inf
    series_edges: FloatArray | None = None
    busy_edges: FloatArray | None = None
    stats: FloatArray = field(init=False)
    latency: IntArray = field(init=False)
    sojourn: IntArray = field(init=False)
    _state: QueueState = field(init=False)
    _tally: Tally = field(init=False)
    _last_arrival: float = field(init=False, default=-math.inf)

    def __post_init__(self) -> None:
        rules = self.rules
        if rules.servers < 1:
            raise ValueError(f"servers must be >= 1, not {rules.servers}")
        if rules.limit < 0:
            raise ValueError(f"queue_limit must be >= 0, not {rules.limit}")
        # The heap holds at most `limit` ends (one unused slot without a limit).
        self._state = _state(
            rules.servers, rules.limit, 1 if rules.limit == NO_LIMIT else rules.limit
        )
        self.stats = np.zeros(STATS_SIZE)
        self.latency = histogram.empty()
        self.sojourn = histogram.empty()
        self._tally = Tally(
            self.stats, self.latency, self.sojourn,
            Accumulator.over(self.series_edges), Accumulator.over(self.busy_edges),
        )  # fmt: skip
        self._settings = Settings(rules, float(self.window_lo_s), float(self.window_hi_s), True)

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
        _check(arrival, service, self.rules.servers)
        n = len(arrival)
        if n == 0:
            return np.empty(0), np.empty(0), np.empty(0, dtype=np.bool_)
        if arrival[0] < self._last_arrival:
            raise ValueError("a block's arrivals must not precede the previous block's")
        self._last_arrival = float(arrival[-1])
        extra = np.zeros(n) if extra_s is None else np.ascontiguousarray(extra_s, np.float64)
        mask = (
            arrival >= self.window_lo_s
            if measured is None
            else np.ascontiguousarray(measured, dtype=np.bool_)
        )
        if extra.shape != arrival.shape or mask.shape != arrival.shape:
            raise ValueError("extra_s and measured must have the length of arrival_s")
        served = Served(np.empty(n), np.empty(n), np.empty(n, dtype=np.bool_))
        requests = Requests(arrival, service, extra, mask)
        _kernel(requests, self._settings, self._state, served, self._tally)
        return served.start, served.end, served.admitted

    def count(self, *outcomes: int) -> float:
        """Measured requests with any of ``outcomes`` so far."""
        return float(sum(self.stats[outcome] for outcome in outcomes))

    def in_system(self) -> FloatArray:
        """Time-average number in the node per bin of ``series_edges``."""
        if self.series_edges is None:
            raise ValueError("no series_edges were given")
        edges = np.asarray(self.series_edges, dtype=np.float64)
        return series_means(self._tally.in_node.sums, edges)

    def busy_servers(self) -> FloatArray:
        """Time-average number of busy servers per bin of ``busy_edges``."""
        if self.busy_edges is None:
            raise ValueError("no busy_edges were given")
        return series_means(self._tally.busy.sums, np.asarray(self.busy_edges, np.float64))

"""The identifier-resolution path and its secondary node's FCFS multi-server queue (event engine).

A resolution request is issued by a client (a Poisson process, homogeneous or with an
hourly/day-type profile) and takes the path of DOMAIN.md §5:

1. the caching recursive node (``resolution.cache``): a hit, with probability
   ``hit_ratio``, is answered after ``hit_time`` and goes no further;
2. a miss asks the national top-level node (``resolution.top_level``, a latency);
3. then waits in one FCFS line for any of ``servers`` servers of the secondary node and is
   served for ``resolution.service_time`` (with ``queue_limit`` K, an arrival that finds K
   requests in the node is rejected);
4. then the enterprise node answers (``resolution.enterprise_node``, a latency).

End-to-end latency is arrival → answer; with ``resolution.timeout`` a request whose latency
would exceed it is answered as *failed* at the timeout, while the server still spends its
service on it (it does not know the client gave up).

Why it looks the way it does:

* **The queue is the only state.** Cache, top-level and enterprise-node hops are pure
  delays, so only the node's queue is simulated event by event; everything else is a
  vector computation on the request columns (at draw time or in :meth:`finish`).
* **Two SimPy events per request that reaches the node.** Its arrival at the node and its
  completion are plain timeouts with callbacks; there is no process and no ``Resource``
  per request. Waiting requests are indices in a deque. Node arrivals are scheduled in the
  order of their node arrival time (client arrival + top-level latency), merged per block
  — exact, because a request not yet drawn reaches the node after the last one drawn.
* **Draws in vector blocks, at arrival.** Arrival gaps, service times, cache hit/miss
  uniforms, hit times and hop latencies come from the component's own streams (purposes
  ``arrivals``, ``service``, ``cache``, ``cache_hit_time``, ``top_level``,
  ``enterprise_node``) in blocks of :data:`BLOCK`; draw ``i`` of each belongs to request
  ``i`` whether or not it is used, so variants that differ in servers, queue limit, cache
  hit ratio or timeout see identical arrivals and service times (common random numbers).
* **Exact non-homogeneous arrivals.** Unit-rate Poisson points are mapped through the
  inverse of the integrated, piecewise-constant (hourly) rate, a vector operation per
  block; a flat profile uses the plain exponential gaps.
* **Columnar records.** Per-request times go into numpy columns by request index; KPIs are
  polars expressions over them. ``start_s``/``end_s`` are the server's times.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import simpy

from simdata.engine.recorder import ColumnTable, Recorder, interval_bin_means
from simdata.engine.streams import Streams
from simdata.scenario.resolution_spec import HOURS_PER_DAY, ResolutionSpec, TrafficSpec

COMPONENT = "resolution"
#: Requests drawn per vector block.
BLOCK = 8192
#: Bins of the in-system time series (used for the MSER-5 warm-up check).
SERIES_BINS = 500

HOUR_S = 3_600.0
DAY_S = 86_400.0
WEEK_S = 7 * DAY_S
HOURS_PER_WEEK = 7 * HOURS_PER_DAY

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

REQUEST_SCHEMA: dict[str, type[np.generic]] = {
    # The client issues the request (it reaches the recursive node / the path's start).
    "arrival_s": np.float64,
    "service_s": np.float64,
    # The request reaches the secondary node (after the top-level lookup); NaN for hits.
    "node_arrival_s": np.float64,
    "start_s": np.float64,
    "end_s": np.float64,
    "admitted": np.bool_,
    "cache_hit": np.bool_,
    "enterprise_s": np.float64,
    # End-to-end latency, the timeout for failed requests; NaN for rejected ones.
    "latency_s": np.float64,
    "failed": np.bool_,
    # Answered (not failed, not rejected) within the SLA threshold (any time without one).
    "within_sla": np.bool_,
    # A registration write (straight to the servers), not a resolution.
    "write": np.bool_,
}


class ArrivalProcess:
    """Client arrival times of a (non-)homogeneous Poisson process, drawn in blocks.

    The rate at elapsed time t is ``rate × w[hour(t)]/mean(w) × factor(weekday(t))``,
    piecewise constant per hour and periodic per week. Arrivals are unit-rate Poisson
    points (cumulated Exp(1) gaps) mapped through the inverse integrated rate.
    """

    def __init__(self, traffic: TrafficSpec, start_weekday: int, start_s: float) -> None:
        self.rate = traffic.rate
        self.homogeneous = traffic.homogeneous
        hours = np.asarray(traffic.hour_multipliers(), dtype=np.float64)
        factors = [traffic.weekday_factor] * 5 + [traffic.weekend_factor] * 2
        #: Rate per hour of the week, Monday 00–01 first.
        self.hourly_rates = self.rate * np.concatenate([hours * f for f in factors])
        self._cumulative = np.concatenate([[0.0], np.cumsum(self.hourly_rates * HOUR_S)])
        self._week_mass = float(self._cumulative[-1])
        #: Seconds from the Monday 00:00 before time 0 to time 0.
        self._offset_s = (start_weekday % 7) * DAY_S
        self._last_s = start_s
        self._mass = 0.0 if self.homogeneous else float(self.integrated(np.array([start_s]))[0])

    def integrated(self, t: FloatArray) -> FloatArray:
        """Λ(t): expected arrivals from the Monday before time 0 to each elapsed time t."""
        s = np.asarray(t, dtype=np.float64) + self._offset_s
        weeks = np.floor(s / WEEK_S)
        rest = s - weeks * WEEK_S
        hour = np.clip((rest // HOUR_S).astype(np.int64), 0, HOURS_PER_WEEK - 1)
        within = rest - hour * HOUR_S
        mass = weeks * self._week_mass + self._cumulative[hour]
        return np.asarray(mass + self.hourly_rates[hour] * within, dtype=np.float64)

    def expected_count(self, start_s: float, end_s: float) -> float:
        """Expected arrivals in [start_s, end_s)."""
        if self.homogeneous:
            return self.rate * (end_s - start_s)
        ends = self.integrated(np.array([start_s, end_s]))
        return float(ends[1] - ends[0])

    def _invert(self, mass: FloatArray) -> FloatArray:
        weeks = np.floor(mass / self._week_mass)
        rest = mass - weeks * self._week_mass
        hour = np.searchsorted(self._cumulative, rest, side="right") - 1
        hour = np.clip(hour, 0, HOURS_PER_WEEK - 1)
        rates = self.hourly_rates[hour]
        safe = np.where(rates > 0, rates, 1.0)
        within = np.where(rates > 0, (rest - self._cumulative[hour]) / safe, 0.0)
        s = weeks * WEEK_S + hour * HOUR_S + np.clip(within, 0.0, HOUR_S)
        return np.asarray(s - self._offset_s, dtype=np.float64)

    def next_block(self, rng: np.random.Generator, size: int) -> FloatArray:
        """The next ``size`` arrival times (increasing, after the previous block's)."""
        if self.homogeneous:
            gaps = rng.exponential(1.0 / self.rate, size)
            arrivals = self._last_s + np.cumsum(gaps)
        else:
            masses = self._mass + np.cumsum(rng.exponential(1.0, size))
            self._mass = float(masses[-1])
            # Rounding at hour edges must never move an arrival before its predecessor.
            arrivals = np.maximum.accumulate(np.maximum(self._invert(masses), self._last_s))
        self._last_s = float(arrivals[-1])
        return np.asarray(arrivals, dtype=np.float64)


class ResolutionNode:
    """The resolution path: recursive cache, top-level lookup, the secondary node's servers
    and waiting line (driven by SimPy timeouts), the enterprise node, a client timeout.

    ``start_weekday`` is the weekday of elapsed time 0 (Monday = 0; the weekday of
    ``run.start_date`` for dated runs), used by the traffic's weekend factor.
    """

    def __init__(
        self,
        env: simpy.Environment,
        spec: ResolutionSpec,
        streams: Streams,
        recorder: Recorder,
        start_s: float,
        horizon_s: float,
        start_weekday: int = 0,
        write_share: float = 0.0,
        given: tuple[FloatArray, np.ndarray[Any, np.dtype[np.bool_]]] | None = None,
    ) -> None:
        self.env = env
        self.spec = spec
        #: Share of the arrival stream that is registration writes (a thinned Poisson
        #: stream is Poisson, so resolutions and writes stay independent Poisson streams).
        self.write_share = write_share
        self._write_rng = streams.generator(COMPONENT, "write")
        self._write_time_rng = streams.generator(COMPONENT, "write_time")
        #: Arrival times and write flags decided outside (enterprise traffic, sorted);
        #: otherwise the traffic section's arrival process draws them.
        self._given = given
        self._given_next = 0
        self.start_s = start_s
        self.horizon_s = horizon_s
        self.servers = spec.servers
        self.limit = spec.queue_limit if spec.queue_limit is not None else np.iinfo(np.int64).max
        self.arrivals = ArrivalProcess(spec.traffic, start_weekday, start_s)
        self._arrival_rng = streams.generator(COMPONENT, "arrivals")
        self._service_rng = streams.generator(COMPONENT, "service")
        self._cache_rng = streams.generator(COMPONENT, "cache")
        self._hit_time_rng = streams.generator(COMPONENT, "cache_hit_time")
        self._top_rng = streams.generator(COMPONENT, "top_level")
        self._enterprise_rng = streams.generator(COMPONENT, "enterprise_node")
        expected = int(self.arrivals.expected_count(start_s, horizon_s) * 1.05) + 64
        self.requests: ColumnTable = recorder.table("requests", REQUEST_SCHEMA, expected)
        self._recorder = recorder
        self._busy = 0
        self._waiting: deque[int] = deque()
        self._exhausted = False  # the client arrivals reached the horizon
        # Misses drawn but not yet safe to schedule, in node-arrival order.
        self._pending = np.zeros(0, dtype=np.int64)
        # Node arrivals ready to schedule (request index, time), and the next position.
        self._due_index: list[int] = []
        self._due_when: list[float] = []
        self._due_count = 0
        self._next = 0
        self._finished = False
        self._bind_columns()

    def _bind_columns(self) -> None:
        columns = self.requests.columns
        self._service_s = columns["service_s"]
        self._start_s = columns["start_s"]
        self._end_s = columns["end_s"]
        self._admitted = columns["admitted"]

    def start(self) -> None:
        """Schedule the first arrival at the node."""
        self._schedule_next()

    # --- drawing ------------------------------------------------------------------------

    def _draw_block(self) -> None:
        """Append the next block of requests with all their draws, and merge its misses
        into the node-arrival order."""
        spec = self.spec
        first = self.requests.reserve(BLOCK)
        given_write = None
        if self._given is None:
            arrivals = self.arrivals.next_block(self._arrival_rng, BLOCK)
        else:
            times, writes = self._given
            here = slice(self._given_next, self._given_next + BLOCK)
            self._given_next += BLOCK
            arrivals = np.full(BLOCK, np.inf)
            given_write = np.zeros(BLOCK, dtype=np.bool_)
            arrivals[: len(times[here])] = times[here]
            given_write[: len(writes[here])] = writes[here]
        service = spec.service_time.sample(self._service_rng, BLOCK)
        # Every stream gives draw i to request i, used or not (common random numbers).
        hit = np.zeros(BLOCK, dtype=np.bool_)
        latency = np.full(BLOCK, np.nan)
        if spec.cache is not None:
            hit = self._cache_rng.random(BLOCK) < spec.cache.hit_ratio
            hit_time = spec.cache.hit_time.sample(self._hit_time_rng, BLOCK)
            latency = np.where(hit, hit_time, np.nan)
        node_arrival = arrivals.copy()
        if spec.top_level is not None:
            node_arrival += spec.top_level.sample(self._top_rng, BLOCK)
        node_arrival[hit] = np.nan
        enterprise = (
            spec.enterprise_node.sample(self._enterprise_rng, BLOCK)
            if spec.enterprise_node is not None
            else np.zeros(BLOCK)
        )
        write = np.zeros(BLOCK, dtype=np.bool_)
        if self.write_share > 0 or given_write is not None:
            # Writes skip the cache and the hops and have their own server time.
            drawn = self._write_rng.random(BLOCK) < self.write_share
            write = drawn if given_write is None else given_write
            write_time = spec.registration_time.sample(self._write_time_rng, BLOCK)
            service = np.where(write, write_time, service)
            hit &= ~write
            latency[write] = np.nan
            node_arrival = np.where(write, arrivals, node_arrival)
            enterprise[write] = 0.0
        kept = BLOCK
        if arrivals[-1] >= self.horizon_s:
            kept = int(np.searchsorted(arrivals, self.horizon_s, side="left"))
            self.requests.size = first + kept  # drop the drawn requests past the horizon
            self._exhausted = True
        columns = self.requests.columns
        rows = slice(first, first + kept)
        columns["arrival_s"][rows] = arrivals[:kept]
        columns["service_s"][rows] = service[:kept]
        columns["node_arrival_s"][rows] = node_arrival[:kept]
        columns["cache_hit"][rows] = hit[:kept]
        columns["enterprise_s"][rows] = enterprise[:kept]
        columns["latency_s"][rows] = latency[:kept]
        columns["write"][rows] = write[:kept]
        self._bind_columns()
        self._merge(first + np.flatnonzero(~hit[:kept]), node_arrival, first, arrivals[-1])

    def _merge(self, misses: Any, node_arrival: FloatArray, first: int, last: float) -> None:
        """Order pending and new misses by node arrival (ties by index); those that reach
        the node no later than the last drawn client arrival are ready to schedule."""
        index = np.concatenate([self._pending, misses])
        when = np.concatenate(
            [self.requests.columns["node_arrival_s"][self._pending], node_arrival[misses - first]]
        )
        order = np.argsort(when, kind="stable")
        index, when = index[order], when[order]
        ready = len(index) if self._exhausted else int(np.searchsorted(when, last, side="right"))
        self._due_index = index[:ready].tolist()
        self._due_when = when[:ready].tolist()
        self._due_count = ready
        self._next = 0
        self._pending = index[ready:]

    # --- the node's queue (the one place its logic lives) -------------------------------

    def _schedule_next(self) -> None:
        position = self._next
        if position >= self._due_count:
            while position >= self._due_count:
                if self._exhausted:
                    return
                self._draw_block()
                position = 0
        self._next = position + 1
        env = self.env
        event = env.timeout(self._due_when[position] - env.now, self._due_index[position])
        event.callbacks.append(self._arrive)

    def _arrive(self, event: Any) -> None:
        index: int = event.value
        if self._busy + len(self._waiting) >= self.limit:
            self._schedule_next()
            return
        self._admitted[index] = True
        if self._busy < self.servers:
            self._busy += 1
            self._begin(index)
        else:
            self._waiting.append(index)
        self._schedule_next()

    def _begin(self, index: int) -> None:
        self._start_s[index] = self.env.now
        done = self.env.timeout(self._service_s[index], index)
        done.callbacks.append(self._complete)

    def _complete(self, event: Any) -> None:
        self._end_s[event.value] = self.env.now
        if self._waiting:
            self._begin(self._waiting.popleft())
        else:
            self._busy -= 1

    # --- after the run ------------------------------------------------------------------

    def finish(self) -> None:
        """Compute end-to-end latency, timeouts and SLA outcomes (vectorised; idempotent).

        Latency is the hit time for cache hits, else end − arrival + enterprise-node
        latency (= top-level + wait + service + enterprise node); NaN for rejected
        requests. Over the timeout it becomes the timeout and the request ``failed``.
        """
        if self._finished:
            return
        self._finished = True
        size = self.requests.size
        columns = self.requests.columns
        hit = columns["cache_hit"][:size]
        latency = np.where(
            hit,
            columns["latency_s"][:size],
            columns["end_s"][:size] - columns["arrival_s"][:size] + columns["enterprise_s"][:size],
        )
        failed = np.zeros(size, dtype=np.bool_)
        timeout = self.spec.timeout
        if timeout is not None:
            failed = latency > timeout  # NaN (rejected) compares False
            latency = np.where(failed, timeout, latency)
        columns["latency_s"][:size] = latency
        columns["failed"][:size] = failed
        # Without an SLA the threshold is infinite: the share answered at all. (NaN would
        # follow the brief of issue 5 but breaks dict equality of KPIs in
        # tests/engine/test_streams_and_determinism.py, which compares NaN with ==.)
        answered = ~np.isnan(latency) & ~failed
        sla = self.spec.sla_parsed
        if sla is not None:
            answered &= latency <= sla.threshold_s if sla.op == "<=" else latency < sla.threshold_s
        columns["within_sla"][:size] = answered

    def counts(self) -> dict[str, int]:
        """Every request drawn before the horizon, by fate: answered (not failed), failed
        (timed out), rejected (queue limit), in flight (admitted, never completed)."""
        self.finish()
        frame = self.requests.frame()
        hit = frame["cache_hit"].to_numpy()
        admitted = frame["admitted"].to_numpy()
        ended = ~np.isnan(frame["end_s"].to_numpy())
        failed = frame["failed"].to_numpy()
        answered = (hit | (admitted & ended)) & ~failed
        return {
            "arrived": frame.height,
            "answered": int(answered.sum()),
            "failed": int(failed.sum()),
            "rejected": int((~hit & ~admitted).sum()),
            "in_flight": int((~hit & admitted & ~ended).sum()),
        }

    def record_series(self) -> None:
        """Finish the records, then record the time-average number in the node per bin."""
        self.finish()
        frame = self.requests.frame().filter("admitted")
        edges = np.linspace(self.start_s, self.horizon_s, SERIES_BINS + 1)
        in_system = interval_bin_means(
            frame["node_arrival_s"].to_numpy(), frame["end_s"].to_numpy(), edges
        )
        self._recorder.add_series("resolution.in_system", "", edges[:-1], in_system)

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
* **Draws in vector blocks, at arrival**, from :class:`~simdata.model.resolution.draws.
  RequestSource` — the same requests, in the same order, as the batched engine
  (:mod:`simdata.model.resolution.batched`) sees; arrivals are exact non-homogeneous
  Poisson points (:mod:`simdata.model.resolution.arrivals`).
* **The node's rules are shared** (:mod:`simdata.model.resolution.rules`): node-arrival
  order, admission, the timeout and SLA judgement, as in the batched engine.
* **Columnar records.** Per-request times go into numpy columns by request index; KPIs are
  polars expressions over them. ``start_s``/``end_s`` are the server's times.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import polars as pl
import simpy

from simdata.arrays import BoolArray, FloatArray
from simdata.engine.recorder import ColumnTable, Recorder, interval_bin_means
from simdata.engine.streams import Streams
from simdata.model.frames import NODE_HOURS, NODE_REQUESTS
from simdata.model.resolution.draws import RequestSource, clock_hours, node_hours_frame
from simdata.model.resolution.rules import (
    TIMED_OUT,
    WITHIN_SLA,
    NodeRules,
    ReorderBuffer,
    admits,
    judge_many,
)
from simdata.scenario.resolution import ResolutionSpec
from simdata.scenario.units import SERIES_BINS

__all__ = ["REQUEST_SCHEMA", "ResolutionNode"]

#: The record columns of ``requests``, typed from the frame catalogue's declaration.
REQUEST_SCHEMA: dict[str, type[np.generic]] = {
    column.name: np.float64 if column.dtype == pl.Float64 else np.bool_
    for column in NODE_REQUESTS.columns
}


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
        given: tuple[FloatArray, BoolArray] | None = None,
    ) -> None:
        self.env = env
        self.spec = spec
        self.source = RequestSource(
            spec, streams, start_s, horizon_s, start_weekday, write_share, given
        )
        self.start_s = start_s
        self.horizon_s = horizon_s
        self.servers = spec.servers
        self.rules = NodeRules.of(spec)
        expected = int(self.source.expected_count(start_s, horizon_s) * 1.05) + 64
        self.requests: ColumnTable = recorder.table(NODE_REQUESTS, REQUEST_SCHEMA, expected)
        self._recorder = recorder
        self._busy = 0
        self._waiting: deque[int] = deque()
        self._exhausted = False  # the client arrivals reached the horizon
        # Misses drawn but not yet safe to schedule wait here (column: request index).
        self._order = ReorderBuffer()
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
        block = self.source.next_block()
        kept = block.kept
        first = self.requests.reserve(max(kept, 1))
        self.requests.size = first + kept
        self._exhausted = block.exhausted
        columns = self.requests.columns
        rows = slice(first, first + kept)
        columns["arrival_s"][rows] = block.arrival
        columns["service_s"][rows] = block.service
        columns["node_arrival_s"][rows] = block.node_arrival
        columns["cache_hit"][rows] = block.hit
        columns["enterprise_s"][rows] = block.enterprise
        columns["latency_s"][rows] = block.hit_latency
        columns["write"][rows] = block.write
        self._bind_columns()
        misses = np.flatnonzero(~block.hit)
        when, (index,) = self._order.release(
            block.node_arrival[misses], (first + misses,), block.last_arrival, block.exhausted
        )
        self._due_index = index.tolist()
        self._due_when = when.tolist()
        self._due_count = len(index)
        self._next = 0

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
        if not admits(self._busy + len(self._waiting), self.rules.limit):
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
        requests. The node's rules judge it (:func:`~.rules.judge`): over the timeout it
        becomes the timeout and the request ``failed`` (timed out); ``within_sla`` when
        answered within the SLA threshold (without an SLA: answered at all).
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
        latency, outcome = judge_many(latency, self.rules)
        columns["latency_s"][:size] = latency
        columns["failed"][:size] = outcome == TIMED_OUT
        columns["within_sla"][:size] = outcome == WITHIN_SLA

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

    def record_series(self, measure_start_s: float | None = None) -> None:
        """Finish the records, then record the time-average number in the node per bin
        and the utilisation of every whole clock hour of the measured window."""
        self.finish()
        frame = self.requests.frame().filter("admitted")
        hours = clock_hours(
            self.start_s if measure_start_s is None else measure_start_s, self.horizon_s
        )
        if len(hours) >= 2:
            busy = interval_bin_means(frame["start_s"].to_numpy(), frame["end_s"].to_numpy(), hours)
            self._recorder.put(NODE_HOURS, node_hours_frame(hours, busy, self.servers))
        edges = np.linspace(self.start_s, self.horizon_s, SERIES_BINS + 1)
        in_system = interval_bin_means(
            frame["node_arrival_s"].to_numpy(), frame["end_s"].to_numpy(), edges
        )
        self._recorder.add_series("resolution.in_system", "", edges[:-1], in_system)

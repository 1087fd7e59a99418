"""The identifier-resolution secondary node as an FCFS multi-server queue (event engine).

Requests arrive as a Poisson process, wait in one FCFS line for any of ``servers`` servers
and are served for a time drawn from ``resolution.service_time``. With ``queue_limit`` K,
an arrival that finds K requests in the node (waiting plus in service) is rejected.

Why it looks the way it does:

* **Two SimPy events per request.** An arrival and a completion are plain timeouts with
  callbacks; there is no process and no ``Resource`` per request (a per-request process
  costs three to four extra events). Waiting requests are indices in a deque.
* **Draws in vector blocks, at arrival.** Inter-arrival gaps and service times come from
  the component's own streams in blocks of :data:`BLOCK`, service time ``i`` belonging to
  request ``i`` whether or not it is admitted, so variants that differ only in servers or
  queue limit see identical arrival and service times (common random numbers).
* **Columnar records.** Arrival, start and end times go into numpy columns by request
  index; KPIs are polars expressions over them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import simpy

from simdata.engine.recorder import ColumnTable, Recorder, interval_bin_means
from simdata.engine.streams import Streams
from simdata.scenario.resolution_spec import ResolutionSpec

COMPONENT = "resolution"
#: Requests drawn per vector block.
BLOCK = 8192
#: Bins of the in-system time series (used for the MSER-5 warm-up check).
SERIES_BINS = 500

REQUEST_SCHEMA: dict[str, type[np.generic]] = {
    "arrival_s": np.float64,
    "service_s": np.float64,
    "start_s": np.float64,
    "end_s": np.float64,
    "admitted": np.bool_,
}


class ResolutionNode:
    """A secondary node's servers and waiting line, driven by SimPy timeouts."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: ResolutionSpec,
        streams: Streams,
        recorder: Recorder,
        start_s: float,
        horizon_s: float,
    ) -> None:
        self.env = env
        self.spec = spec
        self.start_s = start_s
        self.horizon_s = horizon_s
        self.servers = spec.servers
        self.limit = spec.queue_limit if spec.queue_limit is not None else np.iinfo(np.int64).max
        self._arrival_rng = streams.generator(COMPONENT, "arrivals")
        self._service_rng = streams.generator(COMPONENT, "service")
        expected = int(spec.traffic.rate * (horizon_s - start_s) * 1.05) + 64
        self.requests: ColumnTable = recorder.table("requests", REQUEST_SCHEMA, expected)
        self._recorder = recorder
        self._busy = 0
        self._waiting: deque[int] = deque()
        self._next_arrival = start_s

    def start(self) -> None:
        """Schedule the first arrival."""
        self._draw_block()
        self._schedule_next(self.requests.size - BLOCK)

    def _draw_block(self) -> None:
        """Append the next block of requests: arrival times and service times."""
        first = self.requests.reserve(BLOCK)
        gaps = self._arrival_rng.exponential(1.0 / self.spec.traffic.rate, BLOCK)
        arrivals = self._next_arrival + np.cumsum(gaps)
        self._next_arrival = float(arrivals[-1])
        columns = self.requests.columns
        columns["arrival_s"][first : first + BLOCK] = arrivals
        columns["service_s"][first : first + BLOCK] = self.spec.service_time.sample(
            self._service_rng, BLOCK
        )
        self._arrival_s = columns["arrival_s"]
        self._service_s = columns["service_s"]
        self._start_s = columns["start_s"]
        self._end_s = columns["end_s"]
        self._admitted = columns["admitted"]

    def _schedule_next(self, index: int) -> None:
        if index >= self.requests.size:
            self._draw_block()
        when = self._arrival_s[index]
        if when >= self.horizon_s:
            self.requests.size = index  # drop the drawn requests past the horizon
            return
        event = self.env.timeout(when - self.env.now, index)
        event.callbacks.append(self._arrive)

    def _arrive(self, event: Any) -> None:
        index: int = event.value
        if self._busy + len(self._waiting) >= self.limit:
            self._schedule_next(index + 1)
            return
        self._admitted[index] = True
        if self._busy < self.servers:
            self._busy += 1
            self._begin(index)
        else:
            self._waiting.append(index)
        self._schedule_next(index + 1)

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

    def record_series(self) -> None:
        """Record the time-average number in the node per bin of the simulated span."""
        frame = self.requests.frame().filter("admitted")
        edges = np.linspace(self.start_s, self.horizon_s, SERIES_BINS + 1)
        in_system = interval_bin_means(
            frame["arrival_s"].to_numpy(), frame["end_s"].to_numpy(), edges
        )
        self._recorder.add_series("resolution.in_system", "", edges[:-1], in_system)

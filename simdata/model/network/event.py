"""The network with the event engine: SimPy callbacks at every queue node.

Each queue node (a node with servers) is an FCFS c-server queue with a queue limit, driven
by SimPy events with callbacks — no process and no ``Resource`` per request: a node's
waiting line is a deque, its busy servers a count. The requests and every draw come from
the same :class:`~simdata.model.network.draws.NetworkSource` blocks as the batched engine
(:mod:`.batched`), so the two engines see identical draws and give the same per-request
times at every node (tests/network/test_engines_agree.py).

What makes the sample path exactly the batched engine's:

* **Exact event times.** SimPy puts an event at ``now + delay``; a node arrival at time
  ``t`` (the previous end plus the link latency, computed as the batched engine does) is
  scheduled with the delay for which ``now + delay == t`` in floating point
  (:func:`exact_delay`), and a completion at ``start + service``. Ties stay ties.
* **Completions first, then the layers in order, then request ids.** SimPy orders the
  events of one instant by priority: a node arrival has priority ``2 + layer·2^52 + id``
  (:data:`ARRIVAL_PRIORITY`; completions have SimPy's ``NORMAL`` = 1). So at an instant
  every departure and every upstream node is done before a node admits — as the
  Kiefer–Wolfowitz recursion frees a server ending at ``a`` for an arrival at ``a`` — and
  arrivals at one node at one instant are admitted by request id.
* **Feed-forward.** Routing was drawn at arrival, so a request's path is known; cache
  hits and requests whose path has no queue are computed as vectors when drawn. First
  queue arrivals are released in time order (:class:`~simdata.model.resolution.rules.
  ReorderBuffer`) and scheduled a chunk ahead by one ``URGENT`` feeder event.

Statistics: every visit is recorded when it ends and folded in chunks into the queue
statistics of :class:`~.event_tally.QueueRows`; end-to-end latencies into the shared
:class:`~simdata.model.network.tally.PathTally`. ``collect`` keeps every visit and
latency, like the batched engine's.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import deque
from typing import Any

import numpy as np
import simpy
from simpy.events import URGENT, Event

from simdata.arrays import BoolArray, FloatArray, IntArray
from simdata.model.network.batched import QUEUE_LAYERS, network_rules
from simdata.model.network.draws import NetworkBlock, NetworkSource
from simdata.model.network.event_tally import FOLD, QueueRows
from simdata.model.network.hits import tally_hits
from simdata.model.network.plan import RECURSIVE, SKIP
from simdata.model.network.tally import NodeFigures, PathTally, peak_utilisation
from simdata.model.resolution.draws import clock_hours
from simdata.model.resolution.rules import NO_LIMIT, ReorderBuffer, admits

#: A node arrival's priority: ``ARRIVAL_PRIORITY + layer·LAYER_SPAN + request id`` — after
#: completions (``NORMAL`` = 1), then by layer, then by request id.
ARRIVAL_PRIORITY = 2
LAYER_SPAN = 1 << 52
#: First-queue arrivals the feeder schedules ahead at once.
CHUNK = 4096
#: Visits to queue nodes: ``(id, node, arrival, start, end, admitted)``.
NodeVisits = tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, BoolArray]


def exact_delay(now: float, when: float) -> float | None:
    """The delay ``d`` with ``now + d == when`` in floating point (``when >= now``), or None
    when no float reaches ``when`` from ``now`` (with negative times — a dated run's warm-up
    — ``when − now`` can need finer steps than ``when`` has: :class:`_At` then relays)."""
    if when < now:
        raise ValueError(f"an event at {when!r} s is before now ({now!r} s)")
    delay = when - now
    for _ in range(8):
        reached = now + delay
        if reached == when:
            return delay
        delay = math.nextafter(delay, math.inf if reached < when else -math.inf)
    return None


def delay_below(now: float, when: float) -> float:
    """A delay from ``now`` to a time just before ``when`` (``when > now``)."""
    delay = when - now
    while now + delay >= when:
        delay = math.nextafter(delay, -math.inf)
    return max(delay, 0.0)


class _At(Event):
    """An event at an exact time with a given priority (a Timeout has ``NORMAL`` only).

    When ``when`` cannot be reached from now in one float step (:func:`exact_delay`), an
    ``URGENT`` relay event at the float just before it schedules the event from there:
    two times that close are an exact difference apart (Sterbenz), so it lands on ``when``.
    """

    def __init__(self, env: simpy.Environment, when: float, priority: int, value: Any) -> None:
        self.env = env
        self.callbacks = []
        self._value = value
        self._ok = True
        self._when = when
        self._priority = priority
        now = env.now
        delay = when - now
        if now + delay != when:
            self._relay(None)
            return
        env.schedule(self, priority, delay)  # type: ignore[arg-type]

    def _relay(self, _event: Any) -> None:
        env, when = self.env, self._when
        now = env.now
        delay = exact_delay(now, when)
        if delay is not None:
            env.schedule(self, self._priority, delay)  # type: ignore[arg-type]
            return
        below = now + delay_below(now, when)
        if not now < below < when:
            raise ArithmeticError(f"no event time from {now!r} s reaches {when!r} s exactly")
        _At(env, below, URGENT, None).callbacks.append(self._relay)


class _Queue:
    """One queue node's state: busy servers, the waiting line, its visits."""

    def __init__(self, servers: int, limit: int, layer: int, rows: QueueRows) -> None:
        self.servers = servers
        self.limit = limit
        self.layer = layer
        self.priority = ARRIVAL_PRIORITY + layer * LAYER_SPAN
        self.busy = 0
        #: Waiting requests: ``(id, arrival, service, measured)``.
        self.waiting: deque[tuple[int, float, float, bool]] = deque()
        self.rows = rows
        self.record = rows.buffer.append


class EventNetwork:
    """One replication's network on a SimPy environment (see the module docstring).

    :meth:`start` schedules the first events (the world then runs ``env`` to the end);
    :meth:`run` does both, for an environment of its own.
    """

    def __init__(
        self,
        env: simpy.Environment,
        source: NetworkSource,
        measure_start_s: float,
        horizon_s: float,
        *,
        collect: bool = False,
    ) -> None:
        self.env = env
        self.source = source
        plan = self.plan = source.plan
        self.measure_start_s = measure_start_s
        self.horizon_s = horizon_s
        #: Whole clock hours of the window, for each node's busiest hour.
        self.hours = clock_hours(measure_start_s, horizon_s)
        self.queues: dict[int, _Queue] = {}
        for index, node in enumerate(plan.spec.nodes):
            if node.servers is not None:
                limit = NO_LIMIT if node.queue_limit is None else int(node.queue_limit)
                rows = QueueRows(measure_start_s, horizon_s, keep=collect, hours=self.hours)
                self.queues[index] = _Queue(node.servers, limit, int(plan.layer[index]), rows)
        self.path = PathTally(plan.size, network_rules(source))
        self._arrivals = np.zeros(plan.size, dtype=np.int64)
        self._arrived = [0] * plan.size  # counted one by one after a first queue
        self.hits = np.zeros(plan.size, dtype=np.int64)
        self.latencies: list[tuple[IntArray, FloatArray]] = []
        self._collect = collect
        self._queues_at = plan.queues.tolist()
        self._blocks: dict[int, tuple[NetworkBlock, BoolArray]] = {}
        self._left: dict[int, int] = {}
        #: The first ids of the live blocks, ascending (the keys of ``_blocks``).
        self._firsts: list[int] = []
        self._order = ReorderBuffer()
        #: First-queue arrivals released: time, id, node, service there, measured.
        self._due: tuple[list[float], list[int], list[int], list[float], list[bool]]
        self._due = ([], [], [], [], [])
        self._next = 0
        self._last_arrival = -math.inf
        self._ended = (array("q"), array("q"), array("d"), array("b"))
        self._started = False

    # --- drawing and feeding the first queues -------------------------------------------

    def start(self) -> None:
        """Draw the first block and schedule its first node arrivals."""
        if not self._started:
            self._started = True
            chunks = self.source.cache_hits(self.measure_start_s)
            tally_hits(chunks, self.path, self.hits, self._arrivals)
            self._feed(None)

    def run(self) -> None:
        """:meth:`start`, then run the environment until no event is left."""
        self.start()
        self.env.run()

    def _feed(self, _event: Any) -> None:
        when, ids, nodes, service, measured = self._due
        while self._next >= len(when):
            if self.source.exhausted:
                return
            self._draw()
            when, ids, nodes, service, measured = self._due
        lo = self._next
        hi = self._next = min(lo + CHUNK, len(when))
        queues = self.queues
        for k in range(lo, hi):
            self._arrive_at(queues[nodes[k]], when[k], ids[k], service[k], measured[k])
        if hi < len(when):
            _At(self.env, when[hi], URGENT, None).callbacks.append(self._feed)
        elif not self.source.exhausted:
            # The next block's requests reach no node before its first client arrival.
            _At(self.env, self._last_arrival, URGENT, None).callbacks.append(self._feed)

    def _draw(self) -> None:
        """Draw a block: queue-less paths end now (vectors); the rest are due."""
        source = self.source
        block = source.next_block()
        number = block.first
        window = (block.arrival >= self.measure_start_s) & (block.arrival < self.horizon_s)
        measured = window & ~block.write  # writes load the servers, are not resolutions
        self._last_arrival = block.last_arrival
        self._count(block.route[RECURSIVE], measured)
        misses, t, node = self._first_queue(block, measured)
        queued = node != SKIP
        done = misses[~queued]
        latency = t[~queued] + block.tail[done] - block.arrival[done]
        self._end_many(block.first + done, block.owner[done], latency, measured[done], False)
        if queued.any():
            self._blocks[number] = (block, measured)
            self._left[number] = int(queued.sum())
            self._firsts.append(number)  # blocks are drawn in id order
        first = misses[queued]
        service = block.service[self.plan.layer[node[queued]], first]
        when, columns = self._order.release(
            t[queued],
            (block.first + first, node[queued], service, measured[first]),
            block.last_arrival,
            source.exhausted,
        )
        index, at, service, flag = (column.tolist() for column in columns)
        self._due = (when.tolist(), index, at, service, flag)
        self._next = 0

    def _first_queue(
        self, block: NetworkBlock, measured: BoolArray
    ) -> tuple[IntArray, FloatArray, IntArray]:
        """The misses, their arrival time at their first queue node and that node (SKIP:
        none; the time is then the end of the path), with the batched engine's arithmetic."""
        misses = np.arange(block.kept)  # the cache hits were counted (:mod:`.hits`)
        route, link = block.route[:, misses], block.link[:, misses]
        entered = route[RECURSIVE] != SKIP
        t = block.arrival[misses] + np.where(entered, link[RECURSIVE], 0.0)
        node = np.full(len(misses), SKIP, dtype=np.int64)
        moving = np.ones(len(misses), dtype=np.bool_)
        for layer in QUEUE_LAYERS:
            nodes = route[layer]
            visiting = moving & (nodes != SKIP)
            self._count(np.where(visiting, nodes, SKIP), measured[misses])
            t = np.where(visiting, t + link[layer], t)
            queued = visiting & self.plan.queues[np.maximum(nodes, 0)]
            node[queued] = nodes[queued]
            moving &= ~queued
        return misses, t, node

    def _count(self, nodes: IntArray, measured: BoolArray) -> None:
        visited = nodes[measured & (nodes != SKIP)]
        self._arrivals += np.bincount(visited, minlength=self.plan.size)

    @property
    def arrivals(self) -> IntArray:
        """Measured resolutions reaching each node (cache hits at their recursive node)."""
        return self._arrivals + np.array(self._arrived, dtype=np.int64)

    # --- the queue nodes ----------------------------------------------------------------

    def _arrive_at(
        self, queue: _Queue, when: float, index: int, service: float, measured: bool
    ) -> None:
        """Request ``index`` reaches ``queue`` at ``when`` (ordered by its priority)."""
        event = _At(self.env, when, queue.priority + index, (queue, index, service, measured))
        event.callbacks.append(self._arrive)

    def _arrive(self, event: Any) -> None:
        queue, index, service, measured = event.value
        when = self.env.now
        if not admits(queue.busy + len(queue.waiting), queue.limit):
            queue.rows.add(index, when, math.nan, math.nan, False, measured)  # rare
            self._end(index, math.nan)
        elif queue.busy < queue.servers:
            queue.busy += 1
            self._begin(queue, index, when, service, measured)
        else:
            queue.waiting.append((index, when, service, measured))

    def _begin(
        self, queue: _Queue, index: int, arrival: float, service: float, measured: bool
    ) -> None:
        done = self.env.timeout(service, (queue, index, arrival, self.env.now, measured))
        done.callbacks.append(self._complete)

    def _complete(self, event: Any) -> None:
        queue, index, arrival, start, measured = event.value
        end = self.env.now
        queue.record((index, arrival, start, end, True, measured))
        if len(queue.rows.buffer) >= FOLD:
            queue.rows.fold()
        if queue.waiting:
            self._begin(queue, *queue.waiting.popleft())
        else:
            queue.busy -= 1
        self._advance(index, queue.layer + 1, end)

    def _advance(self, index: int, layer: int, t: float) -> None:
        """Move request ``index`` on from ``layer`` at time ``t``: to its next queue node,
        or to the end of its path (the batched engine's arithmetic)."""
        block, measured = self._blocks[self._block_of(index)]
        j = index - block.first
        route, link = block.route, block.link
        counted = bool(measured[j])
        for next_layer in range(layer, len(route)):
            node = int(route[next_layer, j])
            if node == SKIP:
                continue
            if counted:
                self._arrived[node] += 1
            t = float(t + link[next_layer, j])
            if self._queues_at[node]:
                service = float(block.service[next_layer, j])
                self._arrive_at(self.queues[node], t, index, service, counted)
                return
        self._end(index, float(t + block.tail[j] - block.arrival[j]))

    # --- the end of a path ----------------------------------------------------------------

    def _end(self, index: int, latency: float) -> None:
        """Request ``index`` (not a hit) ends with ``latency`` (NaN: rejected)."""
        number = self._block_of(index)
        block, measured = self._blocks[number]
        j = index - block.first
        ids, owners, latencies, flags = self._ended
        ids.append(index)
        owners.append(int(block.owner[j]))
        latencies.append(latency)
        flags.append(bool(measured[j]))
        if len(ids) >= FOLD:
            self._fold_ended()
        self._left[number] -= 1
        if self._left[number] == 0:  # the block's last request in flight: drop its draws
            del self._blocks[number], self._left[number]
            self._firsts.remove(number)

    def _block_of(self, index: int) -> int:
        """The first id of the live block holding request ``index`` (blocks hold a varying
        number of requests once registration writes are merged in)."""
        return self._firsts[bisect.bisect_right(self._firsts, index) - 1]

    def _fold_ended(self) -> None:
        ids, owners, latencies, flags = self._ended
        if ids:
            self._end_many(
                np.frombuffer(ids, dtype=np.int64).copy(),
                np.frombuffer(owners, dtype=np.int64).copy(),
                np.frombuffer(latencies, dtype=np.float64).copy(),
                np.frombuffer(flags, dtype=np.int8).astype(np.bool_),
                False,
            )
        self._ended = (array("q"), array("q"), array("d"), array("b"))

    def _end_many(
        self, ids: IntArray, owner: IntArray, latency: FloatArray, measured: BoolArray, hit: bool
    ) -> None:
        self.path.add(owner, latency, measured, hit)
        if self._collect:
            self.latencies.append((ids, latency))

    # --- after the run --------------------------------------------------------------------

    def figures(self) -> dict[str, NodeFigures]:
        """Every node's statistics by name (as :meth:`BatchedNetwork.figures`)."""
        self._fold_ended()
        window = self.horizon_s - self.measure_start_s
        found: dict[str, NodeFigures] = {}
        for index, node in enumerate(self.plan.spec.nodes):
            queue = self.queues.get(index)
            servers = node.servers or 0
            stats = None if queue is None else queue.rows.statistics(window, servers)
            owns = node.kind == "secondary"
            path = self.path.statistics(index, window, servers) if owns else None
            peak = math.nan
            if queue is not None and len(self.hours) >= 2:
                peak = peak_utilisation(queue.rows.busy_servers(), servers)
            found[node.name] = NodeFigures(node.kind, stats, path, peak)
        return found

    @property
    def visits(self) -> list[NodeVisits]:
        """Every queue visit ``(id, node, arrival, start, end, admitted)`` (``collect``)."""
        found = []
        for node, queue in self.queues.items():
            queue.rows.fold()
            for ids, arrival, start, end, admitted in queue.rows.kept:
                nodes = np.full(len(ids), node, dtype=np.int64)
                found.append((ids, nodes, arrival, start, end, admitted))
        return found

    def collected_latencies(self) -> tuple[IntArray, FloatArray]:
        """``(id, latency)`` of every resolution, by id (NaN: rejected)."""
        self._fold_ended()
        ids = np.concatenate([c[0] for c in self.latencies])
        latency = np.concatenate([c[1] for c in self.latencies])
        order = np.argsort(ids, kind="stable")
        return ids[order], latency[order]

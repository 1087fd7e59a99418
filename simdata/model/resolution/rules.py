"""The resolution node's rules, written once for the event engine, the batched engine and capacity.

Every way of running the node — the SimPy event engine (:mod:`.event`), the compiled
batched engine (:mod:`.batched` over :mod:`.fcfs`), the sampled peak-hour windows
(:mod:`.windows`) and ``simdata capacity`` — takes these rules from here:

* **Arrival ordering** (:class:`ReorderBuffer`). Client arrivals are drawn in order, node
  arrivals (client arrival + top-level lookup) are not: a block's misses wait until no later
  request can reach the node before them (node arrival ≤ the block's last drawn client
  arrival), ordered by node arrival, ties by request index.
* **Service and admission** (:func:`admits`). FCFS over ``servers`` identical servers,
  each request served for the time drawn at its arrival
  (:class:`~simdata.model.resolution.draws.RequestSource`: ``service_time``, or
  ``registration_time`` for a write); with a queue limit K an arrival that finds K
  requests in the node (waiting or in service) is rejected and takes no server time.
* **Timeout and SLA judgement** (:func:`judge`). A latency over the timeout is reported as
  the timeout and the request *timed out* (the server still serves it to the end: it does
  not know the client gave up); otherwise it is *within* the SLA when ``latency <= T``
  (``< T`` for a strict ``p99<T``) and *over* it when not. No timeout or no SLA is an
  infinite threshold, so without an SLA every answered request is within it.
* **The outcome of a request** (:class:`Outcome`): within SLA, over SLA (both answered),
  timed out, rejected. ``resolution.failed_share`` counts :attr:`Outcome.TIMED_OUT`;
  capacity's ``failed_or_rejected_share`` counts timed out *or* rejected.
* **Whether an SLA holds** over a set of requests (:func:`sla_met`): at least NN % of the
  measured requests within the threshold, the p<NN> statement itself.

How the compiled kernel shares them: each rule is one function here, compiled with numba.
The kernel (:mod:`.fcfs`) calls :func:`judge` and :data:`admits_compiled` (:func:`admits`
compiled) inside its loop; the vectorised Python paths call :func:`judge_many` or
:func:`judge_in_place`, compiled loops over the same :func:`judge`; the event engine
calls :func:`admits` itself per arrival (plain Python: numba's dispatch would cost more
than the comparison). So each rule has one definition. numba's on-disk cache tracks one
file at a time: after editing this module, delete
``simdata/model/resolution/__pycache__/*.nb[ic]``.

What is *not* shared, on purpose: the arithmetic of the latency itself. The event engine
computes ``end − arrival + enterprise`` per request, the batched engine ``(end − node
arrival) + (node arrival − arrival + enterprise)``; the two differ in the last bit of a
float, and changing either would change a golden number.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

import numpy as np

from simdata.arrays import FloatArray, IntArray
from simdata.engine.histogram import jit
from simdata.scenario.resolution import ResolutionSpec, Sla

# The outcome codes as plain ints: numba folds module-level ints into the compiled code.
WITHIN_SLA = 0
OVER_SLA = 1
TIMED_OUT = 2
REJECTED = 3
OUTCOMES = 4
#: No queue limit: the largest int64, so ``in_node < limit`` always holds.
NO_LIMIT = int(np.iinfo(np.int64).max)


class Outcome(IntEnum):
    """What happened to a request at the node (the codes :func:`judge` returns)."""

    #: Answered within the SLA threshold (any latency below the timeout without an SLA).
    WITHIN_SLA = WITHIN_SLA
    #: Answered before the timeout, but beyond the SLA threshold.
    OVER_SLA = OVER_SLA
    #: The latency reached the timeout: answered as failed, at the timeout.
    TIMED_OUT = TIMED_OUT
    #: The node held ``queue_limit`` requests: refused, no latency.
    REJECTED = REJECTED


class NodeRules(NamedTuple):
    """The node's settings its rules read, as plain numbers (a numba-typed record)."""

    servers: int
    #: Most requests in the node (waiting + in service); :data:`NO_LIMIT` for none.
    limit: int
    #: Client timeout, ``inf`` for none.
    timeout_s: float
    #: SLA threshold T, ``inf`` for none.
    sla_s: float
    #: ``p<NN> < T`` (strict) rather than ``<= T``.
    sla_strict: bool

    @classmethod
    def of(cls, spec: ResolutionSpec, sla: Sla | None = None) -> NodeRules:
        """The rules of ``spec``, judged against ``sla`` (default: the spec's own SLA)."""
        sla = spec.sla_parsed if sla is None else sla
        return cls(
            spec.servers,
            NO_LIMIT if spec.queue_limit is None else int(spec.queue_limit),
            math.inf if spec.timeout is None else float(spec.timeout),
            math.inf if sla is None else float(sla.threshold_s),
            sla is not None and sla.op == "<",
        )


def admits(in_node: int, limit: int) -> bool:
    """Whether an arrival that finds ``in_node`` requests in the node is admitted."""
    return in_node < limit


#: :func:`admits` compiled, for the kernel (a compiled loop calls compiled functions only).
admits_compiled = jit(admits)


@jit
def judge(latency: float, rules: NodeRules) -> tuple[float, int]:
    """``(reported latency, outcome)`` of a request answered after ``latency`` seconds;
    NaN (no answer) is :data:`REJECTED`."""
    if latency > rules.timeout_s:
        return rules.timeout_s, TIMED_OUT
    if latency < rules.sla_s or (latency == rules.sla_s and not rules.sla_strict):
        return latency, WITHIN_SLA
    if math.isnan(latency):
        return latency, REJECTED
    return latency, OVER_SLA


@jit
def _judge_into(latency: FloatArray, rules: NodeRules, outcome: IntArray) -> None:
    for i in range(latency.shape[0]):
        latency[i], outcome[i] = judge(latency[i], rules)


@jit
def _judge_counting(latency: FloatArray, rules: NodeRules, counts: IntArray) -> None:
    for i in range(latency.shape[0]):
        latency[i], outcome = judge(latency[i], rules)
        counts[outcome] += 1


def judge_in_place(latency: FloatArray, rules: NodeRules) -> IntArray:
    """:func:`judge` every latency of the float64 array ``latency``, replacing each by its
    reported latency; the number of requests of each outcome (one compiled pass)."""
    counts = np.zeros(OUTCOMES, dtype=np.int64)
    _judge_counting(latency, rules, counts)
    return counts


def judge_many(latency_s: FloatArray, rules: NodeRules) -> tuple[FloatArray, IntArray]:
    """:func:`judge` for every latency (NaN: rejected): a new latency array, the outcomes."""
    latency = np.array(latency_s, dtype=np.float64)  # a copy, judged in place
    outcome = np.empty(len(latency), dtype=np.int64)
    _judge_into(latency, rules, outcome)
    return latency, outcome


def sla_met(within: float, measured: float, quantile: float) -> bool:
    """Whether the SLA ``p<100·quantile>`` holds: some requests were measured and at least
    ``quantile`` of them were answered within the threshold."""
    return bool(measured > 0 and within / measured >= quantile)


class ReorderBuffer:
    """Node arrivals in order across blocks: the node-arrival reorder buffer.

    :meth:`release` takes a block's misses (node arrival ``when`` and any columns that
    travel with them, e.g. request index and service time) and returns those that are now
    safe to serve, in node-arrival order (ties by arrival order, i.e. request index): every
    one whose node arrival is at most ``last_arrival`` — the block's last drawn client
    arrival, below which every later request's node arrival lies — or all of them once the
    arrivals are ``exhausted``. The others wait for the next block.
    """

    def __init__(self) -> None:
        self._when: FloatArray = np.zeros(0)
        self._columns: list[np.ndarray] | None = None  # typed by the first release

    def release(
        self,
        when: FloatArray,
        columns: tuple[np.ndarray, ...],
        last_arrival: float,
        exhausted: bool,
    ) -> tuple[FloatArray, tuple[np.ndarray, ...]]:
        """``(node arrival, columns)`` of the requests ready to serve, in node order."""
        all_when = np.concatenate([self._when, when])
        order = np.argsort(all_when, kind="stable")
        all_when = all_when[order]
        pending = self._columns if self._columns is not None else [c[:0] for c in columns]
        merged = [
            np.concatenate([old, new])[order] for old, new in zip(pending, columns, strict=True)
        ]
        ready = len(order) if exhausted else int(np.searchsorted(all_when, last_arrival, "right"))
        self._when = all_when[ready:]
        self._columns = [column[ready:] for column in merged]
        return all_when[:ready], tuple(column[:ready] for column in merged)

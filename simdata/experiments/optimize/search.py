"""The monotone frontier search: the cheapest plan whose every constraint holds.

A plan gives each lever one of its values (indices into :meth:`Lever.values`). With
monotone levers, more of any lever never makes a constrained KPI worse, so for fixed values
of the other levers the feasible values of one lever form an upper interval, and its
smallest feasible value is found by **bisection**; a plan found feasible also makes every
plan with at least as much of each lever feasible (inferred, not evaluated).

- **One lever**: its highest value is evaluated first (if it fails, nothing in the range
  meets the targets), then bisection: at most ``⌈log₂ N⌉ + 1`` evaluations for N values.
- **Several levers**: the lever with the most values is bisected (the last such in design
  order) and the others are walked over their grid in ascending order; for each combination
  the bisection's upper end is the least value already known feasible for a combination
  with no more of any lever — the walk follows the minimal feasible frontier. A combination
  whose cheapest possible plan costs at least the best found is skipped: it cannot be
  cheaper. A frontier plan is *minimal* when lowering any one lever by one step makes it
  infeasible; one with a walked neighbour below it at the same bisected value is dominated.

The search never looks at random numbers: ``evaluate(plan)`` returns a status, and the plan
with the least cost among those that meet the targets (feasible or tie) is chosen (the
first found on equal cost).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simdata.experiments.optimize.feasibility import MEETS, Status

Plan = tuple[int, ...]
Evaluate = Callable[[Plan], Status]


def bisected_lever(sizes: Sequence[int]) -> int:
    """The lever the search bisects: the one with the most values (last on equal)."""
    most = max(sizes)
    return max(i for i, size in enumerate(sizes) if size == most)


def max_evaluations(sizes: Sequence[int]) -> int:
    """The most plans the search can evaluate: ``Π_{others} N_i · (⌈log₂ N_b⌉ + 1)`` — the
    Bonferroni denominator, fixed before any replication runs."""
    b = bisected_lever(sizes)
    others = math.prod(size for i, size in enumerate(sizes) if i != b)
    return others * (math.ceil(math.log2(sizes[b])) + 1)


@dataclass
class SearchTrace:
    """What the search did: each evaluated plan's status in order, and the frontier."""

    evaluated: dict[Plan, Status] = field(default_factory=dict)
    #: Per walked combination of the other levers, the least feasible bisected index
    #: (None: none in range).
    frontier: dict[Plan, Plan | None] = field(default_factory=dict)
    chosen: Plan | None = None
    skipped: int = 0


def _least_feasible(
    evaluate: Callable[[int], Status], low: int, high: int, high_known: bool
) -> int | None:
    """Least index in ``[low, high]`` that meets the targets (monotone), or None."""
    if not high_known and evaluate(high) not in MEETS:
        return None
    while low < high:
        middle = (low + high) // 2
        if evaluate(middle) in MEETS:
            high = middle
        else:
            low = middle + 1
    return high


def frontier_search(
    sizes: Sequence[int], cost: Callable[[Plan], float], evaluate: Evaluate, prune: bool = True
) -> SearchTrace:
    """Search plans (``sizes[i]`` values of lever i) for the cheapest that meets every
    constraint; ``evaluate`` is called at most :func:`max_evaluations` times. Without
    ``prune`` (KPI objectives: the cost does not rank plans) the whole minimal feasible
    frontier is walked."""
    trace = SearchTrace()
    b = bisected_lever(sizes)
    others = [range(size) for i, size in enumerate(sizes) if i != b]
    best: float = math.inf

    def full(rest: Plan, value: int) -> Plan:
        return (*rest[:b], value, *rest[b:])

    for rest in itertools.product(*others):
        if prune and cost(full(rest, 0)) >= best:
            trace.skipped += 1
            continue
        known = [
            found
            for walked, found in trace.frontier.items()
            if found is not None and all(w <= r for w, r in zip(walked, rest, strict=True))
        ]
        high = min((plan[b] for plan in known), default=sizes[b] - 1)

        def judged(value: int, rest: Plan = rest) -> Status:
            plan = full(rest, value)
            if plan not in trace.evaluated:
                trace.evaluated[plan] = evaluate(plan)
            return trace.evaluated[plan]

        least = _least_feasible(judged, 0, high, high_known=bool(known))
        trace.frontier[rest] = None if least is None else full(rest, least)
        if least is not None and cost(full(rest, least)) < best:
            best = cost(full(rest, least))
            trace.chosen = full(rest, least)
    return trace


def dominated(trace: SearchTrace, plan: Plan) -> bool:
    """Whether a frontier plan has another frontier plan with no more of any lever."""
    return any(
        other != plan and all(o <= p for o, p in zip(other, plan, strict=True))
        for other in trace.frontier.values()
        if other is not None
    )

"""Selecting the best of the plans confirmed feasible: Kim & Nelson's fully sequential
procedure KN (2001), with common random numbers.

Kim, S.-H. & Nelson, B. L. (2001), "A fully sequential procedure for indifference-zone
selection in simulation", ACM TOMACS 11(3): with k systems, a first stage of n₀
replications each and an indifference zone δ, KN selects a system whose mean is within δ of
the best with probability ≥ 1 − α, whatever the variances and correlations — it works on
the **paired differences** X_i − X_l, so common random numbers (replication r of every plan
runs with the same seed) shrink the variances it has to beat and cost nothing in validity.

- η = ½·[(2α/(k−1))^(−2/(n₀−1)) − 1], h² = 2η(n₀−1);
- S²_il: the sample variance of X_i − X_l over the first n₀ replications;
- after r replications, plan i is eliminated when some l has
  X̄_l(r) − X̄_i(r) > W_il(r) = max(0, δ/(2r)·(h²S²_il/δ² − r))   (larger is better);
- the procedure stops when one plan survives.

Replications are added in fixed batches (the same on every executor); eliminating only at
the batch ends looks at a subset of KN's stages, which can only lower the chance of a wrong
elimination. ``max_replications`` caps the procedure: if several plans survive it, the best
mean is taken and the result says the selection was *not* decided (no guarantee claimed).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from simdata.experiments.optimize.design import parse_tolerance
from simdata.experiments.optimize.evaluate import PlanEvaluator, PlanRecord

#: Sample(candidate indices, first replication, stop) → array (candidates × replications).
Sample = Callable[[Sequence[int], int, int], np.ndarray]


def kn_h2(alpha: float, k: int, n0: int) -> float:
    """KN's h² for k systems, first stage n₀ and error α."""
    if k < 2:
        return 0.0
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return float(2 * eta * (n0 - 1))


@dataclass
class Selection:
    """What KN did: the chosen candidate, the order plans were eliminated, the means."""

    chosen: int
    decided: bool
    replications: int
    means: dict[int, float]
    #: candidate → the stage (replications per plan) at which it was eliminated.
    eliminated: dict[int, int] = field(default_factory=dict)
    #: candidate → the candidate whose lead eliminated it.
    by: dict[int, int] = field(default_factory=dict)


def kn_select(
    k: int,
    sample: Sample,
    *,
    alpha: float,
    delta: float,
    n0: int,
    max_replications: int,
    step: int,
    maximise: bool,
) -> Selection:
    """KN among ``k`` candidates (0 … k−1); ``sample`` draws their replications with common
    random numbers. Minimising is KN on the negated values."""
    sign = 1.0 if maximise else -1.0
    if k == 1:
        return Selection(0, True, 0, {})
    data = sign * np.asarray(sample(list(range(k)), 0, n0), dtype=float)
    diffs = data[:, None, :] - data[None, :, :]
    s2 = diffs.var(axis=2, ddof=1)
    h2 = kn_h2(alpha, k, n0)
    alive = list(range(k))
    result = Selection(0, False, n0, {})
    r = n0
    while True:
        means = data[:, :r].mean(axis=1)
        _eliminate(alive, means, s2, h2, delta, r, result)
        if len(alive) == 1 or r >= max_replications:
            break
        stop = min(r + step, max_replications)
        extra = sign * np.asarray(sample(alive, r, stop), dtype=float)
        grown = np.full((k, stop), np.nan)
        grown[:, :r] = data[:, :r]
        grown[alive, r:stop] = extra
        data, r = grown, stop
    means = data[:, :r].mean(axis=1)
    best = max(alive, key=lambda i: (means[i], -i))
    result.chosen, result.decided, result.replications = best, len(alive) == 1, r
    for i in range(k):
        seen = result.eliminated.get(i, r)
        result.means[i] = float(sign * data[i, :seen].mean())
    return result


def _eliminate(
    alive: list[int],
    means: np.ndarray,
    s2: np.ndarray,
    h2: float,
    delta: float,
    r: int,
    result: Selection,
) -> None:
    """KN's screening at stage r: drop every plan some survivor leads by more than W_il(r)."""
    dropped = {}
    for i in alive:
        for j in alive:
            if j == i:
                continue
            width = max(0.0, delta / (2 * r) * (h2 * s2[i, j] / delta**2 - r))
            lead = means[j] - means[i]
            # past N_ij with equal means (identical plans): keep the first
            if lead > width or (width == 0 and lead == 0 and j < i):
                dropped[i] = j
                break
    for i, j in dropped.items():
        alive.remove(i)
        result.eliminated[i], result.by[i] = r, j
    if not alive:  # cannot happen (the best mean is never led), but never select nothing
        alive.append(max(dropped, key=lambda i: means[i]))


def relative_delta(fraction: float, means: Sequence[float]) -> float:
    """An indifference written as a share (``0.5%``): of the mean objective's size over the
    candidates' confirmation replications (fixed before KN's own replications run)."""
    finite = [abs(m) for m in means if math.isfinite(m)]
    scale = float(np.mean(finite)) if finite else 0.0
    return max(fraction * scale, MIN_DELTA)


#: δ is never zero (KN divides by it): a zero-sized objective gets this, and KN then runs to
#: ``max_replications`` unless the plans' differences are exactly zero.
MIN_DELTA = 1e-12


@dataclass
class SelectionOutcome:
    """KN's answer among the plans confirmed to meet every target, for plan.json."""

    chosen: PlanRecord
    candidates: list[PlanRecord]
    kpi: str
    delta: float
    indifference: str
    alpha: float
    decided: bool
    #: KN's replications per plan at the end (the survivors').
    replications: int
    #: Every replication KN ran, over all candidates.
    spent: int
    #: candidate plan number → the plan number whose lead eliminated it.
    beaten_by: dict[int, int] = field(default_factory=dict)


def select_best(
    evaluator: PlanEvaluator,
    candidates: Sequence[PlanRecord],
    *,
    alpha: float,
    indifference: str | float,
    first: int,
    max_replications: int,
    maximise: bool,
) -> SelectionOutcome | None:
    """KN among ``candidates`` on the objective KPI, on its own replications
    (:data:`SELECTION_OFFSET` + r, common to every plan): fresh numbers, so KN's guarantee
    holds whatever set the feasibility stage passed. None when no candidate."""
    if not candidates:
        return None
    assert evaluator.objective_kpi is not None
    tolerance = parse_tolerance(indifference)
    delta = (
        relative_delta(
            tolerance.value, [math.nan if c.objective is None else c.objective for c in candidates]
        )
        if tolerance.relative
        else tolerance.value
    )
    spent = 0

    def sample(which: Sequence[int], start: int, stop: int) -> np.ndarray:
        nonlocal spent
        spent += len(which) * (stop - start)
        chosen = [candidates[i] for i in which]
        return np.asarray(evaluator.objective_samples(chosen, start, stop), dtype=float)

    n0 = max(first, 2)
    found = kn_select(
        len(candidates), sample, alpha=alpha, delta=max(delta, MIN_DELTA), n0=n0,
        max_replications=max(max_replications, n0), step=max(1, n0 // 2), maximise=maximise,
    )  # fmt: skip
    for index, record in enumerate(candidates):
        record.selection_mean = found.means.get(index)
        record.selection_replications = found.eliminated.get(index, found.replications)
    return SelectionOutcome(
        candidates[found.chosen], list(candidates), evaluator.objective_kpi, delta,
        tolerance.text, alpha, found.decided, found.replications, spent,
        {candidates[i].number: candidates[j].number for i, j in found.by.items()},
    )  # fmt: skip

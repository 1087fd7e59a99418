"""The pilot check of levers declared ``monotone: true``.

The frontier search trusts monotonicity: a plan shown feasible makes every plan with more of
each lever feasible, unevaluated. A lever declared monotone that is not (more servers behind
a shared cache that then thrashes, a threshold mistaken for a resource) would make the
answer wrong without a trace, so before the search a **pilot** checks each declaration:

- the pilot plan puts every lever at the middle of its values (index ⌊(N−1)/2⌋), and for each
  lever a second plan raises that lever one step;
- both run the same ``first_replications`` pilot replications (indices from
  :data:`PILOT_OFFSET`, common random numbers: the paired differences are the lever's doing);
- for each constrained KPI, the paired differences d_r = KPI(raised) − KPI(pilot), signed so
  that d > 0 is *worse* (a ``≤`` target: higher; a ``≥`` target: lower), get a one-sided
  paired t-test of "mean d ≤ 0" at level :data:`FAMILY_LEVEL` / (levers × constraints)
  (Bonferroni: a truly monotone design is refused with probability ≤ 1 % in all).

A rejection stops the run with one line naming the design file, the lever and the KPI, and
suggests ``monotone: false`` (exit 2). The check is a screen, not a proof: a violation the
pilot's few replications cannot see, or one away from the pilot plan, passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from simdata.errors import ScenarioError
from simdata.experiments.optimize.design import LoadedOptimizeDesign
from simdata.experiments.optimize.evaluate import PlanEvaluator, task_label
from simdata.experiments.optimize.feasibility import Constraint

#: Replication indices of the pilot: independent of the confirmation's (0, 1, …).
PILOT_OFFSET = 3_000_000
#: The check's family-wise level: a truly monotone design is refused at most this often.
FAMILY_LEVEL = 0.01


@dataclass(frozen=True)
class Worse:
    """One (lever, KPI) pair the pilot found worse after raising the lever."""

    lever: int
    kpi: str
    low: float
    high: float
    mean: float
    n: int
    p_value: float
    level: float


def worse_p_value(differences: Sequence[float]) -> float:
    """One-sided paired t-test p-value of "mean difference ≤ 0" (d > 0: worse); NaN
    pairs dropped. Identical differences: 0 when positive, 1 otherwise."""
    found = [d for d in differences if math.isfinite(d)]
    if len(found) < 2:
        return 1.0
    mean = math.fsum(found) / len(found)
    sd = math.sqrt(math.fsum((d - mean) ** 2 for d in found) / (len(found) - 1))
    if sd == 0:
        return 0.0 if mean > 0 else 1.0
    t = mean / (sd / math.sqrt(len(found)))
    return float(stats.t.sf(t, len(found) - 1))


def pilot_plans(sizes: Sequence[int]) -> tuple[tuple[int, ...], list[tuple[int, tuple[int, ...]]]]:
    """The pilot plan (every lever mid-range) and, per lever with ≥ 2 values, the plan that
    raises it one step."""
    middle = tuple((size - 1) // 2 for size in sizes)
    raised = [
        (i, tuple(v + (1 if j == i else 0) for j, v in enumerate(middle)))
        for i, size in enumerate(sizes)
        if size >= 2
    ]
    return middle, raised


def check_monotone(
    evaluator: PlanEvaluator, sizes: Sequence[int], replications: int
) -> list[Worse]:
    """Every (lever, constraint) the pilot finds worse beyond noise (empty: the declarations
    stand). Plans the scenario refuses are skipped."""
    middle, raised = pilot_plans(sizes)
    plans = [middle, *(plan for _, plan in raised)]
    try:
        scenarios = [evaluator.scenario_of(evaluator.values_of(p)) for p in plans]
    except ScenarioError:
        return []
    indices = [PILOT_OFFSET + i for i in range(replications)]
    names = [task_label(evaluator.values_of(p)) for p in plans]
    measured = evaluator.run_many(scenarios, indices, names)
    constraints = _distinct(evaluator.constraints)
    level = FAMILY_LEVEL / max(len(raised) * len(constraints), 1)
    found = []
    for position, (lever, _) in enumerate(raised, start=1):
        for constraint in constraints:
            kpi = constraint.target.kpi
            sign = 1.0 if constraint.target.op in ("<", "<=") else -1.0
            base = [m.kpis[kpi] for m in measured[0]]
            up = [m.kpis[kpi] for m in measured[position]]
            differences = [sign * (b - a) for a, b in zip(base, up, strict=True)]
            p_value = worse_p_value(differences)
            if p_value < level:
                values = evaluator.levers[lever].values()
                finite = [d for d in differences if math.isfinite(d)]
                mean = sign * math.fsum(finite) / len(finite)
                low, high = values[middle[lever]], values[middle[lever] + 1]
                found.append(Worse(lever, kpi, low, high, mean, len(finite), p_value, level))
    return found


def _distinct(constraints: Sequence[Constraint]) -> list[Constraint]:
    """One constraint per (KPI, direction): two bounds on one KPI test once each way."""
    seen: dict[tuple[str, bool], Constraint] = {}
    for c in constraints:
        seen.setdefault((c.target.kpi, c.target.op in ("<", "<=")), c)
    return list(seen.values())


def refusal(loaded: LoadedOptimizeDesign, worse: Worse) -> ScenarioError:
    """The one-line error for a lever the pilot found not monotone."""
    lever = loaded.design.parameters[worse.lever]
    return loaded.error(
        ("parameters", worse.lever, "monotone"),
        f"expected raising {lever.label} never to make a constrained KPI worse, but on the "
        f"pilot {lever.label} {worse.low:g} → {worse.high:g} made {worse.kpi} worse "
        f"({worse.mean:+.4g}, mean change over {worse.n} paired replications; one-sided paired t "
        f"p = {worse.p_value:.2g} < {worse.level:.2g}): declare monotone: false",
    )

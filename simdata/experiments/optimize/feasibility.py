"""Is a plan feasible? Each constraint judged with the run pipeline's estimators, sequentially.

A plan's replications are looked at after 10, 20, 40, … and ``max_replications`` (the
``--until-decided`` schedule, :class:`simdata.experiments.until_decided.StoppingRule`),
each look at level ``1 − α_j·n_k²/Σ n²`` (Bonferroni over the looks with a quadratic
spending), where ``α_j`` is this judgement's share of the design's α
(:func:`judgement_alpha`). At each look every constraint's KPI is estimated exactly as a
run's summary estimates it (:func:`simdata.analysis.summary.estimates`: Hall's
skewness-corrected t for means, the pooled quantile with its sectioning CI for quantile
KPIs — no second t-interval) and judged by :func:`simdata.analysis.targets.judge`:

- **pass** / **fail** — the CI wholly on one side of the target;
- **tie** — still straddling, but wholly inside ``target ± ε`` (the constraint's
  tolerance): more replications would only tell differences the planner called
  immaterial, so the plan is feasible-within-tolerance and says so;
- **undecided** — otherwise (or the quantile tail guard: more replications cannot help).

A **quantile** constraint ``pQQ ≤ T`` is judged as the mean it is equivalent to: the share
of values ≤ T, per replication, must be ≥ QQ % (:mod:`~simdata.experiments.optimize.shares`:
Hall's interval over replications, the tolerance mapped through the pooled distribution).
The pooled quantile and its sectioning interval are still what the judgement shows; the
verdict is the share's, which needs no tail guard (more replications always help).
Set :data:`QUANTILE_AS_SHARE` to False for the pooled quantile's verdict (the bench
compares both).

A plan is *infeasible* as soon as one constraint fails, *feasible* when every constraint
passes, a *tie* when every one passes or ties, and *undecided* when the cap is reached
(or only guarded constraints are left open) first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from simdata.analysis.quantiles import quantile_of
from simdata.analysis.stats import Estimate
from simdata.analysis.summary import estimates
from simdata.analysis.targets import judge
from simdata.experiments.optimize.shares import Share, share_of
from simdata.scenario.models import Target

Verdict = Literal["pass", "fail", "tie", "undecided"]
Status = Literal["feasible", "infeasible", "tie", "undecided", "invalid"]
#: Statuses the search treats as "meets every target" (a tie: within tolerance).
MEETS = ("feasible", "tie")
#: Judge quantile constraints as shares within the threshold (the default; the bench
#: switches it off to measure the pooled quantile's rule).
QUANTILE_AS_SHARE = True


def judgement_alpha(alpha: float, plans: int, constraints: int) -> float:
    """Each (plan, constraint) judgement's share of ``α`` (Bonferroni over the most plans
    the search can evaluate and the constraints): the guarantee fails only if some
    judgement does, and each fails with probability at most its share."""
    return alpha / (max(plans, 1) * max(constraints, 1))


@dataclass(frozen=True)
class Constraint:
    """A target with its tolerance ε (SI, in the KPI's unit)."""

    target: Target
    epsilon: float
    tolerance_text: str

    @property
    def text(self) -> str:
        return f"{self.target.kpi} {self.target.describe()}"


@dataclass(frozen=True)
class Judgement:
    """One constraint at one plan's last look."""

    constraint: Constraint
    estimate: Estimate
    verdict: Verdict
    level: float
    method: str
    #: Why more replications cannot decide it (the tail guard), or None.
    note: str | None = None
    #: A quantile constraint's share within the threshold, which the verdict rests on.
    share: Share | None = None

    @property
    def margin(self) -> float:
        """How far the estimate is on the right side of the target (SI; < 0: wrong side)."""
        target = self.constraint.target
        sign = 1.0 if target.op in ("<", "<=") else -1.0
        return sign * (target.value - self.estimate.mean)


def judge_constraint(constraint: Constraint, estimate: Estimate, note: str | None) -> Verdict:
    """The verdict of one constraint on its estimate at a look (see the module doc)."""
    if note:
        return "undecided"
    verdict = judge(constraint.target, estimate)
    if verdict != "undecided":
        return verdict
    value, eps = constraint.target.value, constraint.epsilon
    return _tie(estimate, value - eps, value + eps)


def judge_share(constraint: Constraint, share: Share) -> Verdict:
    """A quantile constraint's verdict on its share within the threshold: the run's rule on
    the share's target, a tie when the share's CI lies inside the mapped tolerance band."""
    verdict = judge(share.target(constraint.target.kpi), share.estimate)
    if verdict != "undecided":
        return verdict
    return _tie(share.estimate, *share.band)


def _tie(estimate: Estimate, low: float, high: float) -> Verdict:
    """A tie when the CI (of ≥ 2 replications) lies wholly inside ``[low, high]``."""
    if (
        estimate.n >= 2
        and not math.isnan(estimate.ci_low)
        and low <= estimate.ci_low
        and estimate.ci_high <= high
    ):
        return "tie"
    return "undecided"


def judge_plan(
    kpis: pl.DataFrame,
    histograms: pl.DataFrame | None,
    constraints: Sequence[Constraint],
    confidence: float,
) -> list[Judgement]:
    """Every constraint on the replications in ``kpis`` (``replication, kpi, value``) and
    the quantile KPIs' sample histograms, at ``confidence``."""
    names = list(dict.fromkeys(c.target.kpi for c in constraints))
    found = estimates(kpis.filter(pl.col("kpi").is_in(names)), histograms, confidence)
    rows = {row["kpi"]: row for row in found.to_dicts()}
    judged = []
    for constraint in constraints:
        row = rows.get(constraint.target.kpi)
        if row is None:
            estimate = Estimate(math.nan, math.nan, math.nan, math.nan, 0)
            judged.append(Judgement(constraint, estimate, "undecided", confidence, "", None))
            continue
        estimate = Estimate(row["mean"], row["ci_low"], row["ci_high"], row["std"], row["n"])
        share = _share(kpis, histograms, constraint, confidence)
        if share is not None:
            method = f"{SHARE_METHOD}; shown: {row['ci_method']}"
            verdict = judge_share(constraint, share)
            judged.append(Judgement(constraint, estimate, verdict, confidence, method, None, share))
            continue
        note = row["note"]
        verdict = judge_constraint(constraint, estimate, note)
        judged.append(Judgement(constraint, estimate, verdict, confidence, row["ci_method"], note))
    return judged


SHARE_METHOD = "verdict on the share of values within the threshold (mean over replications, Hall)"


def _share(
    kpis: pl.DataFrame,
    histograms: pl.DataFrame | None,
    constraint: Constraint,
    confidence: float,
) -> Share | None:
    """A quantile constraint's share within its threshold over ``kpis``' replications, or
    None (not a quantile KPI, no histograms, or :data:`QUANTILE_AS_SHARE` off)."""
    found = quantile_of(constraint.target.kpi)
    if not QUANTILE_AS_SHARE or found is None or histograms is None:
        return None
    q, key = found
    replications = kpis["replication"].unique().sort().to_list()
    rows = histograms.filter(pl.col("sample") == key)
    if rows.is_empty():
        return None
    return share_of(rows, replications, constraint.target, q, constraint.epsilon, confidence)


def plan_status(judgements: Sequence[Judgement]) -> Status:
    """The plan's status from its constraints' verdicts (see the module doc)."""
    verdicts = {j.verdict for j in judgements}
    if "fail" in verdicts:
        return "infeasible"
    if "undecided" in verdicts:
        return "undecided"
    return "tie" if "tie" in verdicts else "feasible"


def settled(judgements: Sequence[Judgement]) -> bool:
    """Whether more replications can change nothing: a failure, every constraint decided,
    or only constraints left that the tail guard keeps open."""
    if any(j.verdict == "fail" for j in judgements):
        return True
    return all(j.verdict != "undecided" or j.note for j in judgements)

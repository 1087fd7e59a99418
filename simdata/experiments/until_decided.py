"""How many replications: run batches until every target is decided (``--until-decided``).

A fixed replication count is a guess; too few leave targets undecided, too many waste
hours. ``--until-decided`` looks at the results after 10 replications, then after each
doubling (10, 20, 40, 80, 160, … and the cap), and stops at the first look where:

- **with targets**: every target is decided — its CI wholly on one side (pass or fail);
- **without targets**: every KPI is precise — its CI half-width at most ``precision`` times
  its |mean| (relative precision, the sequential procedure of Law 2015, *Simulation
  Modeling and Analysis*, §9.4.1, after Chow & Robbins 1965), or below an absolute floor
  for its unit when the KPI is near 0 (a relative width means nothing there);
- always at the cap (``--max-replications``).

Looking repeatedly at growing data and stopping on the first decision inflates the error
rate of a fixed-level CI. The looks therefore share α (Bonferroni over looks: conservative,
valid for any dependence between them — cf. Jennison & Turnbull 2000, *Group Sequential
Methods*, §2), look k with n_k replications getting ``α_k = α · n_k² / Σ n_j²`` (a
quadratic spending: little at 10 replications, most at the cap), and a target's CI at a
look is Hall's skewness-corrected t (:func:`simdata.analysis.stats.hall_interval`) — a
quantile target's is its sectioning CI. Both choices are measured, not assumed: replication
means of waits on short runs are right-skewed (skewness 1.5), and the plain t with equal
shares judged a target set at the true mean "pass" in 5.5 % of sequences where the promise
is 2.5 % per side; this rule gives 2.4 % (docs/statistics.md, tested by resampling in
tests/validation/test_sequential_rule.py). A target whose true value is on one side is then
judged on the wrong side with probability at most α/2 on each side. The summary's targeted
rows carry the CI of the look the run stopped at, at its level. The functions here are
pure: they see a KPI table and return a look.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.stats import Estimate, t_interval
from simdata.analysis.summary import estimates
from simdata.analysis.targets import judge
from simdata.errors import UsageError
from simdata.scenario.models import MAX_REPLICATIONS, Target

FIRST_LOOK = 10
ALPHA = 0.05
#: Half-widths below which a KPI near 0 counts as precise, per unit: a tenth of a
#: percentage point, half a count, a microsecond, 10⁻⁶/s, a hundredth of a working day,
#: half a yuan.
ABSOLUTE_FLOOR = {
    "fraction": 1e-3,
    "count": 0.5,
    "s": 1e-6,
    "1/s": 1e-6,
    "workday": 1e-2,
    "yuan": 0.5,
}

Reason = Literal["decided", "precise", "cap", "continue"]


@dataclass(frozen=True)
class StoppingRule:
    """``--until-decided`` settings: the cap, the relative precision, the overall α."""

    max_replications: int = 200
    precision: float = 0.05
    alpha: float = ALPHA
    first: int = FIRST_LOOK

    def __post_init__(self) -> None:
        if not 2 <= self.max_replications <= MAX_REPLICATIONS:
            raise UsageError(
                f"--max-replications: expected an integer from 2 to {MAX_REPLICATIONS:,}, got "
                f"{self.max_replications}"
            )
        if not 0 < self.precision < 1:
            raise UsageError(f"--precision: expected a number in (0, 1), got {self.precision}")

    def looks(self) -> list[int]:
        """Replication counts at which the rule looks: 10, 20, 40, … and the cap."""
        counts = []
        n = min(self.first, self.max_replications)
        while n < self.max_replications:
            counts.append(n)
            n *= 2
        return [*counts, self.max_replications]

    def confidence_at(self, n: int) -> float:
        """The two-sided level of the CIs at the look after ``n`` replications:
        ``1 − α·n²/Σ n_j²`` over the planned looks (1 − α at the cap with one look)."""
        looks = self.looks()
        if n not in looks:
            raise ValueError(f"no look at {n} replications: the looks are {looks}")
        return 1 - self.alpha * n**2 / sum(k**2 for k in looks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_replications": self.max_replications,
            "precision": self.precision,
            "alpha": self.alpha,
            "first": self.first,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoppingRule:
        return cls(
            max_replications=int(data["max_replications"]),
            precision=float(data["precision"]),
            alpha=float(data["alpha"]),
            first=int(data["first"]),
        )


@dataclass(frozen=True)
class Look:
    """One look: after ``n`` replications, stop or not, and what is still open."""

    n: int
    confidence: float
    reason: Reason
    #: Undecided targets (``kpi op value``) or imprecise KPIs at this look.
    open: tuple[str, ...]
    #: Targets that more replications cannot decide (a quantile with too few tail
    #: samples per replication: the run must be longer, not repeated more often).
    guarded: tuple[str, ...] = ()

    @property
    def stop(self) -> bool:
        return self.reason != "continue"

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "confidence": self.confidence,
            "reason": self.reason,
            "open": list(self.open),
            "guarded": list(self.guarded),
        }


def undecided_targets(
    kpis: pl.DataFrame,
    targets: Sequence[Target],
    confidence: float,
    histograms: pl.DataFrame | None = None,
) -> tuple[list[str], list[str]]:
    """``(open, guarded)``: targets whose CI at ``confidence`` still straddles their value
    (or has n < 2), and targets on a quantile with too few tail samples, which wait for a
    longer run.horizon, not for more replications. Means get Hall's skewness-corrected t;
    quantile KPIs are pooled as in the summary (:func:`simdata.analysis.summary.estimates`)."""
    chosen = kpis.filter(pl.col("kpi").is_in([t.kpi for t in targets]))
    found = estimates(chosen, histograms, confidence, interval="hall")
    rows = {row["kpi"]: row for row in found.to_dicts()}
    open_, guarded = [], []
    for target in targets:
        row = rows.get(target.kpi)
        text = f"{target.kpi} {target.describe()}"
        if row is not None and row["note"]:
            guarded.append(text)
            continue
        estimate = (
            Estimate(row["mean"], row["ci_low"], row["ci_high"], row["std"], row["n"])
            if row is not None
            else Estimate(math.nan, math.nan, math.nan, math.nan, 0)
        )
        if judge(target, estimate) == "undecided":
            open_.append(text)
    return open_, guarded


def imprecise_kpis(kpis: pl.DataFrame, precision: float, confidence: float) -> list[str]:
    """KPIs whose CI half-width exceeds ``precision``·|mean| and their unit's floor.

    KPIs undefined in every replication so far are skipped; one defined in a single
    replication is imprecise (it has no CI).
    """
    open_ = []
    for name in kpis["kpi"].unique(maintain_order=True).to_list():
        estimate = t_interval(kpis.filter(pl.col("kpi") == name)["value"].to_numpy(), confidence)
        if estimate.n == 0:
            continue
        if estimate.n < 2:
            open_.append(name)
            continue
        half = (estimate.ci_high - estimate.ci_low) / 2
        kpi = REGISTRY.get(kpi_names.base_of(name))
        floor = ABSOLUTE_FLOOR.get(kpi.unit, 0.0) if kpi else 0.0
        if not (half <= precision * abs(estimate.mean) or half <= floor or math.isclose(half, 0)):
            open_.append(name)
    return open_


def look(
    kpis: pl.DataFrame,
    n: int,
    targets: Sequence[Target],
    rule: StoppingRule,
    histograms: pl.DataFrame | None = None,
) -> Look:
    """Judge the first ``n`` replications' KPIs (``replication, kpi, value``) and the
    quantile KPIs' sample histograms. A guarded target does not hold the rule open."""
    confidence = rule.confidence_at(n)
    guarded: list[str] = []
    if targets:
        open_, guarded = undecided_targets(kpis, targets, confidence, histograms)
        done: Reason = "decided"
    else:
        open_ = imprecise_kpis(kpis, rule.precision, confidence)
        done = "precise"
    if not open_:
        return Look(n, confidence, done, (), tuple(guarded))
    reason: Reason = "cap" if n >= rule.max_replications else "continue"
    return Look(n, confidence, reason, tuple(open_), tuple(guarded))


def describe(looks: Sequence[Look], rule: StoppingRule, has_targets: bool) -> str:
    """One line: the looks taken and why the run stopped."""
    if not looks:
        return "until-decided: no look taken"
    last = looks[-1]
    taken = ", ".join(f"n={one.n} ({len(one.open)} open)" for one in looks[:-1])
    taken = f"{taken}, n={last.n}" if taken else f"n={last.n}"
    first, cap = rule.looks()[0], rule.looks()[-1]
    level = (
        f"look k at 1 − α·n_k²/Σn² (α={rule.alpha:g}: {rule.confidence_at(first):.3%} at "
        f"n={first} … {rule.confidence_at(cap):.2%} at n={cap}), skewness-corrected t"
    )
    if last.reason == "decided":
        why = "every target decided"
        if last.guarded:
            why = (
                f"every target decided but {len(last.guarded)} that more replications cannot "
                f"decide — too few tail samples, lengthen run.horizon: "
                + ", ".join(last.guarded[:5])
            )
    elif last.reason == "precise":
        why = f"every KPI's CI half-width within {rule.precision:.0%} of its mean (or its floor)"
    else:
        what = "target(s) undecided" if has_targets else "KPI(s) not yet precise"
        why = (
            f"reached --max-replications {rule.max_replications} with {len(last.open)} {what}: "
            + ", ".join(last.open[:5])
            + (" …" if len(last.open) > 5 else "")
        )
    return f"until-decided: looks at {taken}; {level}; stopped: {why}"

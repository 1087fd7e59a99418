"""Verdicts on targets: pass only when the whole CI satisfies the target.

A target ``kpi <= v`` **passes** when the KPI's 95% CI lies wholly at or below ``v``,
**fails** when it lies wholly above, and is **undecided** otherwise — including when fewer
than two replications define the KPI. Never call a target met on a point estimate.

When every replication gave the same value (0 % rejected, 100 % within the SLA) the CI has
zero width and says nothing about the spread a longer or larger run would show: such a KPI
is judged only from :data:`MIN_EQUAL` replications on (if the probability that a
replication differs were 15 % or more, 20 equal ones would happen less than 4 % of the
time: 0.85²⁰ = 0.039), and is undecided below.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from typing import Literal

from simdata.analysis.stats import Estimate
from simdata.scenario.models import Target

Verdict = Literal["pass", "fail", "undecided"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "undecided")

_HOLDS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
#: Replications needed to judge a KPI on which every replication agreed (zero-width CI).
MIN_EQUAL = 20


def judge(target: Target, estimate: Estimate) -> Verdict:
    """The verdict of one target given its KPI's estimate."""
    if estimate.n < 2 or math.isnan(estimate.ci_low) or math.isnan(estimate.ci_high):
        return "undecided"
    if estimate.std == 0 and estimate.n < MIN_EQUAL:
        return "undecided"
    holds = _HOLDS[target.op]
    low_ok = holds(estimate.ci_low, target.value)
    high_ok = holds(estimate.ci_high, target.value)
    if low_ok and high_ok:
        return "pass"
    if not low_ok and not high_ok:
        return "fail"
    return "undecided"


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """Several targets on one KPI: fail if any fails, else undecided if any is, else pass."""
    seen = set(verdicts)
    if "fail" in seen:
        return "fail"
    if "undecided" in seen:
        return "undecided"
    return "pass"

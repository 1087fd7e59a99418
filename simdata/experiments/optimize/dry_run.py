"""``simdata optimize --dry-run``: the design space, the α split and a time estimate from one
pilot replication of the base scenario, before any plan runs."""

from __future__ import annotations

from dataclasses import dataclass

from simdata.experiments import sizing
from simdata.experiments.optimize.experiment import Bound
from simdata.experiments.replication import run_replication
from simdata.experiments.sizing import duration_text


@dataclass(frozen=True)
class DryRun:
    """What ``--dry-run`` prints: the space, the α split and the time bounds."""

    bound: Bound
    seconds_per_replication: float
    how: str

    def lines(self, workers: int) -> list[str]:
        bound, budget, rule = self.bound, self.bound.budget, self.bound.rule
        looks = rule.looks()
        first = duration_text(
            budget.plans_bound * looks[0] * self.seconds_per_replication / workers
        )
        most = duration_text(
            budget.plans_bound * looks[-1] * self.seconds_per_replication / workers
        )
        design = bound.loaded.design
        sizes = " × ".join(str(size) for size in bound.sizes)
        if bound.monotone:
            space = (
                f"{design.name}: {bound.space_size:,} plans ({sizes} lever values), "
                f"at most {budget.plans_bound} evaluated; {len(bound.constraints)} constraint(s)"
            )
        else:
            explore_s = design.trials * design.first_replications * self.seconds_per_replication
            first = duration_text(
                (explore_s + budget.plans_bound * looks[0] * self.seconds_per_replication) / workers
            )
            most = duration_text(
                (explore_s + budget.plans_bound * looks[-1] * self.seconds_per_replication)
                / workers
            )
            count = (
                "a continuum of" if bound.space_size == float("inf") else f"{bound.space_size:,.0f}"
            )
            space = (
                f"{design.name}: {count} plans; Optuna (TPE) explores {design.trials} "
                f"(× {design.first_replications} replications, batches of {design.batch}), "
                f"the best {budget.plans_bound} are confirmed; "
                f"{len(bound.constraints)} constraint(s)"
            )
        lines = [
            space,
            f"α = {budget.alpha_feasibility:.3g} split over {budget.plans_bound} × "
            f"{len(bound.constraints)} judgements: α_j = {budget.alpha_per_judgement:.3g}; "
            f"looks at {', '.join(map(str, looks))} replications",
            f"{self.how} {self.seconds_per_replication:.2f} s → about {first} if every plan "
            f"is decided at its first look, at most {most}, on {workers} worker(s)",
        ]
        if budget.alpha_selection:
            lines.insert(
                2,
                f"KPI objective {bound.objective_kpi}: KN selection among the plans that meet "
                f"the targets gets α = {budget.alpha_selection:.3g}, feasibility "
                f"{budget.alpha_feasibility:.3g} (plus KN's own replications)",
            )
        return lines


def dry_run(bound: Bound) -> DryRun:
    """Time one replication of the base scenario (or estimate it when it is long)."""
    size = sizing.estimate(bound.scenario)
    if size.core_s_per_replication > sizing.ANNOUNCE_S:
        return DryRun(bound, size.core_s_per_replication, "estimated replication (no pilot)")
    timed = run_replication(bound.scenario, 0, bound.root_seed).runtime_s
    return DryRun(bound, timed, "pilot replication (base scenario)")

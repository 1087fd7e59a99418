"""Write fitted values as a scenario: ``extends: BASE`` plus the fitted fields, commented.

Every fitted value fills exactly one scenario field and carries a ``# D:`` comment (D =
fitted from data, beside the S/O/A marks of the shipped scenarios) naming the log file and
its sha256, the sample size, the estimate and its 95 % CI, and — for a duration — each
family's AIC and goodness-of-fit p-value. Lists replace in ``extends``
(scenario/loader.py), so ``requesters.groups`` is written whole: the base's groups with the
fitted rate, plus a group for a kind the base lacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from simdata.experiments.fit.censored import FamilyFit
from simdata.experiments.fit.counts import RateFit, ShareFit


@dataclass
class Fitted:
    """What a requests fit found, ready to be written."""

    source: str
    sha256: str
    rates: list[RateFit] = field(default_factory=list)
    channel_mix: dict[str, dict[str, float]] = field(default_factory=dict)
    review: list[FamilyFit] = field(default_factory=list)
    review_n: tuple[int, int] = (0, 0)
    reject: ShareFit | None = None
    auto: ShareFit | None = None
    notes: list[str] = field(default_factory=list)
    #: Parameters the base's review_effort sets: those the fit does not use are nulled,
    #: since ``extends`` merges mappings key by key.
    base_review_keys: tuple[str, ...] = ()


def num(value: float) -> str:
    """Four significant digits, as a planner reads them."""
    return f"{value:.4g}"


def _flow(value: Any) -> str:
    text = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6
    )
    return text.strip().removesuffix("...").strip()


def _ci(low: float, high: float, unit: str = "") -> str:
    return f"95% CI [{num(low)}, {num(high)}]{unit}"


def p_text(p: float | None) -> str:
    """A p-value as a planner reads it (at the bootstrap's resolution)."""
    if p is None or p != p:
        return "—"
    return f"{p:.3f}" if p >= 0.001 else "<0.001"


def gof_text(fit: FamilyFit, total: int) -> str:
    """``GoF p = …`` of a family fitted on ``total`` rows, with what was tested."""
    if fit.gof is None:
        return "GoF not tested"
    gof = fit.gof
    kind = "vs Kaplan-Meier, " if gof.censored else ""
    sub = f"on a random subsample of {gof.n}, " if gof.n < total else ""
    return f"GoF p = {p_text(gof.p_value)} (Anderson-Darling {kind}{sub}{gof.replicates} refits)"


def ranking(families: list[FamilyFit]) -> str:
    """``family AIC (p …)`` for every family, best first."""
    return ", ".join(f"{f.family} {f.aic:.1f} (GoF p {p_text(f.p_value)})" for f in families)


def ranking_table(title: str, families: list[FamilyFit], n: int) -> list[str]:
    """The AIC ranking with GoF p-values as a plain-text table (printed by the CLI)."""
    lines = [f"{title}: n = {n}", f"  {'family':<12} {'AIC':>12} {'ΔAIC':>8} {'GoF p':>7}  tested"]
    for f in families:
        tested = "—" if f.gof is None else f"n = {f.gof.n}, {f.gof.censored} censored"
        lines.append(
            f"  {f.family:<12} {f.aic:>12.1f} {f.aic - families[0].aic:>8.1f} "
            f"{p_text(f.p_value):>7}  {tested}"
        )
    return lines


def _model_text(fit: RateFit) -> str:
    model = fit.model
    if model is None:
        return f"{_ci(*fit.ci)} (t over daily counts)"
    family = (
        "Poisson" if model.family == "poisson" else f"negative binomial (α {num(model.alpha or 0)})"
    )
    effects = "; ".join(
        f"{e.day_type} ×{num(e.factor)} [{num(e.ci[0])}, {num(e.ci[1])}] p {p_text(e.p_value)}"
        for e in model.effects
    )
    days = ", ".join(f"{k} {v}" for k, v in model.days.items() if v)
    return (
        f"{_ci(*fit.ci)} ({family} regression on day type: {days}); overdispersion "
        f"test p {p_text(model.overdispersion_p)}; day-type factors vs regular: "
        f"{effects or 'none'} (joint p {p_text(model.effects_p)})"
    )


def _rate_comment(fit: RateFit) -> str:
    text = (
        f"# D: n = {fit.n} requests over {fit.workdays} workdays; mean per workday "
        f"{num(fit.per_workday)}, {_model_text(fit)}; dispersion var/mean {num(fit.dispersion)}"
    )
    if fit.hours is not None:
        text += (
            f"; {num(100 * fit.hours.office_share)} % in office hours, uniform over office "
            f"time p {p_text(fit.hours.uniform_p)}"
        )
    return text


def hour_lines(fit: RateFit) -> list[str]:
    """The hour-of-day profile of one kind's arrivals as a comment (a diagnostic)."""
    if fit.hours is None:
        return []
    busy = ", ".join(f"{h:02d} {num(100 * s)}%" for h, s in enumerate(fit.hours.share) if s > 0)
    return [f"  # D: {fit.kind} arrivals by hour of day (share): {busy}"]


def _group(kind: str, base: dict[str, Any] | None, fitted: Fitted) -> dict[str, Any]:
    group: dict[str, Any] = dict(base) if base else {"name": kind, "kind": kind}
    group.pop("growth", None)  # the fitted rate is the log's mean: constant
    if base is None:
        mix = fitted.channel_mix.get(kind) or {"sharing" if kind == "government" else "opening": 1}
        if len(mix) == 1:
            group["channel"] = next(iter(mix))
        else:
            group["channel_mix"] = {k: float(num(v)) for k, v in mix.items()}
    return group


def _groups(fitted: Fitted, base_groups: list[dict[str, Any]]) -> list[str]:
    """The ``requesters.groups`` lines: base groups with fitted rates, new kinds appended."""
    rates = {fit.kind: fit for fit in fitted.rates}
    lines = ["requesters:", "  groups:"]
    seen: set[str] = set()
    for base in base_groups:
        kind = str(base.get("kind", "government"))
        fit = rates.get(kind)
        share = 1 / sum(1 for g in base_groups if g.get("kind") == kind)
        if fit is None or fit.per_workday <= 0:
            lines.append(f"    - {_flow(base)}  # kept from the base: no {kind} rows in the log")
            continue
        group = _group(kind, base, fitted)
        group["rate"] = f"{num(fit.per_workday * share)}/workday"
        note = "" if share == 1 else f"; split evenly over the base's {kind} groups"
        lines.append(f"    - {_flow(group)}  {_rate_comment(fit)}{note}")
        seen.add(kind)
    for kind, fit in rates.items():
        if (
            kind not in seen
            and fit.per_workday > 0
            and not any(g.get("kind") == kind for g in base_groups)
        ):
            group = _group(kind, None, fitted)
            group["rate"] = f"{num(fit.per_workday)}/workday"
            lines.append(f"    - {_flow(group)}  {_rate_comment(fit)}")
    for fit in fitted.rates:
        lines += hour_lines(fit)
    return lines


def _review_lines(fitted: Fitted) -> list[str]:
    best = fitted.review[0]
    dist: dict[str, Any] = {"dist": best.family}
    for name, value in best.params.items():
        dist[name] = f"{num(value)} h" if name in ("mean", "median") else float(num(value))
    for key in fitted.base_review_keys:
        dist.setdefault(key, None)
    cis = "; ".join(
        f"{name} {_ci(*fit_ci, ' h' if name in ('mean', 'median') else '')}"
        for name, fit_ci in best.ci.items()
    )
    ended, still_open = fitted.review_n
    return [
        f"  review_effort: {_flow(dist)}",
        f"  # D: review start→end in working time, n = {ended + still_open} reviews "
        f"({still_open} still open, right-censored); censored MLE; {cis}; "
        f"{gof_text(best, ended + still_open)}",
        f"  # D: AIC (lower is better): {ranking(fitted.review)}",
    ]


def summary(fitted: Fitted) -> str:
    """What ``simdata fit`` prints beside the scenario: rates and the AIC/GoF ranking."""
    lines = []
    if fitted.rates:
        lines.append("arrivals per workday (count regression on day type):")
        for fit in fitted.rates:
            model = fit.model
            how = "t over daily counts" if model is None else model.family
            extra = ""
            if model is not None:
                effects = " ".join(f"{e.day_type} ×{num(e.factor)}" for e in model.effects)
                extra = f"  overdispersion p {p_text(model.overdispersion_p)}  {effects}"
            lines.append(
                f"  {fit.kind:<11} {num(fit.per_workday):>8}  {_ci(*fit.ci)}  {how}{extra}".rstrip()
            )
    if fitted.review:
        ended, still_open = fitted.review_n
        lines += ranking_table(
            f"review time, working hours ({still_open} still open)",
            fitted.review,
            ended + still_open,
        )
    return "\n".join(lines) + "\n" if lines else ""


def _share_line(field_name: str, fit: ShareFit, what: str) -> str:
    return (
        f"  {field_name}: {num(fit.share)}  # D: {fit.hits} of {fit.n} {what}; Wilson "
        f"{_ci(*fit.ci)}"
    )


def scenario_text(
    fitted: Fitted, extends: str | None, base_groups: list[dict[str, Any]], name: str
) -> str:
    """The fitted scenario's YAML text (a fragment when there is no base)."""
    lines = [
        f"# Fitted by simdata fit from {fitted.source} (sha256 {fitted.sha256}).",
        "# D = fitted from data; every other value comes from the base scenario.",
        *(f"# note: {note}" for note in fitted.notes),
        f"name: {_flow(name)}",
    ]
    if extends is not None:
        lines.append(f"extends: {_flow(extends)}")
    if fitted.rates:
        lines += _groups(fitted, base_groups)
    policy: list[str] = []
    if fitted.review:
        policy += _review_lines(fitted)
    if fitted.reject is not None and fitted.reject.n > 0:
        policy.append(_share_line("reject_probability", fitted.reject, "reviewed requests refused"))
    if fitted.auto is not None and fitted.auto.n > 0:
        policy.append(
            _share_line("auto_approval_share", fitted.auto, "conditional requests auto-approved")
        )
    if policy:
        lines += ["policy:", *policy]
    return "\n".join(lines) + "\n"

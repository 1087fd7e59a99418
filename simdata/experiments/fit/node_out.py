"""Write a node fit as a scenario's ``resolution`` section, each value commented ``# D:``.

Durations were fitted in milliseconds and are written in ms. The base's duration fields
merge key by key under ``extends`` when the family is the same, so a base parameter the
fitted family does not use (a lognormal's ``cv`` when the fit writes ``median`` and
``sigma``) is written as null; a fit of another family replaces the base's mapping whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simdata.experiments.fit.censored import FamilyFit
from simdata.experiments.fit.counts import ShareFit
from simdata.experiments.fit.scenario_out import (
    _ci,
    _flow,
    gof_text,
    num,
    ranking,
    ranking_table,
)
from simdata.experiments.fit.traffic_fit import TrafficFit


@dataclass(frozen=True)
class ServiceFit:
    """A duration fitted over the families (best first), with its measured and censored n."""

    families: list[FamilyFit]
    n: int
    censored: int


@dataclass
class NodeFitted:
    """What a node fit found, ready to be written."""

    source: str
    sha256: str
    traffic: TrafficFit | None = None
    hit_ratio: ShareFit | None = None
    hit_time: ServiceFit | None = None
    service: ServiceFit | None = None
    #: The column the service time was fitted on: ``latency_s`` (an upper bound) or ``service_s``.
    service_from: str = "latency_s"
    notes: list[str] = field(default_factory=list)
    #: Per duration field, the base's family then the keys it sets (nulled when the fit has
    #: the same family and does not use them; another family replaces the base's whole).
    base_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _traffic_lines(fit: TrafficFit) -> list[str]:
    basis = "weekdays" if fit.weekday_basis else "every day (fewer than 2 weekdays)"
    normal = "weekday" if fit.weekday_basis else "all-day"
    lines = [
        "  traffic:",
        f"    rate: {num(fit.rate_per_s)}/s  # D: n = {fit.n} requests over {fit.days} days; "
        f"mean over {basis}, {_ci(*fit.rate_ci, '/s')} (t over daily counts); dispersion "
        f"var/mean of daily counts {num(fit.dispersion)}",
        f"    weekday_factor: 1  # D: normalisation: rate is the {normal} mean",
    ]
    if fit.weekend_factor is not None and fit.weekend_ci is not None:
        lines.append(
            f"    weekend_factor: {num(fit.weekend_factor)}  # D: weekend over weekday daily "
            f"mean, {fit.weekend_days} weekend days, {fit.weekdays} weekdays; "
            f"{_ci(*fit.weekend_ci)} (log ratio, Welch t)"
        )
    elif not fit.weekday_basis:
        lines.append("    weekend_factor: 1  # D: normalisation: rate is the all-day mean")
    weights = [float(f"{w:.3g}") for w in fit.hourly_weights]
    lines.append(
        f"    hourly_weights: {_flow(weights)}  # D: arrivals per hour of day over the log, "
        f"mean 1; each within ±{num(100 * fit.hourly_halfwidth)} % (95 %, Poisson) or better"
    )
    return lines


def _duration_lines(indent: str, key: str, fit: ServiceFit, base: tuple[str, ...]) -> list[str]:
    best = fit.families[0]
    dist: dict[str, Any] = {"dist": best.family}
    for name, value in best.params.items():
        dist[name] = f"{num(value)} ms" if name in ("mean", "median") else float(num(value))
    if base and base[0] == best.family:  # same family: merged key by key under extends
        for name in base[1:]:
            dist.setdefault(name, None)
    cis = "; ".join(
        f"{name} {_ci(*ci, ' ms' if name in ('mean', 'median') else '')}"
        for name, ci in best.ci.items()
    )
    return [
        f"{indent}{key}: {_flow(dist)}",
        f"{indent}# D: n = {fit.n + fit.censored} ({fit.censored} timed out, right-censored); "
        f"censored MLE; {cis}; {gof_text(best, fit.n + fit.censored)}",
        f"{indent}# D: AIC (lower is better): {ranking(fit.families)}",
    ]


def node_summary(fitted: NodeFitted) -> str:
    """What ``simdata fit`` prints beside the scenario: each duration's AIC/GoF ranking."""
    lines = []
    for title, fit in (
        ("cache.hit_time, ms", fitted.hit_time),
        ("service_time, ms", fitted.service),
    ):
        if fit is not None:
            title = f"{title} ({fit.censored} timed out)"
            lines += ranking_table(title, fit.families, fit.n + fit.censored)
    return "\n".join(lines) + "\n" if lines else ""


def node_text(fitted: NodeFitted, extends: str | None, name: str) -> str:
    """The fitted scenario's YAML text (a fragment when there is no base)."""
    lines = [
        f"# Fitted by simdata fit from {fitted.source} (sha256 {fitted.sha256}).",
        "# D = fitted from data; every other value comes from the base scenario.",
        *(f"# note: {note}" for note in fitted.notes),
        f"name: {_flow(name)}",
    ]
    if extends is not None:
        lines.append(f"extends: {_flow(extends)}")
    lines.append("resolution:")
    if fitted.traffic is not None:
        lines += _traffic_lines(fitted.traffic)
    if fitted.hit_ratio is not None:
        share = fitted.hit_ratio
        lines += [
            "  cache:",
            f"    hit_ratio: {num(share.share)}  # D: {share.hits} of {share.n} requests "
            f"answered from the cache; Wilson {_ci(*share.ci)}",
        ]
        if fitted.hit_time is not None:
            base = fitted.base_keys.get("hit_time", ())
            lines += _duration_lines("    ", "hit_time", fitted.hit_time, base)
    if fitted.service is not None:
        base = fitted.base_keys.get("service_time", ())
        lines += _duration_lines("  ", "service_time", fitted.service, base)
        what = (
            "the servers' own time (service_s)"
            if fitted.service_from == "service_s"
            else "cache misses' end-to-end latency: an UPPER BOUND on service time"
        )
        lines.append(f"  # D: service_time fitted on {what}")
    return "\n".join(lines) + "\n"

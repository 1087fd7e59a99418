"""Write an enterprises fit as a scenario's ``enterprises`` section, each value ``# D:``.

Adoption is written in the model's parameterisation (Poisson: ``rate`` per month and
compounding ``growth`` %/month; Bass: ``p``, ``q`` per month and an integer
``market_size``); ``ramp_time`` in months; ``final_identifiers`` and ``usage_intensity`` as
plain numbers. Under ``extends`` a mapping of the base's family (or adoption model) merges key
by key, so a base key the fitted parameterisation does not use is written as null; another
family replaces the base's mapping whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from simdata.experiments.fit.censored import Z95
from simdata.experiments.fit.enterprises_adoption import AdoptionFit, Estimate
from simdata.experiments.fit.enterprises_dists import DistFit
from simdata.experiments.fit.enterprises_log import EnterprisesLog
from simdata.experiments.fit.goodness import GofResult
from simdata.experiments.fit.scenario_out import _flow, num
from simdata.scenario.identifiers.enterprises import MAX_MARKET_SIZE
from simdata.scenario.units import DAY_S, DURATION_UNITS

MONTH_DAYS = DURATION_UNITS["month"] / DAY_S
YEAR_DAYS = DURATION_UNITS["year"] / DAY_S
ADOPTION_MODEL = {"poisson-growth": "poisson", "poisson": "poisson", "bass": "bass"}


@dataclass
class EnterprisesFitted:
    """What an enterprises fit found, ready to be written."""

    source: str
    sha256: str
    log: EnterprisesLog
    adoption: list[AdoptionFit] = field(default_factory=list)
    dists: dict[str, list[DistFit]] = field(default_factory=dict)
    #: Per distribution field: what its n counts, for the comment.
    samples: dict[str, str] = field(default_factory=dict)
    cases: Estimate | None = None
    #: cases.per_identifier (per identifier per day), fitted when the base sets it.
    per_identifier: Estimate | None = None
    cases_n: tuple[int, float] = (0, 0.0)  # cases, enterprise-days
    notes: list[str] = field(default_factory=list)
    #: Per field, the base's family (or adoption model) then the keys it sets.
    base_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Goodness of fit of the best family, per distribution field that has a test.
    gof: dict[str, GofResult] = field(default_factory=dict)


def _ci(estimate: Estimate, scale: float = 1.0, unit: str = "") -> str:
    low, high = estimate.ci(Z95)
    return f"95% CI [{num(low * scale)}, {num(high * scale)}]{unit}"


def _growth_percent(g: float) -> float:
    return 100 * math.expm1(g)


def _adoption_lines(fits: list[AdoptionFit], base: tuple[str, ...]) -> list[str]:
    best = fits[0]
    model = ADOPTION_MODEL[best.model]
    written: dict[str, Any] = {"model": model}
    p = best.params
    if best.model == "bass":
        written["p"] = float(num(min(p["p"].value, 1.0)))
        written["q"] = float(num(min(p["q"].value, 1.0)))
        written["market_size"] = min(round(p["market_size"].value), MAX_MARKET_SIZE)
        cis = "; ".join(f"{k} {_ci(p[k])}" for k in ("p", "q", "market_size"))
    else:
        written["rate"] = f"{num(p['rate'].value)}/month"
        cis = f"rate {_ci(p['rate'], unit='/month')}"
        if "growth" in p:
            written["growth"] = f"{num(_growth_percent(p['growth'].value))}%/month"
            low, high = p["growth"].ci(Z95)
            cis += (
                f"; growth 95% CI [{num(_growth_percent(low))}, "
                f"{num(_growth_percent(high))}]%/month"
            )
    if base and base[0] == model:  # same model: merged key by key under extends
        for key in base[1:]:
            written.setdefault(key, None)
    ranking = ", ".join(f"{f.model} {f.aic:.1f}" for f in fits)
    return [
        f"  adoption: {_flow(written)}",
        f"  # D: n = {best.n} enterprises joining over {num(best.span_months)} months; "
        f"MLE, time 0 at the log's first day; {cis}",
        f"  # D: AIC (lower is better): {ranking}",
    ]


def _value(name: str, key: str, value: float) -> Any:
    if name == "ramp_time" and key in ("mean", "median"):
        return f"{num(value / MONTH_DAYS)} month"
    return float(num(value))


def _gof_text(name: str, gof: GofResult | None) -> str:
    if name == "usage_intensity":
        return "GoF: none for a Poisson mixture (AIC only)"
    if gof is None:
        return "GoF: not computed"
    censored = f", {gof.censored} right-censored" if gof.censored else ""
    left_out = "; interval-censored left out" if name == "ramp_time" else ""
    return (
        f"GoF: Anderson-Darling p = {gof.p_value:.3g} (n = {gof.n}{censored}, "
        f"{gof.replicates} bootstrap refits{left_out})"
    )


def _dist_lines(
    name: str, fits: list[DistFit], sample: str, base: tuple[str, ...], gof: GofResult | None
) -> list[str]:
    best = fits[0]
    written: dict[str, Any] = {"dist": best.family}
    for key, estimate in best.params.items():
        written[key] = _value(name, key, estimate.value)
    if base and base[0] == best.family:
        for key in base[1:]:
            written.setdefault(key, None)
    cis = []
    for key, estimate in best.params.items():
        month = name == "ramp_time" and key in ("mean", "median")
        cis.append(
            f"{key} {_ci(estimate, 1 / MONTH_DAYS if month else 1, ' month' if month else '')}"
        )
    ranking = ", ".join(f"{f.family} {f.aic:.1f}" for f in fits)
    return [
        f"  {name}: {_flow(written)}",
        f"  # D: {sample}; {'; '.join(cis)}",
        f"  # D: AIC (lower is better): {ranking}; {_gof_text(name, gof)}",
    ]


def _cases_lines(fitted: EnterprisesFitted) -> list[str]:
    assert fitted.cases is not None
    count, days = fitted.cases_n
    written: dict[str, Any] = {"rate": f"{num(fitted.cases.value * YEAR_DAYS)}/year"}
    per_id = fitted.per_identifier
    if per_id is None:
        how = f"exact Poisson {_ci(fitted.cases, YEAR_DAYS, '/year')}"
        for key in fitted.base_keys.get("cases", ()):
            written[key] = None
    else:
        written["per_identifier"] = f"{num(per_id.value * YEAR_DAYS)}/year"
        how = (
            f"rate + per_identifier × identifiers, MLE on the enterprises joining in the log; "
            f"rate {_ci(fitted.cases, YEAR_DAYS, '/year')}; per_identifier "
            f"{_ci(per_id, YEAR_DAYS, '/year')}"
        )
    return [
        f"  cases: {_flow(written)}",
        f"  # D: {count} cases over {num(days)} enterprise-days; {how}",
    ]


def enterprises_text(fitted: EnterprisesFitted, extends: str | None, name: str) -> str:
    """The fitted scenario's YAML text (a fragment when there is no base)."""
    log = fitted.log
    last = log.month_start(log.months - 1)
    lines = [
        f"# Fitted by simdata fit from {fitted.source} (sha256 {fitted.sha256}).",
        f"# Log: {len(log.names)} enterprises, {log.months} months "
        f"({log.first_month:%Y-%m}..{last:%Y-%m}).",
        "# D = fitted from data; every other value comes from the base scenario.",
        *(f"# note: {note}" for note in fitted.notes),
        f"name: {_flow(name)}",
    ]
    if extends is not None:
        lines.append(f"extends: {_flow(extends)}")
    lines.append("enterprises:")
    if fitted.adoption:
        lines += _adoption_lines(fitted.adoption, fitted.base_keys.get("adoption", ()))
    for field_name, fits in fitted.dists.items():
        base = fitted.base_keys.get(field_name, ())
        gof = fitted.gof.get(field_name)
        lines += _dist_lines(field_name, fits, fitted.samples[field_name], base, gof)
    if fitted.cases is not None:
        lines += _cases_lines(fitted)
    if lines[-1] == "enterprises:":  # nothing fitted: an empty mapping, not null
        lines[-1] = "enterprises: {}"
    return "\n".join(lines) + "\n"


def _ranking(title: str, head: str, rows: list[tuple[str, float]], p: float | None) -> list[str]:
    best = rows[0][1]
    lines = [title, f"  {head:<16}{'AIC':>10}{'ΔAIC':>9}   GoF p"]
    for index, (name, aic) in enumerate(rows):
        shown = f"{p:.3f}" if index == 0 and p is not None else "—"
        lines.append(f"  {name:<16}{aic:>10.1f}{aic - best:>9.1f}   {shown}")
    return lines


def enterprises_summary(fitted: EnterprisesFitted) -> str:
    """The AIC rankings (and the best family's GoF p) ``simdata fit`` prints beside the YAML."""
    lines: list[str] = []
    if fitted.adoption:
        rows = [(fit.model, fit.aic) for fit in fitted.adoption]
        title = f"adoption: n = {fitted.adoption[0].n} joins"
        lines += _ranking(title, "model", rows, None)
    for name, fits in fitted.dists.items():
        gof = fitted.gof.get(name)
        rows = [(fit.family, fit.aic) for fit in fits]
        p = gof.p_value if gof is not None else None
        lines += _ranking(f"{name}: {fitted.samples[name]}", "family", rows, p)
    return "\n".join(lines) + "\n" if lines else ""

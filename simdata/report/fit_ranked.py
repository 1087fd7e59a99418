"""Ranked fits whose parameters are estimates with their own CIs (``--as enterprises``).

The enterprises fit ranks adoption models (Poisson with growth, Poisson, Bass) and, per
distribution field, families whose parameters are ``Estimate`` objects (a value and a
``ci(z)`` method: Wald on the log, or a profile interval) rather than a ``FamilyFit``'s
floats and CI dict. They are turned into ``FamilyFit`` rows here, in the units the fitted
scenario writes (a ramp time's mean in months, adoption growth in %/month), so the page's
ranking table and value rows show them like every other fit. Duck-typed: the page does not
import the enterprises fit.
"""

from __future__ import annotations

import math
from typing import Any

from simdata.experiments.fit.censored import Z95, FamilyFit
from simdata.report import i18n
from simdata.report.numbers import plain_number
from simdata.scenario.units import DAY_S, DURATION_UNITS

MONTH_DAYS = DURATION_UNITS["month"] / DAY_S
YEAR_DAYS = DURATION_UNITS["year"] / DAY_S

#: Per scenario field: parameters shown in another unit than the fit's — (factor, suffix).
#: Adoption growth is a continuous rate per month, written as a percentage (expm1).
PARAM_UNITS: dict[str, dict[str, tuple[float, str]]] = {
    "enterprises.ramp_time": {
        "mean": (1 / MONTH_DAYS, " month"),
        "median": (1 / MONTH_DAYS, " month"),
    },
    "enterprises.adoption": {"rate": (1.0, "/month"), "growth": (1.0, "%/month")},
}


def is_ranked(value: Any) -> bool:
    """A non-empty list of fits that each carry ``params`` of estimates, ``loglik``, ``aic``."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            hasattr(fit, "params") and hasattr(fit, "aic") and hasattr(fit, "loglik")
            and (hasattr(fit, "family") or hasattr(fit, "model"))
            and all(callable(getattr(p, "ci", None)) for p in fit.params.values())
            for fit in value
        )
    )  # fmt: skip


def _scaled(field: str, key: str, value: float) -> float:
    if field == "enterprises.adoption" and key == "growth":
        return 100 * math.expm1(value)
    factor, _ = PARAM_UNITS.get(field, {}).get(key, (1.0, ""))
    return value * factor


def as_family_fits(field: str, fits: list[Any]) -> list[FamilyFit]:
    """Each fit as a ``FamilyFit`` row (name, parameters and 95 % CIs in written units)."""
    rows = []
    for fit in fits:
        params, ci = {}, {}
        for key, estimate in fit.params.items():
            low, high = estimate.ci(Z95)
            params[key] = _scaled(field, key, float(estimate.value))
            ci[key] = (_scaled(field, key, float(low)), _scaled(field, key, float(high)))
        name = str(getattr(fit, "family", None) or getattr(fit, "model", "?"))
        rows.append(FamilyFit(name, params, ci, float(fit.loglik), float(fit.aic)))
    return rows


def suffix(field: str, key: str) -> str | None:
    """The unit written after parameter ``key`` of ``field``, when it has its own."""
    found = PARAM_UNITS.get(field, {}).get(key)
    return None if found is None else found[1]


def estimate_row(
    name: str, value: Any, counts: Any, lang: str
) -> tuple[float, float, float, str] | None:
    """A lone estimate (the cases rate): per day in the fit, written per year; its n."""
    if not callable(getattr(value, "ci", None)) or not hasattr(value, "value"):
        return None
    low, high = value.ci(Z95)
    scale = YEAR_DAYS if name == "cases" else 1.0
    n = ""
    if isinstance(counts, tuple) and len(counts) == 2:
        count, exposure = (plain_number(float(c), lang) for c in counts)
        n = i18n.text("fit.n.exposure", lang, n=count, exposure=exposure)
    return float(value.value) * scale, float(low) * scale, float(high) * scale, n

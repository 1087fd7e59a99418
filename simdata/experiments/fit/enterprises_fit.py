"""``simdata fit DATA --as enterprises``: a monthly enterprise log → ``enterprises`` fields.

Fields filled (one each): ``enterprises.adoption`` (Poisson with growth, constant Poisson or
Bass, ranked by AIC; :mod:`~simdata.experiments.fit.enterprises_adoption`),
``final_identifiers``, ``ramp_time`` and ``usage_intensity`` (families ranked by AIC;
:mod:`~simdata.experiments.fit.enterprises_months` says what each is measured from) and
``cases.rate`` (cases per enterprise-day, exact Poisson CI). Day-type factors and the batch
interval are the base's (defaults without ``--base``): monthly sums cannot separate them.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from simdata.experiments.fit.enterprises_adoption import Estimate, fit_adoption
from simdata.experiments.fit.enterprises_cases import case_exposure, fit_two_rates
from simdata.experiments.fit.enterprises_dists import fit_censored, fit_intensity
from simdata.experiments.fit.enterprises_log import EnterprisesLog, parse_enterprises
from simdata.experiments.fit.enterprises_months import (
    Days,
    active_days,
    exposure,
    final_counts,
    joiners,
    ramp_data,
)
from simdata.experiments.fit.enterprises_out import (
    EnterprisesFitted,
    enterprises_summary,
    enterprises_text,
)
from simdata.experiments.fit.goodness import goodness_of_fit
from simdata.experiments.fit.reading import read_log
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.identifiers import EnterprisesSpec
from simdata.scenario.loader import load_scenario
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S, DURATION_UNITS

#: Days of the model's month (30.4375 d): adoption times and ramp times are in these.
MONTH_DAYS = DURATION_UNITS["month"] / DAY_S
#: Fewest observations for a distribution fit, and joins for an adoption fit.
MIN_SAMPLE = 10
#: The distribution fields fitted.
DIST_FIELDS = ("final_identifiers", "ramp_time", "usage_intensity")


@dataclass(frozen=True)
class EnterprisesFit:
    """The fit's findings and the scenario text that carries them."""

    fitted: EnterprisesFitted
    text: str
    #: The AIC rankings with the best family's GoF p, printed beside the YAML.
    summary: str = ""


def garwood(count: int, exposure_days: float) -> Estimate:
    """A Poisson rate per day with its exact (Garwood) interval at any level."""

    def interval(z: float) -> tuple[float, float]:
        alpha = 2 * stats.norm.sf(z)
        low = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
        high = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
        return float(low) / exposure_days, float(high) / exposure_days

    return Estimate(count / exposure_days, math.nan, profile=interval)


def _adoption(log: EnterprisesLog, fitted: EnterprisesFitted) -> None:
    inside = joiners(log)
    span = (log.end_date - log.first_month).days / MONTH_DAYS
    times = (log.joined_day[inside] + 0.5) / MONTH_DAYS
    if times.size < MIN_SAMPLE:
        fitted.notes.append(
            f"adoption not fitted: expected at least {MIN_SAMPLE} enterprises joining within "
            f"the log, got {times.size}"
        )
        return
    fitted.adoption = fit_adoption(np.asarray(times, dtype=np.float64), span)


def _distributions(
    log: EnterprisesLog, spec: EnterprisesSpec, days: Days, fitted: EnterprisesFitted, gof: bool
) -> None:
    final, still = final_counts(log)
    ramp = ramp_data(log, days, spec.batch_every_workdays)
    resolutions, expo = exposure(log, days)
    ramp_n = ramp.exact.size + ramp.low.size + ramp.right.size
    sizes = {"final_identifiers": final.size, "ramp_time": ramp_n, "usage_intensity": expo.size}
    fitted.samples = {
        "final_identifiers": f"n = {final.size} enterprises whose registrations stopped "
        f"({still} still registering in the last month left out)",
        "ramp_time": f"n = {ramp_n} enterprises ({ramp.exact.size} measured from their "
        f"monthly pace, {ramp.low.size} within their months, {ramp.right.size} still "
        "registering: right-censored); censored MLE",
        "usage_intensity": f"n = {expo.size} enterprises, {int(resolutions.sum())} resolutions "
        f"over {expo.sum():.4g} identifier working days; Poisson-mixture MLE",
    }
    for name, size in sizes.items():
        if size < MIN_SAMPLE:
            fitted.notes.append(
                f"{name} not fitted: expected at least {MIN_SAMPLE} enterprises, got {size}"
            )
            continue
        if name == "ramp_time" and ramp.exact.size + ramp.low.size == 0:
            # Only lower bounds: the likelihood grows without end as the ramp lengthens.
            fitted.notes.append(
                "ramp_time not fitted: expected enterprises whose ramp ended within the log, "
                f"got {ramp.right.size} all still registering at its end (right-censored)"
            )
            continue
        if name == "final_identifiers":
            fitted.dists[name] = fit_censored(final)
            if gof:
                best = fitted.dists[name][0].family
                fitted.gof[name] = goodness_of_fit(best, final, np.empty(0))
        elif name == "ramp_time":
            fitted.dists[name] = fit_censored(ramp.exact, ramp.low, ramp.high, ramp.right)
            if gof:  # the censored test takes exact and right-censored values, no intervals
                best = fitted.dists[name][0].family
                fitted.gof[name] = goodness_of_fit(best, ramp.exact, ramp.right)
        else:
            fitted.dists[name] = fit_intensity(resolutions, expo)


def _cases(
    log: EnterprisesLog, spec: EnterprisesSpec, days: Days, fitted: EnterprisesFitted
) -> None:
    if log.cases is None:
        fitted.notes.append("cases not fitted: the log has no cases column")
        return
    if spec.cases.per_identifier is None:
        count, exposure_days = int(log.cases.sum()), float(active_days(log).sum())
        fitted.cases = garwood(count, exposure_days)
        fitted.cases_n = (count, exposure_days)
        return
    cases, on_days, identifier_days = case_exposure(log, days)
    fitted.cases, fitted.per_identifier = fit_two_rates(cases, on_days, identifier_days)
    fitted.cases_n = (int(cases.sum()), float(on_days.sum()))


def _base(base: Path | None) -> tuple[Scenario | None, EnterprisesSpec, dict[str, Any]]:
    """The base scenario, its enterprises section (defaults without one) and its keys."""
    scenario = load_scenario(base) if base is not None else None
    spec = scenario.enterprises if scenario is not None else None
    keys: dict[str, tuple[str, ...]] = {}
    if spec is None:
        return scenario, EnterprisesSpec(), keys
    for name in DIST_FIELDS:
        dumped = getattr(spec, name).model_dump(mode="json", by_alias=True, exclude_none=True)
        keys[name] = (str(dumped["dist"]), *(k for k in dumped if k != "dist"))
    adoption = spec.adoption.model_dump(mode="json", exclude_none=True)
    keys["adoption"] = (str(adoption["model"]), *(k for k in adoption if k != "model"))
    keys["cases"] = tuple(k for k in ("per_identifier",) if getattr(spec.cases, k) is not None)
    return scenario, spec, keys


def fit_enterprises(
    data: Path,
    base: Path | None = None,
    renames: Mapping[str, str] = {},
    out: Path | None = None,
    *,
    gof: bool = True,
) -> EnterprisesFit:
    """Fit an enterprises log; the scenario text ``extends`` ``base`` (relative to ``out``).

    ``gof=False`` skips the goodness-of-fit bootstraps (coverage measurements need only the
    estimates and their CIs)."""
    log = parse_enterprises(read_log(data, renames), str(data))
    scenario, spec, keys = _base(base)
    fitted = EnterprisesFitted(data.name, hashlib.sha256(data.read_bytes()).hexdigest(), log)
    fitted.base_keys = keys
    calendar = (scenario.calendar if scenario is not None else None) or CalendarSpec()
    factors = (spec.weekday_factor, spec.weekend_factor, spec.holiday_factor)
    days = Days.of(log, calendar, factors)
    _adoption(log, fitted)
    _distributions(log, spec, days, fitted, gof)
    _cases(log, spec, days, fitted)
    start = scenario.run.start_date if scenario is not None else None
    if fitted.adoption and start is not None and start != log.first_month:
        fitted.notes.append(
            f"adoption is fitted with time 0 at the log's first day ({log.first_month}); the "
            f"base starts on {start}: its rate (and Bass clock) refer to the log's start"
        )
    extends = None
    if base is not None:
        where = (out or Path("fitted.yaml")).resolve().parent
        extends = Path(os.path.relpath(base.resolve(), where)).as_posix()
    name = f"{scenario.name}-fitted" if scenario is not None else f"{data.stem}-fitted"
    text = enterprises_text(fitted, extends, name)
    return EnterprisesFit(fitted, text, enterprises_summary(fitted))

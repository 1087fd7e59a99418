"""Which milestone breakdowns the identifier KPIs accept, for the computable-target check.

``registrations.total_count`` and ``registrations.new_count`` are produced for every year,
quarter and month whose last day the run reaches (a milestone "by the end of 2025" in a run
that stops in June is not computable), and for any day of the run a target names
(``@date=YYYY-MM-DD``); ``subsidy.outlay@year`` for the years from the start to the
deadline. :func:`milestone_values` is the pure function; the domains are registered with
:mod:`simdata.analysis.producible` so that a target outside them is refused at load time.
"""

from __future__ import annotations

import datetime as dt

from simdata.analysis.producible import Domain, DomainOf, register_kpi_dimension, run_days
from simdata.model.identifiers.milestones import DATE, MILESTONE_KPIS, PERIODS, period_label
from simdata.scenario.models import Scenario


def milestone_values(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Dimension → the values the registration KPIs accept in ``scenario``: complete years
    (``2025``), quarters (``2025-Q2``) and months (``2025-06``), and every day of the run
    (``date``). Empty sets for an undated run."""
    span = run_days(scenario)
    if span is None:
        return {dimension: frozenset() for dimension in (*PERIODS, DATE)}
    first, last = span
    after = period_labels(last + dt.timedelta(days=1))
    values: dict[str, set[str]] = {dimension: set() for dimension in (*PERIODS, DATE)}
    day = first
    while day <= last:
        for period, label in period_labels(day).items():
            if label != after[period]:  # the run reaches the period's last day
                values[period].add(label)
        values[DATE].add(day.isoformat())
        day += dt.timedelta(days=1)
    return {dimension: frozenset(found) for dimension, found in values.items()}


def period_labels(day: dt.date) -> dict[str, str]:
    """The year, quarter and month labels of ``day``."""
    return {period: period_label(period, day) for period in PERIODS}


def outlay_years(scenario: Scenario) -> frozenset[str]:
    """The years ``subsidy.outlay@year`` reports: from the start date's to the deadline's."""
    start, subsidy = scenario.run.start_date, scenario.subsidy
    if start is None or subsidy is None:
        return frozenset()
    return frozenset(str(year) for year in range(start.year, subsidy.deadline.year + 1))


def _period_domain(dimension: str) -> DomainOf:
    def domain(scenario: Scenario) -> Domain:
        found = tuple(sorted(milestone_values(scenario)[dimension]))
        if dimension == DATE:
            span = run_days(scenario)
            expected = "a day YYYY-MM-DD of the run"
            if span is not None:
                expected = f"a day YYYY-MM-DD from {span[0]} to {span[1]}"
            days = frozenset(found)
            return Domain(found[:1] + found[-1:], expected, lambda v: v in days)
        if not found:
            return Domain(found, f"a {dimension} whose last day the run reaches (it ends none)")
        return Domain(
            found, f"a {dimension} of the run, {found[0]}–{found[-1]} (it reaches their last day)"
        )

    return domain


for _kpi in MILESTONE_KPIS:
    for _dimension in (*PERIODS, DATE):
        register_kpi_dimension(_kpi, _dimension, _period_domain(_dimension))
register_kpi_dimension(
    "subsidy.outlay",
    "year",
    lambda s: Domain(tuple(sorted(outlay_years(s))), "a year from run.start_date to the deadline"),
)

"""Zhanjiang's subsidy rule [004:70], judged per enterprise per day from its daily counts.

An enterprise on the local secondary node qualifies on the first judged day (every day with
``judge_at: daily``, else each listed application date) on which, together:

* **registrations** — identifiers registered in total (initial stock included) ≥
  ``min_registrations``;
* **resolutions** — the average of daily resolutions over the trailing ``window`` ≥
  ``min_daily_resolutions``. ``N d``: the sum over the N calendar days ending on the judged
  day (inclusive) divided by N, days without a row counting as 0; ``N workday``: the sum
  over the last N working days up to the judged day (inclusive when it is a working day;
  weekends and holidays left out, by the run's calendar) divided by N; ``1 year`` is 365 d.
  Judged only once the enterprise has the whole window on the node, counted from its first
  row (its joining day; the start date for enterprises already on the node, whose earlier
  history is unknown): N days, or N working days. A shorter history would let one busy
  first day pass a "daily average";
* **cases** — innovative application cases in total (initial ones included) ≥ ``min_cases``.

Registrations and cases only grow, but the average can fall back, so the first day all
three hold can be later than the last of the three first days. An enterprise *qualifies*
when that day is on or before ``deadline`` [004:98].

The failed shares are over every enterprise on the node by the last judgement (the
deadline, or the last application date), qualifiers included, so that a variant that
qualifies more enterprises cannot look worse by composition: ``failed_share`` of a
condition is the share that did not qualify and for which the condition did not hold at the
last judgement (an enterprise can miss several, so the shares may add up to more than 1);
``failed_only_share`` the share that did not qualify, met the other two conditions then and
missed this one — those a relaxation of this one condition alone would have qualified at
the last judgement. Time to qualify is counted from joining, over every enterprise that
qualified within the simulated span, leaving out those already on the node at the start
(their joining date is unknown).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from simdata.model.component import World
from simdata.model.frames import (
    ENTERPRISE_DAYS,
    ENTERPRISES,
    NODE_DAYS,
    SUBSIDY,
    SUBSIDY_FAILED,
    SUBSIDY_YEARS,
)
from simdata.model.identifiers.economy import EnterprisesComponent
from simdata.model.identifiers.enterprises import DAY_TYPES, WEEKDAY
from simdata.scenario.identifiers import SubsidySpec
from simdata.scenario.models import Scenario
from simdata.scenario.units import DAY_S

CONDITIONS = ("registrations", "resolutions", "cases")

#: Columns :func:`judge_subsidy` reads from an ``enterprise_days`` frame.
DAY_COLUMNS = ("enterprise", "date", "registrations", "resolutions", "cases")


def judge_days(
    enterprise_days: pl.DataFrame,
    spec: SubsidySpec,
    enterprises: pl.DataFrame | None = None,
    workdays: Collection[dt.date] | None = None,
) -> pl.DataFrame:
    """The daily state of every enterprise: running totals, the window average, the
    conditions ``registrations_met``, ``resolutions_met``, ``cases_met``, ``all_met`` and
    ``judged`` (the day is an application day: every day with ``judge_at: daily``).

    ``enterprises`` (optional; columns ``enterprise`` and any of ``initial_identifiers``,
    ``initial_cases``) adds stock held before the first row. ``workdays`` are the working
    days of the run's calendar, needed by a ``N workday`` window.
    """
    missing = [c for c in DAY_COLUMNS if c not in enterprise_days.columns]
    if missing:
        raise ValueError(f"enterprise_days: expected columns {DAY_COLUMNS}, missing {missing}")
    days = enterprise_days.select(DAY_COLUMNS).sort("enterprise", "date")
    stock = pl.DataFrame(
        {"enterprise": [], "initial_identifiers": [], "initial_cases": []},
        schema={"enterprise": pl.Int64, "initial_identifiers": pl.Int64, "initial_cases": pl.Int64},
    )
    if enterprises is not None:
        stock = enterprises.select(
            pl.col("enterprise").cast(pl.Int64),
            *(
                (pl.col(name) if name in enterprises.columns else pl.lit(0)).cast(pl.Int64)
                for name in ("initial_identifiers", "initial_cases")
            ),
        )
    by_enterprise = pl.col("enterprise")
    dates = spec.application_dates
    judged = pl.lit(True) if dates is None else pl.col("date").is_in(dates)
    return (
        _with_window_mean(days.with_columns(pl.col("enterprise").cast(pl.Int64)), spec, workdays)
        .join(stock, on="enterprise", how="left")
        .sort("enterprise", "date")
        .with_columns(
            identifiers=pl.col("initial_identifiers").fill_null(0)
            + pl.col("registrations").cum_sum().over(by_enterprise),
            cases_total=pl.col("initial_cases").fill_null(0)
            + pl.col("cases").cum_sum().over(by_enterprise),
        )
        .with_columns(
            registrations_met=pl.col("identifiers") >= spec.min_registrations,
            resolutions_met=(pl.col("window_mean") >= spec.min_daily_resolutions).fill_null(False),
            cases_met=pl.col("cases_total") >= spec.min_cases,
            judged=judged,
        )
        .with_columns(
            all_met=pl.col("registrations_met") & pl.col("resolutions_met") & pl.col("cases_met")
        )
    )


def _with_window_mean(
    days: pl.DataFrame, spec: SubsidySpec, workdays: Collection[dt.date] | None
) -> pl.DataFrame:
    """``days`` (sorted by enterprise and date) with ``window_mean``: the trailing window's
    average of daily resolutions, null until the enterprise has the whole window."""
    by_enterprise = pl.col("enterprise")
    count = spec.window.count
    if spec.window.unit == "d":
        history = (pl.col("date") - pl.col("date").min().over(by_enterprise)).dt.total_days() + 1
        trailing = pl.col("resolutions").rolling_sum_by("date", window_size=f"{count}d")
        mean = trailing.over(by_enterprise) / count
        return days.with_columns(window_mean=pl.when(history >= count).then(mean))
    if workdays is None:
        raise ValueError(f"window {spec.window}: a working-day window needs the run's workdays")
    # The window's sum on each working day over that enterprise's last `count` working days,
    # carried over the days off that follow (their window is the same working days).
    working = pl.col("date").is_in(list(workdays))
    sums = (
        days.filter(working)
        .with_columns(
            window_mean=pl.col("resolutions")
            .rolling_sum(count, min_samples=count)
            .over(by_enterprise)
            .cast(pl.Float64)
            / count
        )
        .select("enterprise", "date", "window_mean")
    )
    return (
        days.join(sums, on=["enterprise", "date"], how="left")
        .sort("enterprise", "date")
        .with_columns(pl.col("window_mean").forward_fill().over(by_enterprise))
    )


def _first(condition: str, alias: str) -> pl.Expr:
    return pl.col("date").filter(pl.col(condition)).min().alias(alias)


def judge_subsidy(
    enterprise_days: pl.DataFrame,
    spec: SubsidySpec,
    enterprises: pl.DataFrame | None = None,
    workdays: Collection[dt.date] | None = None,
) -> pl.DataFrame:
    """One row per enterprise: when each condition first held and whether it qualified.

    Columns: ``enterprise``, ``joined_date`` (first row), ``initial``, ``first_registrations``,
    ``first_resolutions``, ``first_cases``, ``qualified_date`` (first judged day all
    three held; null if never), ``qualified`` (by the deadline), ``days_to_qualify`` (from
    joining), the state at the last judgement (the deadline, or the last application date)
    ``registrations_met``, ``resolutions_met``, ``cases_met`` (null when the enterprise
    joined after it) and ``on_node_by_deadline`` (by the last judgement).
    ``enterprises`` (optional) gives stock before the first row (see :func:`judge_days`)
    and the ``initial`` flag; ``workdays`` the run's working days (a workday window).
    """
    daily = judge_days(enterprise_days, spec, enterprises, workdays).with_columns(
        qualifies=pl.col("all_met") & pl.col("judged")
    )
    last = spec.last_judgement
    at_deadline = (
        daily.filter(pl.col("date") <= last)
        .group_by("enterprise")
        .agg(pl.all().sort_by("date").last())
        .select("enterprise", *(f"{c}_met" for c in CONDITIONS))
    )
    judged = (
        daily.group_by("enterprise")
        .agg(
            pl.col("date").min().alias("joined_date"),
            _first("registrations_met", "first_registrations"),
            _first("resolutions_met", "first_resolutions"),
            _first("cases_met", "first_cases"),
            _first("qualifies", "qualified_date"),
        )
        .join(at_deadline, on="enterprise", how="left")
    )
    initial = pl.lit(False)
    if enterprises is not None and "initial" in enterprises.columns:
        flags = enterprises.select(pl.col("enterprise").cast(pl.Int64), pl.col("initial"))
        judged = judged.join(flags, on="enterprise", how="left")
        initial = pl.col("initial").fill_null(False)
    return (
        judged.with_columns(initial=initial)
        .with_columns(
            qualified=pl.col("qualified_date").is_not_null()
            & (pl.col("qualified_date") <= spec.deadline),
            days_to_qualify=(pl.col("qualified_date") - pl.col("joined_date")).dt.total_days(),
            on_node_by_deadline=pl.col("joined_date") <= last,
        )
        .sort("enterprise")
        .select(*JUDGED_COLUMNS)
    )


#: The columns of :func:`judge_subsidy`'s table, in order.
JUDGED_COLUMNS = (
    "enterprise", "joined_date", "initial", "first_registrations", "first_resolutions",
    "first_cases", "qualified_date", "qualified", "days_to_qualify", "on_node_by_deadline",
    *(f"{c}_met" for c in CONDITIONS),
)  # fmt: skip


@dataclass(frozen=True)
class SubsidySummary:
    """The subsidy numbers of one replication (KPI inputs; SI units)."""

    #: Enterprises that qualified on or before the deadline.
    qualified_count: int
    #: Enterprises that qualified within the simulated span (deadline or not).
    qualified_count_at_horizon: int
    #: Median time from joining to qualifying, seconds (NaN when nobody qualified).
    time_to_qualify_p50_s: float
    #: Per condition, the share of enterprises on the node by the last judgement that did
    #: not qualify and did not meet it then (NaN when there are none); shares may overlap.
    failed_share: dict[str, float]
    #: Per condition, the share of the same enterprises that did not qualify, met the other
    #: two conditions at the last judgement and missed this one (disjoint shares).
    failed_only_share: dict[str, float]
    #: amount × qualified_count, when the scenario gives an amount.
    outlay: float | None
    #: Enterprises on the node by the last judgement (the failed shares' denominator).
    on_node_by_deadline: int
    #: Calendar year → amount × enterprises qualifying (by the deadline) in that year, for
    #: every year with a qualifier; empty without an amount.
    outlay_by_year: dict[int, float]


def _failed_shares(judged: pl.DataFrame) -> tuple[dict[str, float], dict[str, float], int]:
    """Per condition: the failed and failed-only shares over every enterprise on the node
    by the last judgement (see the module docstring), and that population's size."""
    population = judged.filter(pl.col("on_node_by_deadline"))
    failing = population.filter(~pl.col("qualified"))
    met = {c: failing[f"{c}_met"].fill_null(False) for c in CONDITIONS}
    failed: dict[str, float] = {}
    only: dict[str, float] = {}
    for condition in CONDITIONS:
        if population.height == 0:
            failed[condition] = only[condition] = math.nan
            continue
        first, second = (met[c] for c in CONDITIONS if c != condition)
        missed = ~met[condition]
        failed[condition] = int(missed.sum()) / population.height
        only[condition] = int((missed & first & second).sum()) / population.height
    return failed, only, population.height


def subsidy_summary(judged: pl.DataFrame, spec: SubsidySpec) -> SubsidySummary:
    """Summary numbers from :func:`judge_subsidy`'s frame."""
    qualified = int(judged["qualified"].sum())
    at_horizon = int(judged["qualified_date"].is_not_null().sum())
    days = judged.filter(pl.col("qualified_date").is_not_null() & ~pl.col("initial"))[
        "days_to_qualify"
    ]
    median = days.median() if len(days) else None
    p50 = float(median) * DAY_S if isinstance(median, int | float) else math.nan
    failed, only, population = _failed_shares(judged)
    by_year: dict[int, float] = {}
    if spec.amount is not None:
        years = judged.filter(pl.col("qualified"))["qualified_date"].dt.year()
        for year in sorted(set(years.to_list())):
            by_year[int(year)] = spec.amount * int((years == year).sum())
    return SubsidySummary(
        qualified_count=qualified,
        qualified_count_at_horizon=at_horizon,
        time_to_qualify_p50_s=p50,
        failed_share=failed,
        failed_only_share=only,
        outlay=None if spec.amount is None else spec.amount * qualified,
        on_node_by_deadline=population,
        outlay_by_year=by_year,
    )


def first_dates(judged: pl.DataFrame) -> dict[int, dt.date | None]:
    """Enterprise → qualified date (None if never): a convenience for reports and tests."""
    return dict(
        zip(judged["enterprise"].to_list(), judged["qualified_date"].to_list(), strict=True)
    )


class SubsidyComponent:
    """The subsidy rule as a world component: judged from the counted days when it is built
    (no SimPy process); the per-enterprise table gains the rule's judgement — the first date
    each condition held, the qualified date — and the totals go to ``subsidy``,
    ``subsidy_failed`` and ``subsidy_years``. A working-day window counts the days
    ``node_days`` marks as working days (the run's calendar)."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.subsidy is not None and EnterprisesComponent.wanted(scenario)

    def __init__(self, world: World) -> None:
        spec, recorder = world.scenario.subsidy, world.recorder
        days, per_enterprise = recorder.get(ENTERPRISE_DAYS), recorder.get(ENTERPRISES)
        if spec is None or days is None or per_enterprise is None:
            raise ValueError("the subsidy needs a subsidy section and the counted enterprises")
        node_days = recorder.get(NODE_DAYS)
        workdays = None
        if node_days is not None:
            workdays = node_days.filter(pl.col("day_type") == DAY_TYPES[WEEKDAY])["date"].to_list()
        judged = judge_subsidy(days, spec, per_enterprise, workdays)
        summary = subsidy_summary(judged, spec)
        new_columns = [c for c in judged.columns if c not in per_enterprise.columns]
        recorder.put(
            ENTERPRISES,
            per_enterprise.join(
                judged.select("enterprise", *new_columns), on="enterprise", how="left"
            ),
        )
        nan = float("nan")
        recorder.put(
            SUBSIDY,
            pl.DataFrame(
                {
                    "at": ["deadline", "horizon"],
                    "qualified": [summary.qualified_count, summary.qualified_count_at_horizon],
                    "time_to_qualify_p50_s": [summary.time_to_qualify_p50_s, nan],
                    "outlay": [nan if summary.outlay is None else summary.outlay, nan],
                }
            ),
        )
        recorder.put(
            SUBSIDY_FAILED,
            pl.DataFrame(
                {
                    "condition": list(CONDITIONS),
                    "share": [summary.failed_share.get(c, nan) for c in CONDITIONS],
                    "only_share": [summary.failed_only_share.get(c, nan) for c in CONDITIONS],
                }
            ),
        )
        start = world.scenario.run.start_date
        years = (
            []
            if spec.amount is None or start is None
            else range(start.year, spec.deadline.year + 1)
        )
        recorder.put(
            SUBSIDY_YEARS,
            pl.DataFrame(
                {
                    "year": [str(y) for y in years],
                    "outlay": [summary.outlay_by_year.get(y, 0.0) for y in years],
                },
                schema=SUBSIDY_YEARS.schema,
            ),
        )

    def start(self) -> None:
        return None

    def finish(self) -> None:
        return None

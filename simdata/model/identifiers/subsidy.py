"""Zhanjiang's subsidy rule [004:70], judged per enterprise per day from its daily counts.

An enterprise on the local secondary node qualifies on the first day on which, together:

* **registrations** — identifiers registered in total (initial stock included) ≥
  ``min_registrations``;
* **resolutions** — the trailing ``window``-day average of daily resolutions (the sum over
  the ``window`` calendar days ending that day, divided by ``window``; days without a row
  count as 0) ≥ ``min_daily_resolutions``. Judged only once the enterprise has ``window``
  days on the node, counted from its first row (its joining day; the start date for
  enterprises already on the node, whose earlier history is unknown). A shorter history
  would let one busy first day pass a "daily average";
* **cases** — innovative application cases in total (initial ones included) ≥ ``min_cases``.

Registrations and cases only grow, but the average can fall back, so the first day all
three hold can be later than the last of the three first days. An enterprise *qualifies*
when that day is on or before ``deadline`` [004:98].

Among enterprises on the node by the deadline that did not qualify, the failed share of a
condition is the share for which that condition did not hold on the deadline (on the last
simulated day when the horizon ends earlier); an enterprise can miss several, so the shares
may add up to more than 1. Time to qualify is counted from joining, over every enterprise
that qualified within the simulated span, leaving out those already on the node at the
start (their joining date is unknown).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from simdata.model.component import World
from simdata.model.frames import ENTERPRISE_DAYS, ENTERPRISES, SUBSIDY, SUBSIDY_FAILED
from simdata.model.identifiers.economy import EnterprisesComponent
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
) -> pl.DataFrame:
    """The daily state of every enterprise: running totals, the window average and the
    conditions ``registrations_met``, ``resolutions_met``, ``cases_met``, ``all_met``.

    ``enterprises`` (optional; columns ``enterprise`` and any of ``initial_identifiers``,
    ``initial_cases``) adds stock held before the first row.
    """
    missing = [c for c in DAY_COLUMNS if c not in enterprise_days.columns]
    if missing:
        raise ValueError(f"enterprise_days: expected columns {DAY_COLUMNS}, missing {missing}")
    window = spec.window_days
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
    return (
        days.with_columns(pl.col("enterprise").cast(pl.Int64))
        .join(stock, on="enterprise", how="left")
        .with_columns(
            identifiers=pl.col("initial_identifiers").fill_null(0)
            + pl.col("registrations").cum_sum().over(by_enterprise),
            cases_total=pl.col("initial_cases").fill_null(0)
            + pl.col("cases").cum_sum().over(by_enterprise),
            window_mean=pl.col("resolutions")
            .rolling_sum_by("date", window_size=f"{window}d")
            .over(by_enterprise)
            / window,
            history_days=(pl.col("date") - pl.col("date").min().over(by_enterprise)).dt.total_days()
            + 1,
        )
        .with_columns(
            registrations_met=pl.col("identifiers") >= spec.min_registrations,
            resolutions_met=(pl.col("history_days") >= window)
            & (pl.col("window_mean") >= spec.min_daily_resolutions),
            cases_met=pl.col("cases_total") >= spec.min_cases,
        )
        .with_columns(
            all_met=pl.col("registrations_met") & pl.col("resolutions_met") & pl.col("cases_met")
        )
    )


def _first(condition: str, alias: str) -> pl.Expr:
    return pl.col("date").filter(pl.col(condition)).min().alias(alias)


def judge_subsidy(
    enterprise_days: pl.DataFrame,
    spec: SubsidySpec,
    enterprises: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per enterprise: when each condition first held and whether it qualified.

    Columns: ``enterprise``, ``joined_date`` (first row), ``initial``, ``first_registrations``,
    ``first_resolutions``, ``first_cases``, ``qualified_date`` (first day all three held;
    null if never), ``qualified`` (by the deadline), ``days_to_qualify`` (from joining),
    the state on the deadline ``registrations_met``, ``resolutions_met``, ``cases_met``
    (null when the enterprise joined after it) and ``on_node_by_deadline``.
    ``enterprises`` (optional) gives stock before the first row (see :func:`judge_days`)
    and the ``initial`` flag.
    """
    daily = judge_days(enterprise_days, spec, enterprises)
    at_deadline = (
        daily.filter(pl.col("date") <= spec.deadline)
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
            _first("all_met", "qualified_date"),
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
            on_node_by_deadline=pl.col("joined_date") <= spec.deadline,
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
    #: Per condition, the share of non-qualifiers on the node by the deadline for which it
    #: did not hold on the deadline (NaN when there are none); shares may overlap.
    failed_share: dict[str, float]
    #: amount × qualified_count, when the scenario gives an amount.
    outlay: float | None
    #: Enterprises on the node by the deadline (the failed shares' population plus qualifiers).
    on_node_by_deadline: int


def subsidy_summary(judged: pl.DataFrame, spec: SubsidySpec) -> SubsidySummary:
    """Summary numbers from :func:`judge_subsidy`'s frame."""
    qualified = int(judged["qualified"].sum())
    at_horizon = int(judged["qualified_date"].is_not_null().sum())
    days = judged.filter(pl.col("qualified_date").is_not_null() & ~pl.col("initial"))[
        "days_to_qualify"
    ]
    median = days.median() if len(days) else None
    p50 = float(median) * DAY_S if isinstance(median, int | float) else math.nan
    failing = judged.filter(pl.col("on_node_by_deadline") & ~pl.col("qualified"))
    failed: dict[str, float] = {}
    for condition in CONDITIONS:
        if failing.height == 0:
            failed[condition] = math.nan
        else:
            unmet = (~failing[f"{condition}_met"].fill_null(False)).sum()
            failed[condition] = int(unmet) / failing.height
    return SubsidySummary(
        qualified_count=qualified,
        qualified_count_at_horizon=at_horizon,
        time_to_qualify_p50_s=p50,
        failed_share=failed,
        outlay=None if spec.amount is None else spec.amount * qualified,
        on_node_by_deadline=int(judged["on_node_by_deadline"].sum()),
    )


def first_dates(judged: pl.DataFrame) -> dict[int, dt.date | None]:
    """Enterprise → qualified date (None if never): a convenience for reports and tests."""
    return dict(
        zip(judged["enterprise"].to_list(), judged["qualified_date"].to_list(), strict=True)
    )


class SubsidyComponent:
    """The subsidy rule as a world component: judged from the counted days when it is built
    (no SimPy process); the per-enterprise table gains the rule's judgement — the first date
    each condition held, the qualified date — and the totals go to ``subsidy`` and
    ``subsidy_failed``."""

    @classmethod
    def wanted(cls, scenario: Scenario) -> bool:
        return scenario.subsidy is not None and EnterprisesComponent.wanted(scenario)

    def __init__(self, world: World) -> None:
        spec, recorder = world.scenario.subsidy, world.recorder
        days, per_enterprise = recorder.get(ENTERPRISE_DAYS), recorder.get(ENTERPRISES)
        if spec is None or days is None or per_enterprise is None:
            raise ValueError("the subsidy needs a subsidy section and the counted enterprises")
        judged = judge_subsidy(days, spec, per_enterprise)
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
                }
            ),
        )

    def start(self) -> None:
        return None

    def finish(self) -> None:
        return None

"""Registration milestones: the node's identifiers by the end of a month, quarter, year or
a day a target names.

A planner's registration target is a milestone ("1亿 新增 by the end of 2022", "5,000万 by
the end of Q2"), so ``registrations.total_count`` and ``registrations.new_count`` are
broken down by the calendar periods of ``node_days`` — cumulative, by the period's last
day — and, for days named by a target (``@date=YYYY-MM-DD``), by the frame
``registration_milestones``, which holds only those days: every day of a long run would be
hundreds of KPIs nobody asked for. A period counts only when the run reaches its last day
(a milestone "by the end of 2025" in a run that stops in June is not computable, and is
not silently judged at the horizon) and only from ``run.start_date`` (warm-up days are not
in the run).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from simdata import kpi_names
from simdata.scenario.models import Scenario

#: The KPIs with milestones, and their breakdowns: calendar periods (columns of
#: ``node_days``) and targeted days (``registration_milestones``).
MILESTONE_KPIS = ("registrations.total_count", "registrations.new_count")
PERIODS = ("year", "quarter", "month")
DATE = "date"


def period_label(period: str, day: dt.date) -> str:
    """The label of the calendar ``period`` holding ``day``: ``2025``, ``2025-Q2``, ``2025-06``."""
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    raise ValueError(f"period: expected one of {PERIODS}, got {period!r}")


def _period_expr(period: str) -> pl.Expr:
    date = pl.col("date")
    year = date.dt.year().cast(pl.String)
    if period == "year":
        return year
    if period == "quarter":
        return pl.concat_str([year, pl.lit("-Q"), date.dt.quarter().cast(pl.String)])
    return date.dt.strftime("%Y-%m")


def with_periods(node_days: pl.DataFrame, start_date: dt.date) -> pl.DataFrame:
    """``node_days`` with ``year``, ``quarter`` and ``month`` labels: null before
    ``start_date`` and in the period the run does not reach the end of (the one holding the
    day after the last row)."""
    if node_days.is_empty():
        return node_days.with_columns(pl.lit(None, pl.String).alias(p) for p in PERIODS)
    last = node_days["date"].max()
    if not isinstance(last, dt.date):
        raise ValueError(f"node_days: expected dates, got {last!r}")
    after = last + dt.timedelta(days=1)
    return node_days.with_columns(
        pl.when((pl.col("date") >= start_date) & (_period_expr(p) != period_label(p, after)))
        .then(_period_expr(p))
        .alias(p)
        for p in PERIODS
    )


def targeted_dates(scenario: Scenario) -> list[dt.date]:
    """The days the scenario's targets name on a milestone KPI (``@date=YYYY-MM-DD``),
    sorted; text that is not a date is left to the target checks."""
    found: set[dt.date] = set()
    for target in scenario.targets:
        name = kpi_names.parse(target.kpi)
        text = name.breakdowns.get(DATE)
        if name.base in MILESTONE_KPIS and text is not None:
            try:
                found.add(dt.date.fromisoformat(text))
            except ValueError:
                continue
    return sorted(found)


def milestone_frame(node_days: pl.DataFrame, dates: list[dt.date]) -> pl.DataFrame:
    """The measured rows of ``node_days`` (with ``new_identifiers``) on ``dates``, for the
    frame ``registration_milestones`` (dates outside the run have no row)."""
    return (
        node_days.filter(pl.col("date").is_in(dates) & pl.col("measured"))
        .sort("date")
        .select(
            pl.col("date").dt.strftime("%Y-%m-%d").alias(DATE),
            pl.col("identifiers"),
            pl.col("new_identifiers"),
        )
    )

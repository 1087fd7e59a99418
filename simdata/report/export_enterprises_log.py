"""A run's enterprises log: one row per enterprise per month, as ``simdata fit --as enterprises``
reads it (:mod:`simdata.experiments.fit.enterprises_log`).

Built from the replication's ``enterprise_days`` (exact daily counts) and ``enterprises``
(joining dates). Only whole calendar months of the measured window are written (a run
ending mid-month would make its last month look slow); every enterprise gets a row for each
month from the later of its joining month and the log's first month, zeros included, so the
log reads the same whether or not a planner's export drops empty rows. Enterprises are named
``E0001``, ``E0002``, … in the model's order. An enterprise already on the node at the start
with no joining date is written as joined the day before the log.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from simdata.scenario.models import Scenario


def _whole_months(scenario: Scenario) -> tuple[dt.date, dt.date] | None:
    """First day of the first and of the day after the last whole month of the window."""
    start = scenario.run.start_date
    if start is None:
        return None
    end = start + dt.timedelta(seconds=scenario.run.horizon)  # day after the last day
    first = start if start.day == 1 else _next_month(start)
    last = dt.date(end.year, end.month, 1)
    return (first, last) if first < last else None


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def enterprises_log(
    scenario: Scenario, frames: dict[str, pl.DataFrame], notes: list[str]
) -> pl.DataFrame | None:
    """The monthly enterprises log of one replication (``None`` with a note when empty)."""
    window = _whole_months(scenario)
    if window is None:
        notes.append("enterprises.csv not written: the run covers no whole calendar month")
        return None
    first, stop = window
    days = frames["enterprise_days"].filter((pl.col("date") >= first) & (pl.col("date") < stop))
    monthly = days.group_by("enterprise", pl.col("date").dt.truncate("1mo").alias("month")).agg(
        pl.col("registrations", "resolutions", "cases").sum()
    )
    members = (
        frames["enterprises"]
        .select(
            "enterprise",
            pl.col("joined_date").fill_null(first - dt.timedelta(days=1)).alias("joined"),
        )
        .filter(pl.col("joined") < stop)
    )
    months = pl.DataFrame({"month": pl.date_range(first, stop, "1mo", closed="left", eager=True)})
    grid = members.join(months, how="cross").filter(
        pl.col("month") >= pl.col("joined").dt.truncate("1mo")
    )
    table = grid.join(monthly, on=["enterprise", "month"], how="left").sort("enterprise", "month")
    return table.select(
        pl.format("E{}", pl.col("enterprise").add(1).cast(pl.String).str.zfill(4)).alias(
            "enterprise"
        ),
        pl.col("joined").dt.strftime("%Y-%m-%d"),
        pl.col("month").dt.strftime("%Y-%m"),
        *(pl.col(c).fill_null(0) for c in ("registrations", "resolutions", "cases")),
    )

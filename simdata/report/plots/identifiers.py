"""Figures of an identifier run: registrations, resolutions, qualified enterprises, conditions.

Cumulative registrations against the subsidy's registration line, daily resolutions (window
mean) against its resolution line, enterprises qualified over time with the deadline, the
conditions non-qualifiers miss. Enterprises are drawn by index in each replication, so
"enterprise 3" is a different firm in every replication: per-enterprise lines are shown for
replication 0 and said so; node totals and counts carry bands across replications.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simdata.report.i18n import breakdown_label
from simdata.report.plots.common import (
    PALETTE,
    SLA_STYLE,
    TARGET_STYLE,
    Canvas,
    Plot,
    band,
    draw_band,
    error_bars,
    summary_rows,
)
from simdata.report.source import Results
from simdata.scenario.identifiers import SubsidySpec
from simdata.scenario.models import RunSpec

LARGEST = 8
REGISTRATIONS_LINE = 100_000
RESOLUTIONS_LINE = 1_000.0


def identifier_plots(results: Results, canvas: Canvas) -> list[Plot]:
    enterprises = results.table("enterprises")
    days = results.table("enterprise_days")
    plots: list[Plot | None] = []
    if enterprises is not None and days is not None:
        plots += [
            _registrations(results, enterprises, days, canvas),
            _resolutions(results, days, canvas),
            _qualified(results, enterprises, canvas),
        ]
    summary = results.table("summary")
    if summary is not None:
        plots.append(_conditions(summary, canvas))
    return [plot for plot in plots if plot is not None]


def _target(results: Results, kpi: str) -> tuple[float, str] | None:
    for target in results.targets():
        if target.kpi == kpi:
            return target.value, f"{target.op} {target.text}"
    return None


def _subsidy_lines(results: Results) -> tuple[float, float, int, dt.date | None]:
    """Registrations line, resolutions line, window in days, deadline (defaults: Zhanjiang)."""
    subsidy = results.section("subsidy", SubsidySpec)
    if subsidy is None:
        return REGISTRATIONS_LINE, RESOLUTIONS_LINE, 30, None
    return (
        float(subsidy.min_registrations),
        float(subsidy.min_daily_resolutions),
        subsidy.window_days,
        subsidy.deadline,
    )


def _largest(enterprises: pl.DataFrame, column: str) -> list[int]:
    rep0 = enterprises.filter(pl.col("replication") == 0)
    return rep0.sort(column, descending=True).head(LARGEST)["enterprise"].to_list()


def _cumulative_registrations(
    enterprises: pl.DataFrame, days: pl.DataFrame
) -> tuple[list[int], pl.DataFrame, pl.DataFrame]:
    """The largest enterprises, their cumulative identifiers in replication 0, node totals."""
    initial = enterprises.select("replication", "enterprise", "initial_identifiers")
    largest = _largest(enterprises, "identifiers_end")
    rep0 = (
        days.filter((pl.col("replication") == 0) & pl.col("enterprise").is_in(largest))
        .join(initial, on=["replication", "enterprise"], how="left")
        .sort("enterprise", "date")
        .with_columns(
            cumulative=pl.col("registrations").cum_sum().over("enterprise")
            + pl.col("initial_identifiers").fill_null(0)
        )
    )
    start = initial.group_by("replication").agg(pl.col("initial_identifiers").sum())
    totals = (
        days.group_by("replication", "date")
        .agg(pl.col("registrations").sum())
        .sort("replication", "date")
        .join(start, on="replication", how="left")
        .with_columns(
            value=pl.col("registrations").cum_sum().over("replication")
            + pl.col("initial_identifiers").fill_null(0)
        )
    )
    return largest, rep0, totals


def _registrations(
    results: Results, enterprises: pl.DataFrame, days: pl.DataFrame, canvas: Canvas
) -> Plot | None:
    line, _, _, deadline = _subsidy_lines(results)
    largest, rep0, totals = _cumulative_registrations(enterprises, days)
    with canvas.figure(10.0, 4.2) as figure:
        each, total = figure.subplots(1, 2)
        for index, enterprise in enumerate(largest):
            rows = rep0.filter(pl.col("enterprise") == enterprise)
            each.plot(
                rows["date"].to_numpy(),
                rows["cumulative"].to_numpy(),
                color=PALETTE[index % len(PALETTE)],
                linewidth=1.2,
                label=f"#{enterprise}",
            )
        each.axhline(line, **SLA_STYLE, label=f"{canvas.t('threshold')} {line:,.0f}")
        each.set_yscale("log")
        each.set_ylabel(canvas.t("identifiers"))
        each.set_xlabel(canvas.t("date"))
        each.set_title(canvas.t("replication_0"), fontsize=9)
        each.legend(loc="lower right", ncols=3, fontsize=7)
        stats = band(totals, "date")
        draw_band(
            total,
            stats["date"].to_numpy(),
            stats,
            PALETTE[0],
            canvas.t("node_total"),
            canvas.t("ci95"),
        )
        target = _target(results, "registrations.total_count")
        if target is not None:
            total.axhline(target[0], **TARGET_STYLE, label=f"{canvas.t('target')} {target[1]}")
        if deadline is not None:
            total.axvline(deadline, color="#7a7a7a", linewidth=1, label=canvas.t("deadline"))
        total.set_ylabel(canvas.t("identifiers"))
        total.set_xlabel(canvas.t("date"))
        total.legend(loc="upper left")
        for axes in (each, total):
            axes.tick_params(axis="x", labelrotation=30)
        figure.suptitle(canvas.t("title.registrations"))
        return canvas.plot("registrations", figure)


def _resolutions(results: Results, days: pl.DataFrame, canvas: Canvas) -> Plot | None:
    _, line, window, deadline = _subsidy_lines(results)
    totals = (
        days.filter(pl.col("replication") == 0)
        .group_by("enterprise")
        .agg(pl.col("resolutions").sum())
        .sort("resolutions", descending=True)
        .head(LARGEST)
    )
    largest = totals["enterprise"].to_list()
    if not largest:
        return None
    rows = (
        days.filter((pl.col("replication") == 0) & pl.col("enterprise").is_in(largest))
        .sort("enterprise", "date")
        .with_columns(
            window_mean=pl.col("resolutions")
            .rolling_mean(window_size=window, min_samples=window)
            .over("enterprise")
        )
    )
    with canvas.figure(9.0, 4.2) as figure:
        axes = figure.subplots()
        for index, enterprise in enumerate(largest):
            one = rows.filter(pl.col("enterprise") == enterprise)
            values = one["window_mean"].to_numpy().astype(float)
            axes.plot(
                one["date"].to_numpy(),
                np.where(values > 0, values, np.nan),
                color=PALETTE[index % len(PALETTE)],
                linewidth=1.1,
                label=f"#{enterprise}",
            )
        axes.axhline(line, **SLA_STYLE, label=f"{canvas.t('threshold')} {line:,.0f}")
        if deadline is not None:
            axes.axvline(deadline, color="#7a7a7a", linewidth=1, label=canvas.t("deadline"))  # type: ignore[arg-type]
        axes.set_yscale("log")
        axes.set_ylabel(f"{canvas.t('resolutions_per_day')} ({window} d)")
        axes.set_xlabel(canvas.t("date"))
        axes.legend(loc="lower right", ncols=3, fontsize=7)
        axes.set_title(canvas.t("title.resolutions"))
        return canvas.plot("resolutions", figure)


def _qualified(results: Results, enterprises: pl.DataFrame, canvas: Canvas) -> Plot | None:
    if "qualified_date" not in enterprises.columns:
        return None
    dates = enterprises.filter(pl.col("qualified_date").is_not_null())
    _, _, _, deadline = _subsidy_lines(results)
    run = results.section("run", RunSpec)
    first = run.start_date if run is not None else None
    if first is None:
        earliest = (
            enterprises["joined_date"].min() if "joined_date" in enterprises.columns else None
        )
        first = earliest if isinstance(earliest, dt.date) else None
    last = deadline or (dates["qualified_date"].max() if dates.height else None)
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return None
    grid = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1, 7)
    counts = []
    for replication in enterprises["replication"].unique().sort().to_list():
        qualified = np.sort(
            dates.filter(pl.col("replication") == replication)["qualified_date"]
            .to_numpy()
            .astype("datetime64[D]")
        )
        counts.append(
            pl.DataFrame(
                {
                    "replication": replication,
                    "date": grid,
                    "value": np.searchsorted(qualified, grid, side="right").astype(float),
                }
            )
        )
    stats = band(pl.concat(counts), "date")
    with canvas.figure(9.0, 4.0) as figure:
        axes = figure.subplots()
        draw_band(
            axes,
            stats["date"].to_numpy(),
            stats,
            PALETTE[2],
            canvas.t("qualified"),
            canvas.t("ci95"),
        )
        target = _target(results, "subsidy.qualified_count")
        if target is not None:
            axes.axhline(target[0], **TARGET_STYLE, label=f"{canvas.t('target')} {target[1]}")
        if deadline is not None:
            axes.axvline(deadline, **SLA_STYLE, label=f"{canvas.t('deadline')} {deadline}")  # type: ignore[arg-type]
        axes.set_ylim(bottom=0)
        axes.set_ylabel(canvas.t("enterprises"))
        axes.set_xlabel(canvas.t("date"))
        axes.legend(loc="upper left")
        axes.set_title(canvas.t("title.qualified"))
        return canvas.plot("qualified", figure)


def _conditions(summary: pl.DataFrame, canvas: Canvas) -> Plot | None:
    rows = summary_rows(summary, "subsidy.failed_share@condition=")
    if rows.is_empty():
        return None
    conditions = [name.split("=", 1)[1] for name in rows["kpi"].to_list()]
    mean, err = error_bars(rows, 100)
    y = np.arange(len(conditions))
    with canvas.figure(8.0, 0.55 * len(conditions) + 1.6) as figure:
        axes = figure.subplots()
        axes.barh(y, mean, xerr=err, color=PALETTE[3], alpha=0.85, capsize=4)
        for position, value in zip(y, mean, strict=True):
            axes.text(value + 1, float(position), f"{value:.1f}%", va="center", fontsize=8)
        axes.set_yticks(y, [breakdown_label("condition", c, canvas.lang) for c in conditions])
        axes.invert_yaxis()
        axes.set_xlim(0, 112)
        axes.set_xlabel(canvas.t("share_pct"))
        axes.set_title(canvas.t("title.conditions"))
        return canvas.plot("conditions", figure)

"""Figures of a public-data run: time to data, flow over time, utilisation, the funnel.

Everything comes from the run directory: quantile KPIs per group from ``summary.parquet``,
per-replication counts from ``kpis.parquet`` and the daily series from
``timeseries.parquet``; the SLA line from the resolved scenario (``policy.sla`` in working
days, via the calendar's office hours), drawn only across groups that have a time limit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
from matplotlib.axes import Axes

from simdata import kpi_names
from simdata.analysis.busiest import busiest_from_kpis
from simdata.analysis.stats import t_half_width
from simdata.report import i18n
from simdata.report.plots.common import (
    PALETTE,
    SLA_STYLE,
    Canvas,
    Plot,
    band,
    draw_band,
    error_bars,
    summary_rows,
)
from simdata.report.source import Results
from simdata.scenario.calendar_spec import CalendarSpec
from simdata.scenario.public_data import PolicySpec
from simdata.scenario.units import DAY_S


def public_data_plots(results: Results, canvas: Canvas) -> list[Plot]:
    summary = results.table("summary")
    if summary is None or summary_rows(summary, "requests.").is_empty():
        return []
    plots = [
        _time_to_data(results, summary, canvas),
        _flow(results, canvas),
        _with_busiest(_utilisation(summary, canvas), results, canvas),
        _funnel(results, canvas),
    ]
    return [plot for plot in plots if plot is not None]


def _sla_workdays(results: Results) -> float | None:
    policy = results.section("policy", PolicySpec)
    calendar = results.section("calendar", CalendarSpec)
    if policy is None or calendar is None:
        return None
    workday_s = calendar.workday_s()
    return float(policy.sla) / workday_s if workday_s > 0 else None


def _groups(summary: pl.DataFrame, kpi: str) -> list[str]:
    """Breakdown suffixes (``kind=…``, ``channel=…``) present for ``kpi``."""
    rows = summary_rows(summary, f"{kpi}@")
    return [kpi_names.suffix_of(name) for name in rows["kpi"].to_list()] if rows.height else []


def _time_to_data(results: Results, summary: pl.DataFrame, canvas: Canvas) -> Plot | None:
    groups = _groups(summary, "requests.time_to_data_p90")
    if not groups:
        return None
    lang = canvas.lang
    labels = [_group_label(group, lang) for group in groups]
    y = np.arange(len(groups))
    with canvas.figure(9.0, 0.45 * len(groups) + 1.8) as figure:
        elapsed, working = figure.subplots(1, 2, sharey=True)
        for offset, (stat, color) in enumerate((("p50", PALETTE[0]), ("p90", PALETTE[1]))):
            rows = _ordered(summary, f"requests.time_to_data_{stat}", groups)
            mean, err = error_bars(rows, 1 / DAY_S)
            mean = np.maximum(mean, 1e-4)
            err[0] = np.minimum(err[0], mean * 0.9)  # a log axis has no room below 0
            elapsed.errorbar(
                mean,
                y + (offset - 0.5) * 0.25,
                xerr=err,
                fmt="o",
                color=color,
                capsize=3,
                label=canvas.t(stat),
            )
        elapsed.set_xscale("log")
        elapsed.set_yticks(y, labels)
        elapsed.invert_yaxis()
        elapsed.set_xlabel(canvas.t("elapsed_days"))
        elapsed.legend(loc="lower right")
        rows = _ordered(summary, "requests.time_to_data_workdays_p90", groups)
        mean, err = error_bars(rows)
        working.errorbar(mean, y, xerr=err, fmt="o", color=PALETTE[1], capsize=3, label="p90")
        _draw_sla(working, _sla_workdays(results), groups, canvas)
        working.set_xlim(left=0)
        working.set_xlabel(f"p90, {canvas.t('working_days')}")
        working.legend(loc="lower right")
        figure.suptitle(canvas.t("title.time_to_data"))
        return canvas.plot("time_to_data", figure)


#: Groups answered without a time limit: no SLA line is drawn against them.
NO_SLA_GROUPS = frozenset({"channel=development"})


def _draw_sla(axes: Axes, sla: float | None, groups: list[str], canvas: Canvas) -> None:
    """The SLA as a dashed segment across each row with a time limit; a row without one
    (the development channel, answered by the agency) says so instead."""
    if sla is None:
        return
    label = f"{canvas.t('sla')} = {sla:.4g}"
    for row, group in enumerate(groups):
        if group in NO_SLA_GROUPS:
            axes.annotate(
                canvas.t("no_time_limit"),
                (1.0, float(row)),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                fontsize=8,
                color="#7a7a7a",
            )
            continue
        axes.vlines(sla, row - 0.45, row + 0.45, **SLA_STYLE, label=label)
        label = "_nolegend_"


def _group_label(group: str, lang: str) -> str:
    dimension, value = group.split("=", 1)
    return i18n.breakdown_label(dimension, value, lang)


def _ordered(summary: pl.DataFrame, kpi: str, groups: list[str]) -> pl.DataFrame:
    """Rows of ``kpi@group`` in the order of ``groups`` (NaN rows where one is missing)."""
    names = pl.DataFrame({"kpi": [f"{kpi}@{group}" for group in groups]})
    return names.join(summary, on="kpi", how="left").with_columns(
        pl.col("mean", "ci_low", "ci_high").fill_null(float("nan"))
    )


def _flow(results: Results, canvas: Canvas) -> Plot | None:
    series = results.table("timeseries")
    if series is None:
        return None
    wanted = ("requests.arrivals", "requests.completions", "requests.backlog")
    series = series.filter(pl.col("series").is_in(wanted))
    if series.is_empty():
        return None
    dated = series["date"].null_count() == 0
    x = "date" if dated else "day"
    if not dated:
        series = series.with_columns(day=(pl.col("time_s") / DAY_S).floor())
    ci = canvas.t("ci95")
    with canvas.figure(9.0, 5.6) as figure:
        weekly, backlog = figure.subplots(2, 1, sharex=True)
        for name, color in (("arrivals", PALETTE[0]), ("completions", PALETTE[2])):
            rows = series.filter(pl.col("series") == f"requests.{name}")
            if rows.is_empty():
                continue
            week = pl.col(x).dt.truncate("1w") if dated else (pl.col(x) // 7) * 7
            per_week = (
                rows.group_by("replication", week.alias("week"))
                .agg(pl.col("value").sum(), pl.len().alias("days"))
                .filter(pl.col("days") == 7)  # partial first and last weeks would dip
            )
            stats = _counts_band(per_week, "week")
            draw_band(
                weekly, stats["week"].to_numpy(), stats, color, canvas.t(f"series.{name}"), ci
            )
        weekly.set_ylabel(canvas.t("requests_per_week"))
        weekly.legend(loc="upper left", ncols=2)
        rows = series.filter(pl.col("series") == "requests.backlog")
        if not rows.is_empty():
            stats = _counts_band(rows, x)
            draw_band(
                backlog, stats[x].to_numpy(), stats, PALETTE[1], canvas.t("series.backlog"), ci
            )
            backlog.legend(loc="upper left")
        backlog.set_ylabel(canvas.t("requests"))
        backlog.set_xlabel(canvas.t("date") if dated else canvas.t("elapsed_days"))
        figure.suptitle(canvas.t("title.flow"))
        return canvas.plot("flow", figure)


def _counts_band(frame: pl.DataFrame, x: str) -> pl.DataFrame:
    """:func:`band` of a count: a CI of a count's mean never reaches below 0."""
    return band(frame, x).with_columns(pl.col("lo").clip(lower_bound=0.0))


_RESOURCES = (
    ("reviewers.utilisation_mean", "resource.reviewers_mean"),
    ("reviewers.utilisation_max", "resource.reviewers_max"),
    ("agency.sandbox_utilisation", "resource.sandbox"),
    ("agency.analyst_utilisation", "resource.analysts"),
)


def _utilisation(summary: pl.DataFrame, canvas: Canvas) -> Plot | None:
    present = [(kpi, key) for kpi, key in _RESOURCES if kpi in set(summary["kpi"].to_list())]
    if not present:
        return None
    rows = pl.DataFrame({"kpi": [kpi for kpi, _ in present]}).join(summary, on="kpi", how="left")
    mean, err = error_bars(rows, 100)
    y = np.arange(len(present))
    with canvas.figure(8.0, 0.5 * len(present) + 1.6) as figure:
        axes = figure.subplots()
        axes.barh(y, mean, xerr=err, color=PALETTE[0], alpha=0.85, capsize=4)
        for position, value in zip(y, mean, strict=True):
            axes.text(value + 1, float(position), f"{value:.1f}%", va="center", fontsize=8)
        axes.set_yticks(y, [canvas.t(key) for _, key in present])
        axes.invert_yaxis()
        axes.set_xlim(0, 110)
        axes.axvline(100, color="#7a7a7a", linewidth=1)
        axes.set_xlabel(canvas.t("utilisation_pct"))
        axes.set_title(canvas.t("title.utilisation"))
        return canvas.plot("utilisation", figure)


def _with_busiest(plot: Plot | None, results: Results, canvas: Canvas) -> Plot | None:
    """The utilisation caption names the busiest department — only when it is the busiest
    in ≥ 95 % of bootstrap resamples of the replications (:mod:`simdata.analysis.busiest`)."""
    kpis = results.table("kpis")
    busiest = busiest_from_kpis(kpis) if plot is not None and kpis is not None else None
    if plot is None or busiest is None:
        return plot
    key = "busiest.none" if busiest.name is None else "busiest.named"
    line = canvas.t(
        key, name=busiest.leader, share=f"{busiest.share:.1%}", resamples=f"{busiest.resamples:,}"
    )
    return replace(plot, caption=f"{plot.caption} {line}")


def _funnel(results: Results, canvas: Canvas) -> Plot | None:
    """Arrived → delivered / rejected / abandoned / open, counted per replication.

    Rejected and abandoned are the KPI shares times arrivals; open is the backlog at the
    horizon; delivered is what remains (never below 0).
    """
    kpis = results.table("kpis")
    names = (
        "requests.arrivals_count",
        "requests.rejected_share",
        "requests.abandoned_share",
        "requests.backlog_count",
    )
    if kpis is None:
        return None
    wide = (
        kpis.filter(pl.col("kpi").is_in(names))
        .pivot(on="kpi", index="replication", values="value")
        .drop_nulls()
    )
    if wide.is_empty() or any(name not in wide.columns for name in names):
        return None
    arrived = wide["requests.arrivals_count"].to_numpy()
    rejected = arrived * wide["requests.rejected_share"].to_numpy()
    abandoned = arrived * wide["requests.abandoned_share"].to_numpy()
    still_open = wide["requests.backlog_count"].to_numpy()
    delivered = np.maximum(arrived - rejected - abandoned - still_open, 0)
    stages = (
        ("arrived", arrived),
        ("delivered", delivered),
        ("rejected", rejected),
        ("abandoned", abandoned),
        ("open", still_open),
    )
    means = np.array([values.mean() for _, values in stages])
    stds = np.array([values.std(ddof=1) if len(values) > 1 else 0.0 for _, values in stages])
    half = np.nan_to_num(t_half_width(stds, np.full(len(stages), len(arrived))))
    y = np.arange(len(stages))
    colors = [PALETTE[0], PALETTE[2], PALETTE[3], PALETTE[1], PALETTE[7]]
    with canvas.figure(8.0, 3.4) as figure:
        axes = figure.subplots()
        axes.barh(y, means, xerr=half, color=colors, alpha=0.85, capsize=4)
        right = float(np.max(means + half))
        for position, value, error in zip(y, means, half, strict=True):
            share = value / means[0] * 100 if means[0] > 0 else 0.0
            axes.annotate(  # right of the error bar's cap, not on it
                f"{value:,.0f} ({share:.1f}%)",
                (value + error, float(position)),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        axes.set_yticks(y, [canvas.t(f"stage.{name}") for name, _ in stages])
        axes.invert_yaxis()
        axes.set_xlim(0, right * 1.35 if right > 0 else 1)
        axes.set_xlabel(canvas.t("requests"))
        axes.set_title(canvas.t("title.funnel"))
        return canvas.plot("funnel", figure)

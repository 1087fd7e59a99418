"""Figures of an identifier run and of a resolution node.

Identifier runs: cumulative registrations against the subsidy's registration line, daily
resolutions (window mean) against its resolution line, enterprises qualified over time
with the deadline, the conditions non-qualifiers miss. Node: the latency distribution with
the SLA line and utilisation.

Enterprises are drawn by index in each replication, so "enterprise 3" is a different firm
in every replication: per-enterprise lines are shown for replication 0 and said so; node
totals and counts carry bands across replications. Per-request latencies are not kept in a
run directory; the latency distribution is drawn from each replication's log-bucket
histogram (``latency_histogram.parquet``, one thin line per replication) with the points
the run measured on top (p50, p99 and the share within the SLA threshold, 95 % CIs).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter

from simdata.report.i18n import breakdown_label
from simdata.report.plots_common import (
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
from simdata.scenario.resolution import parse_sla

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


def node_plots(results: Results, canvas: Canvas) -> list[Plot]:
    kpis = results.table("kpis")
    if kpis is None:
        return []
    plots = [_latency_cdf(results, kpis, canvas), _node_utilisation(kpis, canvas)]
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
        max(1, round(float(subsidy.window) / 86_400)),
        subsidy.deadline,
    )


def _largest(enterprises: pl.DataFrame, column: str) -> list[int]:
    rep0 = enterprises.filter(pl.col("replication") == 0)
    return rep0.sort(column, descending=True).head(LARGEST)["enterprise"].to_list()


def _registrations(
    results: Results, enterprises: pl.DataFrame, days: pl.DataFrame, canvas: Canvas
) -> Plot | None:
    line, _, _, deadline = _subsidy_lines(results)
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


def _latency_kpi(kpis: pl.DataFrame, stat: str) -> np.ndarray | None:
    """Per-replication values of ``resolution.<stat>``, the peak-hour variant preferred."""
    for name in (f"resolution.{stat}@window=peak_hour", f"resolution.{stat}"):
        values = kpis.filter(pl.col("kpi") == name)["value"].to_numpy()
        values = values[~np.isnan(values)]
        if len(values):
            return np.asarray(values, dtype=np.float64)
    return None


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    from simdata.analysis.stats import t_interval

    estimate = t_interval(values)
    low = estimate.ci_low if math.isfinite(estimate.ci_low) else estimate.mean
    high = estimate.ci_high if math.isfinite(estimate.ci_high) else estimate.mean
    return estimate.mean, low, high


def _histogram_cdfs(results: Results, axes: Any, clip: float) -> bool:
    """One empirical CDF per replication from ``latency_histogram.parquet`` (thin lines:
    their spread is the replication-to-replication uncertainty); False when absent."""
    table = results.table("latency_histogram")
    if table is None:
        return False
    window = "peak_hour" if (table["window"] == "peak_hour").any() else "all"
    for _, part in table.filter(pl.col("window") == window).group_by(
        "replication", maintain_order=True
    ):
        part = part.sort("bucket_high_s").filter(pl.col("bucket_high_s").is_finite())
        counts = part["count"].to_numpy().astype(np.float64)
        if counts.sum() <= 0:
            continue
        share = np.clip(np.cumsum(counts) / counts.sum(), 1e-5, clip)
        latency_ms = np.maximum(part["bucket_high_s"].to_numpy() * 1e3, 1e-4)
        axes.step(latency_ms, share, where="post", color=PALETTE[0], linewidth=0.7, alpha=0.35)
    return True


def _latency_cdf(results: Results, kpis: pl.DataFrame, canvas: Canvas) -> Plot | None:
    points: list[tuple[float, float, float, float, float, float, str]] = []
    for stat, share in (("latency_p50", 0.5), ("latency_p99", 0.99)):
        values = _latency_kpi(kpis, stat)
        if values is not None:
            mean, low, high = _ci(values * 1e3)
            points.append((mean, low, high, share, share, share, stat.split("_")[1]))
    if not points:
        return None
    sla_text = (results.raw_scenario.get("resolution") or {}).get("sla")
    sla = None
    if isinstance(sla_text, str):
        try:
            sla = parse_sla(sla_text)
        except ValueError:
            sla = None
    share_values = _latency_kpi(kpis, "sla_share")
    if sla is not None and share_values is not None:
        mean, low, high = _ci(share_values)
        threshold = sla.threshold_s * 1e3
        points.append((threshold, threshold, threshold, mean, low, high, "SLA"))
    points.sort(key=lambda p: (p[0], p[3]))
    clip = 1 - 1e-5
    with canvas.figure(8.0, 4.2) as figure:
        axes = figure.subplots()
        drawn = _histogram_cdfs(results, axes, clip)
        x = np.array([p[0] for p in points])
        y = np.clip([p[3] for p in points], 1e-5, clip)
        if not drawn:
            axes.plot(x, y, color=PALETTE[0], linewidth=1, alpha=0.6)
        for mean, low, high, share, s_low, s_high, name in points:
            axes.errorbar(
                [mean],
                [min(share, clip)],
                xerr=[[mean - low], [high - mean]],
                yerr=[
                    [max(min(share, clip) - min(s_low, clip), 0)],
                    [max(min(s_high, clip) - min(share, clip), 0)],
                ],
                fmt="o",
                color=PALETTE[1] if name == "SLA" else PALETTE[0],
                capsize=4,
            )
            axes.annotate(
                name,
                (mean, min(share, clip)),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=8,
            )
        if sla is not None:
            axes.axvline(sla.threshold_s * 1e3, **SLA_STYLE, label=f"{canvas.t('sla')} {sla_text}")
            axes.axhline(min(sla.quantile, clip), color="#7a7a7a", linewidth=0.8)
            axes.legend(loc="lower right")
        axes.set_xscale("log")
        axes.set_yscale("logit")
        shares = [0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999]
        axes.yaxis.set_major_locator(FixedLocator(shares))
        axes.yaxis.set_major_formatter(FixedFormatter([f"{100 * q:g}%" for q in shares]))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_ylim(0.3, clip)
        axes.set_xlabel(canvas.t("latency_ms"))
        axes.set_ylabel(canvas.t("cumulative_share"))
        axes.set_title(canvas.t("title.latency_cdf"))
        return canvas.plot("latency_cdf", figure)


def _node_utilisation(kpis: pl.DataFrame, canvas: Canvas) -> Plot | None:
    values = _latency_kpi(kpis, "utilisation")
    if values is None:
        return None
    mean, low, high = _ci(values * 100)
    with canvas.figure(8.0, 2.4) as figure:
        axes = figure.subplots()
        jitter = np.linspace(-0.15, 0.15, len(values))
        axes.scatter(values * 100, jitter, color=PALETTE[7], s=14, alpha=0.7, zorder=2)
        axes.errorbar(
            [mean],
            [0],
            xerr=[[mean - low], [high - mean]],
            fmt="D",
            color=PALETTE[0],
            capsize=6,
            zorder=3,
        )
        axes.text(mean, 0.25, f"{mean:.3g}%  [{low:.3g}, {high:.3g}]", ha="center", fontsize=8)
        axes.set_yticks([0], [canvas.t("resource.node")])
        axes.set_ylim(-0.5, 0.5)
        axes.set_xlim(0, float(values.max()) * 100 * 1.3 or 1.0)
        axes.set_xlabel(canvas.t("utilisation_pct"))
        axes.set_title(canvas.t("title.node_utilisation"))
        return canvas.plot("node_utilisation", figure)

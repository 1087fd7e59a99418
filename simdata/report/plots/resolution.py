"""Figures of a resolution node: the latency distribution with the SLA line, and utilisation.

Per-request latencies are not kept in a run directory; the latency distribution is drawn
from each replication's log-bucket histogram (``latency_histogram.parquet``, one thin line
per replication) with the points the run measured on top (p50, p99 and the share within the
SLA threshold, 95 % CIs).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter

from simdata.analysis.stats import t_interval
from simdata.arrays import FloatArray
from simdata.report.plots.common import (
    PALETTE,
    SLA_STYLE,
    Canvas,
    Plot,
)
from simdata.report.source import Results
from simdata.scenario.resolution import Sla, parse_sla


def node_plots(results: Results, canvas: Canvas) -> list[Plot]:
    kpis = results.table("kpis")
    if kpis is None:
        return []
    plots = [_latency_cdf(results, kpis, canvas), _node_utilisation(kpis, canvas)]
    return [plot for plot in plots if plot is not None]


def _latency_kpi(kpis: pl.DataFrame, stat: str) -> FloatArray | None:
    """Per-replication values of ``resolution.<stat>``, the peak-hour variant preferred."""
    for name in (f"resolution.{stat}@window=peak_hour", f"resolution.{stat}"):
        values = kpis.filter(pl.col("kpi") == name)["value"].to_numpy()
        values = values[~np.isnan(values)]
        if len(values):
            return np.asarray(values, dtype=np.float64)
    return None


def _summarised(results: Results, stat: str) -> tuple[float, float, float] | None:
    """``resolution.<stat>`` as the run's summary states it (mean, CI; the peak-hour
    variant preferred): for a quantile, the pooled estimate and its sectioning CI."""
    summary = results.table("summary")
    if summary is None:
        return None
    for name in (f"resolution.{stat}@window=peak_hour", f"resolution.{stat}"):
        rows = summary.filter(pl.col("kpi") == name)
        if rows.height and rows["mean"][0] is not None and math.isfinite(rows["mean"][0]):
            mean, low, high = (rows[c][0] for c in ("mean", "ci_low", "ci_high"))
            low = low if low is not None and math.isfinite(low) else mean
            high = high if high is not None and math.isfinite(high) else mean
            return float(mean), float(low), float(high)
    return None


def _ci(values: FloatArray) -> tuple[float, float, float]:
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


#: A measured point on the CDF: latency mean, low, high (ms); share mean, low, high; name.
_Point = tuple[float, float, float, float, float, float, str]
#: The highest share the logit axis shows.
_CLIP = 1 - 1e-5


def _latency_points(results: Results, kpis: pl.DataFrame) -> tuple[list[_Point], Sla | None, Any]:
    """p50, p99 and (with an SLA) the share within its threshold, with 95 % CIs: the
    summary's (quantiles pooled over replications), or from the replications' values for a
    directory without one."""
    points: list[_Point] = []
    for stat, share in (("latency_p50", 0.5), ("latency_p99", 0.99)):
        found = _summarised(results, stat)
        values = _latency_kpi(kpis, stat)
        if found is None and values is not None:
            found = _ci(values)
        if found is not None:
            mean, low, high = (1e3 * v for v in found)
            points.append((mean, low, high, share, share, share, stat.split("_")[1]))
    sla_text = (results.raw_scenario.get("resolution") or {}).get("sla")
    sla = None
    if isinstance(sla_text, str):
        try:
            sla = parse_sla(sla_text)
        except ValueError:
            sla = None
    share_values = _latency_kpi(kpis, "sla_share")
    found_share = _summarised(results, "sla_share")
    if found_share is None and share_values is not None:
        found_share = _ci(share_values)
    if points and sla is not None and found_share is not None:
        mean, low, high = found_share
        threshold = sla.threshold_s * 1e3
        points.append((threshold, threshold, threshold, mean, low, high, "SLA"))
    points.sort(key=lambda p: (p[0], p[3]))
    return points, sla, sla_text


def _latency_cdf(results: Results, kpis: pl.DataFrame, canvas: Canvas) -> Plot | None:
    points, sla, sla_text = _latency_points(results, kpis)
    if not points:
        return None
    clip = _CLIP
    with canvas.figure(8.0, 4.2) as figure:
        axes = figure.subplots()
        if not _histogram_cdfs(results, axes, clip):
            x = np.array([p[0] for p in points])
            y = np.clip([p[3] for p in points], 1e-5, clip)
            axes.plot(x, y, color=PALETTE[0], linewidth=1, alpha=0.6)
        for point in points:
            _draw_point(axes, point)
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


def _draw_point(axes: Any, point: _Point) -> None:
    """One measured point with its CI in both directions, and its name."""
    mean, low, high, share, s_low, s_high, name = point
    clip = _CLIP
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
        name, (mean, min(share, clip)), textcoords="offset points", xytext=(6, -10), fontsize=8
    )


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

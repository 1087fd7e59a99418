"""The node's requests over time, with the warm-up shaded.

Time averages are taken after the warm-up; a reader judging whether the warm-up was long
enough (the MSER-5 warning asks exactly that) needs the series *with* the discarded start
visible. ``timeseries.parquet``'s ``resolution.in_system`` of an undated run is drawn per
replication (thin) and as the mean with its 95 % CI, and the warm-up — fixed, or with
``run.warmup: auto`` the replications' MSER-5 cuts (median line, range shaded) — is shaded.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from matplotlib.axes import Axes

from simdata.report.plots.common import PALETTE, Canvas, Plot, band, draw_band, scale_for
from simdata.report.source import Results
from simdata.scenario.warmup import parse_warmup

SERIES = "resolution.in_system"
WARMUP_STYLE: dict[str, Any] = {"color": "#7a7a7a", "alpha": 0.18, "linewidth": 0}


def warmup_span(results: Results) -> tuple[float, float, float | None] | None:
    """The warm-up in simulated seconds as ``(low, high, median)``: a fixed warm-up is
    ``(0, w, None)``; ``auto`` is the range and median of the replications' cuts."""
    record = results.manifest.get("warmup")
    if isinstance(record, dict):
        cuts = [record.get(f"{key}_s") for key in ("min", "max", "median")]
        if all(isinstance(c, int | float) for c in cuts):
            return float(cuts[0]), float(cuts[1]), float(cuts[2])  # type: ignore[arg-type]
    raw = (results.raw_scenario.get("run") or {}).get("warmup")
    try:
        warmup = parse_warmup(raw) if raw is not None else None
    except (ValueError, TypeError):
        return None
    return (0.0, float(warmup), None) if isinstance(warmup, int | float) and warmup > 0 else None


def shade_warmup(
    axes: Axes, span: tuple[float, float, float | None], factor: float, canvas: Canvas
) -> None:
    """Shade the warm-up (x in seconds × ``factor``): not measured, shown for judging it."""
    low, high, median = span
    if median is None:
        axes.axvspan(0, high * factor, **WARMUP_STYLE, label=canvas.t("warmup.fixed"))
        return
    axes.axvspan(0, low * factor, **WARMUP_STYLE, label=canvas.t("warmup.fixed"))
    axes.axvspan(low * factor, high * factor, color="#7a7a7a", alpha=0.08, linewidth=0,
                 label=canvas.t("warmup.range"))  # fmt: skip
    axes.axvline(median * factor, color="#5b6673", linestyle=":", linewidth=1.2,
                 label=canvas.t("warmup.median"))  # fmt: skip


def in_system_plot(results: Results, canvas: Canvas) -> Plot | None:
    """Requests in the node over simulated time (undated runs), warm-up shaded."""
    series = results.table("timeseries")
    if series is None or "series" not in series.columns:
        return None
    rows = series.filter(pl.col("series") == SERIES).drop_nulls("value")
    if rows.is_empty() or ("date" in rows.columns and rows["date"].null_count() == 0):
        return None
    if "replication" not in rows.columns:
        rows = rows.with_columns(replication=pl.lit(0))
    scale = scale_for("s", [float(rows["time_s"].max())], canvas.lang)  # type: ignore[arg-type]
    rows = rows.with_columns(x=pl.col("time_s") * scale.factor)
    with canvas.figure(8.5, 3.4) as figure:
        axes = figure.subplots()
        for index, (_, one) in enumerate(
            rows.sort("x").group_by("replication", maintain_order=True)
        ):
            axes.plot(one["x"].to_numpy(), one["value"].to_numpy(), color=PALETTE[0],
                      alpha=0.25, linewidth=0.6,
                      label=canvas.t("each_replication") if index == 0 else None)  # fmt: skip
        stats = band(rows, "x")
        draw_band(
            axes, stats["x"].to_numpy(), stats, PALETTE[0], canvas.t("mean"), canvas.t("ci95")
        )
        span = warmup_span(results)
        if span is not None:
            shade_warmup(axes, span, scale.factor, canvas)
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
        axes.set_xlabel(canvas.t("sim_time", unit=scale.unit))
        axes.set_ylabel(canvas.t("in_system"))
        axes.legend(loc="upper right", fontsize=7)
        axes.set_title(canvas.t("title.in_system"))
        return canvas.plot("in_system", figure)

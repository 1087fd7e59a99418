"""The capacity search's figure: latency against load, the SLA line and the capacity found.

Reads ``curve.parquet`` and ``capacity.json``. Each replication's bisection visits loads of
its own, so the mean and its band are drawn only at the loads all replications share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes

from simdata.report.plots.common import (
    PALETTE,
    SLA_STYLE,
    Canvas,
    Plot,
    band,
    finite_number,
)
from simdata.report.source import Results
from simdata.scenario.resolution import Sla, parse_sla


def capacity_sla(capacity: dict[str, Any]) -> Sla | None:
    """``capacity.json``'s ``sla`` read as an SLA (text ``p99<=100ms`` or a mapping)."""
    sla = capacity.get("sla")
    try:
        if isinstance(sla, str):
            return parse_sla(sla)
        if isinstance(sla, dict) and "text" in sla:
            return parse_sla(sla["text"])
        if isinstance(sla, dict) and {"quantile", "threshold_s"} <= set(sla):
            return Sla(float(sla["quantile"]), "<=", float(sla["threshold_s"]))
    except (ValueError, TypeError):
        return None
    return None


def shared_loads(curve: pl.DataFrame) -> list[float]:
    """Loads every replication evaluated (the capacity search's common grid), ascending.

    Each replication's bisection visits loads of its own; only the grid of multiples of
    the mean capacity is common to all, so only there is a mean across replications a
    mean of the same thing.
    """
    if curve.is_empty():
        return []
    if "replication" not in curve.columns:
        return sorted(curve["load_per_s"].unique().to_list())
    replications = curve["replication"].n_unique()
    counts = curve.group_by("load_per_s").agg(pl.col("replication").n_unique().alias("n"))
    return sorted(counts.filter(pl.col("n") == replications)["load_per_s"].to_list())


def capacity_band(curve: pl.DataFrame, column: str) -> pl.DataFrame:
    """``load_per_s, mean, lo, hi`` of ``column`` across replications, at shared loads only."""
    shared = curve.filter(pl.col("load_per_s").is_in(shared_loads(curve)))
    return band(shared.drop_nulls(column).drop_nans(column), "load_per_s", column)


def capacity_plots(results: Results, canvas: Canvas) -> list[Plot]:
    curve = results.table("curve")
    capacity = results.json("capacity.json") or {}
    if curve is None or "load_per_s" not in curve.columns:
        return []
    if "replication" not in curve.columns:
        curve = curve.with_columns(replication=pl.lit(0))
    pooled = results.table("curve_summary")
    with canvas.figure(8.5, 4.4) as figure:
        axes = figure.subplots()
        for column, key, color, q in (
            ("latency_p50_s", "p50", PALETTE[0], 0.5),
            ("latency_p99_s", "p99", PALETTE[1], 0.99),
        ):
            if column in curve.columns:
                _latency_lines(
                    axes, curve.with_columns(pl.col(column) * 1e3), column, key, color, canvas,
                    None if pooled is None else pooled_band(pooled, q),
                )  # fmt: skip
        _capacity_marks(axes, capacity, canvas)
        axes.set_yscale("log")
        axes.set_xlabel(canvas.t("load_per_s"))
        axes.set_ylabel(canvas.t("latency_ms"))
        axes.legend(loc="upper left", fontsize=7)
        axes.set_title(canvas.t("title.capacity"))
        return [canvas.plot("capacity", figure)]


def pooled_band(pooled: pl.DataFrame, q: float) -> pl.DataFrame:
    """``load_per_s, mean, lo, hi`` (ms) of one quantile from ``curve_summary.parquet``: the
    quantile of every replication's latencies pooled, with its sectioning CI."""
    rows = pooled.filter(pl.col("quantile") == q).sort("load_per_s")
    return rows.select(
        "load_per_s",
        (pl.col("latency_s") * 1e3).alias("mean"),
        (pl.col("ci_low_s").fill_null(pl.col("latency_s")) * 1e3).alias("lo"),
        (pl.col("ci_high_s").fill_null(pl.col("latency_s")) * 1e3).alias("hi"),
    )


def _latency_lines(
    axes: Axes,
    in_ms: pl.DataFrame,
    column: str,
    key: str,
    color: str,
    canvas: Canvas,
    pooled: pl.DataFrame | None = None,
) -> None:
    """One latency quantile: a thin line per replication; across replications the pooled
    quantile and its CI at the shared loads (``pooled``), or — for a directory written
    before the curve was pooled — the mean of the replications' own and its band."""
    for index, (_, rows) in enumerate(
        in_ms.sort("load_per_s").group_by("replication", maintain_order=True)
    ):
        axes.plot(
            rows["load_per_s"].to_numpy(),
            rows[column].to_numpy(),
            color=color,
            alpha=0.3,
            linewidth=0.7,
            label=f"{canvas.t(key)} — {canvas.t('each_replication')}" if index == 0 else None,
        )
    is_pooled = pooled is not None and pooled.height > 0
    stats = pooled if pooled is not None and is_pooled else capacity_band(in_ms, column)
    if stats.is_empty():
        return
    x = stats["load_per_s"].to_numpy()
    # A log axis has no 0: the band stops at the smallest replication's value.
    floor = in_ms.filter(pl.col("load_per_s").is_in(x))[column].min()
    band_low = np.maximum(stats["lo"].to_numpy(), float(floor))  # type: ignore[arg-type]
    axes.plot(
        x,
        stats["mean"].to_numpy(),
        "o-",
        color=color,
        markersize=4,
        linewidth=1.8,
        label=f"{canvas.t(key)} — "
        + canvas.t("pooled_shared_loads" if is_pooled else "mean_shared_loads"),
    )
    axes.fill_between(
        x,
        band_low,
        stats["hi"].to_numpy(),
        color=color,
        alpha=0.22,
        linewidth=0,
        label=f"{canvas.t(key)} — {canvas.t('ci95')}",
    )


def _capacity_marks(axes: Axes, capacity: dict[str, Any], canvas: Canvas) -> None:
    """The SLA line, the capacity found and its CI."""
    sla = capacity_sla(capacity)
    ci = canvas.t("ci95")
    if sla is not None:
        axes.axhline(
            sla.threshold_s * 1e3,
            **SLA_STYLE,
            label=f"{canvas.t('sla')} p{sla.quantile * 100:g} ≤ {sla.threshold_s * 1e3:g} ms",
        )
    value = finite_number(capacity.get("capacity"))
    low, high = finite_number(capacity.get("ci_low")), finite_number(capacity.get("ci_high"))
    if value is not None:
        axes.axvline(
            value, color=PALETTE[2], linewidth=1.6, label=f"{canvas.t('capacity')} {value:.4g}/s"
        )
    if low is not None and high is not None:
        axes.axvspan(
            low, high, color=PALETTE[2], alpha=0.15, label=f"{canvas.t('capacity')} — {ci}"
        )

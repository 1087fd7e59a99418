"""The capacity search's figure: latency against load, the SLA line and the capacity found.

Reads ``curve.parquet``, ``curve_summary.parquet`` and ``capacity.json``. Each
replication's bisection visits loads of its own, so the pooled quantiles and their band are
drawn only at the loads all replications share. The reported capacity is the mean of the
replications' own SLA crossings, and a curve summarised *at fixed loads* need not cross
the SLA there (one overloaded replication lifts the whole grid point). So the SLA's
quantile also gets the curve averaged *at fixed latencies*: at each latency, the mean over
replications of the load where that replication's curve reaches it — at the SLA threshold
that is the mean of the crossings, i.e. the capacity, marked on the SLA line with its CI.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from matplotlib.axes import Axes

from simdata.arrays import FloatArray
from simdata.report import i18n
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
        _crossing_curve(axes, curve, capacity, canvas)
        _capacity_marks(axes, capacity, canvas)
        axes.set_yscale("log")
        axes.set_xlabel(canvas.t(load_label_key(capacity)))
        axes.set_ylabel(canvas.t("latency_ms"))
        axes.legend(loc="upper left", fontsize=7)
        axes.set_title(canvas.t("title.capacity"))
        return [canvas.plot("capacity", figure)]


def load_label_key(capacity: dict[str, Any]) -> str:
    """The x axis says what the load is: resolutions, plus registration writes when the
    search's mix has them (``capacity.json``'s ``mix``)."""
    mix = capacity.get("mix")
    writes = finite_number(mix.get("writes_per_s")) if isinstance(mix, dict) else None
    return "load_with_writes_per_s" if writes else "load_per_s"


#: The curve's latency column of each quantile it records.
_QUANTILE_COLUMNS = {0.5: "latency_p50_s", 0.99: "latency_p99_s"}


def load_at_latency(curve: pl.DataFrame, column: str, levels: FloatArray) -> FloatArray:
    """Per latency level (s), the mean over replications of the load at which that
    replication's ``column`` reaches it, interpolated in log-load and log-latency (the
    capacity search interpolates its crossing in log-load too); NaN where a replication's
    curve does not reach the level."""
    loads = []
    for _, rows in curve.drop_nulls(column).sort("load_per_s").group_by("replication"):
        load = rows["load_per_s"].to_numpy()
        latency = np.maximum.accumulate(rows[column].to_numpy())  # latency rises with load
        keep = np.concatenate([[True], np.diff(latency) > 0]) & (latency > 0) & (load > 0)
        if keep.sum() < 2:
            continue
        found = np.interp(
            np.log(levels), np.log(latency[keep]), np.log(load[keep]), left=np.nan, right=np.nan
        )
        loads.append(np.exp(found))
    if not loads:
        return np.full(len(levels), np.nan)
    return np.asarray(np.mean(np.vstack(loads), axis=0), dtype=np.float64)


def _crossing_curve(
    axes: Axes, curve: pl.DataFrame, capacity: dict[str, Any], canvas: Canvas
) -> None:
    """The SLA quantile averaged at fixed latencies: it crosses the SLA at the capacity."""
    sla = capacity_sla(capacity)
    column = None if sla is None else _QUANTILE_COLUMNS.get(round(sla.quantile, 6))
    if sla is None or column is None or column not in curve.columns:
        return
    values = curve[column].drop_nulls().drop_nans().to_numpy()
    values = values[values > 0]
    if values.size < 2:
        return
    levels = np.geomspace(values.min(), values.max(), 80)
    loads = load_at_latency(curve, column, levels)
    shown = np.isfinite(loads)
    axes.plot(
        loads[shown],
        levels[shown] * 1e3,
        color="#1d2733",
        linewidth=2.0,
        label=canvas.t("load_averaged", q=f"p{sla.quantile * 100:g}"),
    )


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
            label=f"{canvas.t('sla')} p{sla.quantile * 100:g} ≤ "
            + i18n.format_value(sla.threshold_s, "s", canvas.lang),
        )
    value = finite_number(capacity.get("capacity"))
    low, high = finite_number(capacity.get("ci_low")), finite_number(capacity.get("ci_high"))
    if value is not None:
        shown = i18n.format_value(value, "1/s", canvas.lang)
        axes.axvline(value, color=PALETTE[2], linewidth=1.2, alpha=0.8)
        if sla is not None:
            has_ci = low is not None and high is not None
            axes.errorbar(
                [value],
                [sla.threshold_s * 1e3],
                xerr=[[value - low], [high - value]] if has_ci else None,  # type: ignore[operator]
                fmt="D",
                color=PALETTE[2],
                markersize=7,
                capsize=5,
                zorder=5,
                label=f"{canvas.t('capacity')} {shown}" + (f" ({ci})" if has_ci else ""),
            )
    if low is not None and high is not None:
        axes.axvspan(low, high, color=PALETTE[2], alpha=0.12, linewidth=0)

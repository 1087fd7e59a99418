"""Figures of a resolution network: the node map and the busiest nodes' latency CDFs.

The map's data (which boxes, how wide, which colour category) comes from
:mod:`simdata.report.network_data`; this module only draws it. The CDFs are drawn from the
run's pooled sample histograms (``histograms.parquet``, key
``resolution.latency@node=NAME``: every replication's log buckets, < 1 % wide, merged).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter

from simdata.arrays import IntArray
from simdata.engine import histogram
from simdata.report import i18n
from simdata.report.network_data import (
    LAYERS,
    NO_QUEUE,
    SLA_CATEGORIES,
    UTILISATION_CATEGORIES,
    MapBox,
)
from simdata.report.numbers import plain_number
from simdata.report.plots.common import PALETTE, SLA_STYLE, Canvas, Plot
from simdata.scenario.resolution import Sla

#: Fill colour of each category (utilisation: blue to red; SLA margin: green to red).
COLOURS = {
    "util.low": "#dbe9f6",
    "util.mid": "#9ecae1",
    "util.high": "#fdb863",
    "util.saturated": "#d7301f",
    "sla.ample": "#2a8a4a",
    "sla.thin": "#a6d96a",
    "sla.short": "#f4a259",
    "sla.missed": "#b3261e",
    NO_QUEUE: "#e3e3e3",
}
#: Categories drawn in a dark fill get white text.
DARK = ("util.saturated", "sla.ample", "sla.missed")
#: Widths (fraction of a row) above which a box's name is written across, or up.
ACROSS, UP = 0.11, 0.018
#: The highest share the logit axis shows.
CLIP = 1 - 1e-5


def category_label(key: str, canvas: Canvas, sla: Sla | None) -> str:
    half = plain_number(50.0 * (1.0 - sla.quantile), canvas.lang) if sla is not None else ""
    return canvas.t(f"net.cat.{key}", half=half)


def _box_text(box: MapBox, canvas: Canvas) -> str:
    name = box.label or canvas.t("net.others", count=box.nodes)
    if box.value is None or box.width < ACROSS:
        return name
    if box.category.startswith("sla."):
        points = plain_number(100.0 * box.value, canvas.lang, digits=2)
        return f"{name}\n{'+' if box.value >= 0 else ''}{points}{canvas.t('net.points')}"
    return f"{name}\n{plain_number(100.0 * box.value, canvas.lang, digits=3)}%"


def _draw_row(axes: Axes, row: int, boxes: list[MapBox], canvas: Canvas) -> None:
    """One layer's boxes side by side, from x = 0 to 1, at height ``-row``."""
    x = 0.0
    for box in boxes:
        colour = COLOURS[box.category]
        axes.add_patch(
            Rectangle(
                (x, -row - 0.4), box.width, 0.8, facecolor=colour,
                edgecolor="#5b6673" if box.nodes > 1 else "white",
                hatch="///" if box.nodes > 1 else None, linewidth=1.2,
            )
        )  # fmt: skip
        if box.width >= UP:
            across = box.width >= ACROSS
            axes.text(
                x + box.width / 2, -row, _box_text(box, canvas), ha="center", va="center",
                fontsize=7 if across else 6, rotation=0 if across else 90,
                color="white" if box.category in DARK else "#1d2733", clip_on=True,
            )  # fmt: skip
        x += box.width


def map_plot(boxes: list[MapBox], sla: Sla | None, canvas: Canvas, rest: str) -> Plot:
    """The node map: one row per layer, boxes sized by traffic, coloured by category."""
    layers = [layer for layer in LAYERS if any(b.layer == layer for b in boxes)]
    with canvas.figure(width=9.5, height=1.0 + 0.95 * len(layers)) as figure:
        axes = figure.subplots()
        labels = []
        for row, layer in enumerate(layers):
            members = [b for b in boxes if b.layer == layer]
            _draw_row(axes, row, members, canvas)
            total = plain_number(sum(b.arrivals for b in members), canvas.lang)
            name = canvas.t(f"net.layer.{layer}")
            labels.append(canvas.t("net.row", layer=name, arrivals=total))
        axes.set_xlim(0, 1)
        axes.set_ylim(-len(layers) + 0.5, 0.5)
        axes.set_yticks([-row for row in range(len(layers))], labels)
        axes.set_xticks([])
        axes.grid(False)
        for side in ("left", "bottom"):
            axes.spines[side].set_visible(False)
        present = {b.category for b in boxes}
        order = (*SLA_CATEGORIES, *UTILISATION_CATEGORIES, NO_QUEUE)
        handles = [
            Patch(
                facecolor=COLOURS[key], edgecolor="#5b6673", label=category_label(key, canvas, sla)
            )
            for key in order
            if key in present
        ]
        axes.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
            frameon=False,
        )  # fmt: skip
        return _captioned(canvas, "network_map", figure, sla, rest)


def _captioned(canvas: Canvas, key: str, figure: Figure, sla: Sla | None, rest: str) -> Plot:
    """The figure as a plot whose caption names the SLA, or says there is none."""
    fields = _sla_fields(sla, canvas) or {"sla": "", "quantile": ""}
    plot = canvas.plot(key, figure, **fields, rest=rest)
    if sla is None:
        plot = replace(plot, caption=canvas.t(f"caption.{key}.no_sla", rest=rest))
    return plot


def _sla_fields(sla: Sla | None, canvas: Canvas) -> dict[str, str]:
    if sla is None:
        return {}
    return {
        "sla": i18n.format_value(sla.threshold_s, "s", canvas.lang),
        "quantile": f"{plain_number(100.0 * sla.quantile, canvas.lang)}%",
    }


def pooled_histograms(table: pl.DataFrame | None, keys: list[str]) -> dict[str, IntArray]:
    """Each sample key's histogram merged over every replication (absent keys left out)."""
    if table is None:
        return {}
    found: dict[str, IntArray] = {}
    summed = (
        table.filter(pl.col("sample").is_in(keys))
        .group_by("sample", "bucket")
        .agg(pl.col("count").sum())
    )
    for (name,), rows in summed.group_by("sample"):
        counts = histogram.empty()
        counts[rows["bucket"].to_numpy()] = rows["count"].to_numpy()
        found[str(name)] = counts
    return found


def _step(axes: Axes, counts: IntArray, **style: object) -> None:
    """The empirical CDF of one histogram at its buckets' upper edges (ms)."""
    total = histogram.count(counts)
    if total == 0:
        return
    positions, _, high = histogram.bounds(counts)
    share = np.cumsum(counts[positions]) / total
    finite = np.isfinite(high)
    latency_ms = np.maximum(high[finite] * 1e3, 1e-4)
    axes.step(latency_ms, np.clip(share[finite], 1e-5, CLIP), where="post", **style)  # type: ignore[arg-type]


def cdf_plot(
    busiest: dict[str, IntArray], others: IntArray | None, count: int, sla: Sla | None,
    canvas: Canvas, rest: str,
) -> Plot:  # fmt: skip
    """The busiest secondary nodes' end-to-end latency CDFs, the rest pooled, SLA marked."""
    with canvas.figure(8.0, 4.4) as figure:
        axes = figure.subplots()
        for index, (name, counts) in enumerate(busiest.items()):
            _step(axes, counts, color=PALETTE[index % len(PALETTE)], linewidth=1.4, label=name)
        if others is not None:
            label = canvas.t("net.cdf.others", count=count)
            _step(axes, others, color="#7a7a7a", linewidth=1.2, linestyle="-.", label=label)
        if sla is not None:
            text = canvas.t("net.sla_line", sla=_sla_fields(sla, canvas)["sla"])
            axes.axvline(sla.threshold_s * 1e3, **SLA_STYLE, label=text)
            axes.axhline(min(sla.quantile, CLIP), color="#7a7a7a", linewidth=0.8)
        axes.set_xscale("log")
        axes.set_yscale("logit")
        shares = [0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999]
        axes.yaxis.set_major_locator(FixedLocator(shares))
        axes.yaxis.set_major_formatter(FixedFormatter([f"{100 * q:g}%" for q in shares]))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_ylim(0.3, CLIP)
        axes.set_xlabel(canvas.t("net.latency_axis"))
        axes.set_ylabel(canvas.t("net.share_axis"))
        axes.legend(loc="upper left")  # curves rise at the right: the upper left is free
        return _captioned(canvas, "network_cdf", figure, sla, rest)

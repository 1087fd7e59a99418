"""What every report figure shares: the canvas, the PNG embedding, CIs across replications.

Figures are drawn with matplotlib's object API on an Agg canvas (no pyplot, so no global
figure state and no display), inside an ``rc_context`` that sets the fonts for the page's
language, and embedded as ``data:`` PNGs so the page needs nothing but itself.
"""

from __future__ import annotations

import base64
import io
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, LogFormatter, ScalarFormatter

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.stats import t_half_width
from simdata.arrays import FloatArray
from simdata.report import i18n
from simdata.report.fonts import font_families
from simdata.report.numbers import tick_number

PALETTE = ("#1f5f99", "#d9730d", "#2a8a4a", "#b3261e", "#6b4c9a", "#8c6d1f", "#0f7c80", "#7a7a7a")
SLA_STYLE: dict[str, Any] = {"color": "#b3261e", "linestyle": "--", "linewidth": 1.3}
TARGET_STYLE: dict[str, Any] = {"color": "#6b4c9a", "linestyle": ":", "linewidth": 1.5}


@dataclass(frozen=True)
class Plot:
    """One figure of a report: its title, the sentence saying what to read, the PNG."""

    key: str
    title: str
    caption: str
    data_uri: str


@dataclass(frozen=True)
class Canvas:
    """The language and fonts every figure of one report is drawn with."""

    lang: str
    cjk_font: str | None

    def t(self, key: str, **fields: object) -> str:
        return i18n.text(key, self.lang, **fields)

    @contextmanager
    def figure(self, width: float = 8.0, height: float = 4.2) -> Iterator[Figure]:
        with mpl.rc_context(
            {
                "font.family": font_families(self.lang, self.cjk_font),
                "axes.unicode_minus": False,
                "axes.spines.top": False,
                "axes.spines.right": False,
                "axes.grid": True,
                "grid.alpha": 0.3,
                "font.size": 9,
                "axes.titlesize": 11,
                "legend.fontsize": 8,
                "legend.framealpha": 0.85,
            }
        ):
            yield Figure(figsize=(width, height), dpi=100, layout="constrained")

    def plot(self, key: str, figure: Figure, **fields: object) -> Plot:
        """The figure as a report plot (title and caption from :mod:`i18n`)."""
        with mpl.rc_context():
            mpl.rcParams["font.family"] = font_families(self.lang, self.cjk_font)
            buffer = io.BytesIO()
            FigureCanvasAgg(figure)  # attaches the Agg canvas: no GUI backend, no pyplot
            with warnings.catch_warnings():
                if self.cjk_font is None:  # already warned once, visibly, per report
                    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
                readable_axes(figure, self.lang)
                clear_error_bars(figure)  # lays the figure out: inside the font filter
                figure.savefig(buffer, format="png")
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        return Plot(
            key=key,
            title=self.t(f"title.{key}", **fields),
            caption=self.t(f"caption.{key}", **fields),
            data_uri=f"data:image/png;base64,{encoded}",
        )


class ReadableTicks(Formatter):
    """Tick labels as :func:`~simdata.report.numbers.tick_number` writes them: no ``1e7``
    offset above the axis, no ``1.2e+07`` or ``10²`` labels; 万/亿 in Chinese.

    It keeps matplotlib's own formatter inside to decide *which* ticks get a label (a log
    axis labels only some minor ticks) and replaces only the text."""

    def __init__(self, inner: Formatter, lang: str) -> None:
        self.inner, self.lang = inner, lang

    def set_locs(self, locs: Any) -> None:
        self.inner.set_locs(locs)
        super().set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return tick_number(float(x), self.lang) if self.inner(x, pos) else ""

    def get_offset(self) -> str:
        return ""


def readable_axes(figure: Figure, lang: str) -> None:
    """Every numeric axis of ``figure`` labelled by :class:`ReadableTicks` (date, category
    and fixed labels are left as the plot set them)."""
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            major, minor = axis.get_major_formatter(), axis.get_minor_formatter()
            if isinstance(major, ScalarFormatter | LogFormatter):
                axis.set_major_formatter(ReadableTicks(major, lang))
            if isinstance(minor, LogFormatter):
                axis.set_minor_formatter(ReadableTicks(minor, lang))


def clear_error_bars(figure: Figure) -> None:
    """Move every value label that sits on an error bar to just past the bar's far end.

    Plots write a bar's value next to its mean; with a wide CI the whisker runs through
    the text. A label is moved right of a horizontal whisker (or above a vertical one) it
    overlaps, in display space, so the rule holds for every plot without each computing it.
    """
    figure.draw_without_rendering()  # lays out the text so its extent is known
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for axes in figure.axes:
        whiskers = _whiskers(axes)
        for label in axes.texts:
            if label.get_transform() != axes.transData:
                continue
            box = label.get_window_extent(renderer).expanded(1.05, 1.2)
            for seg in whiskers:
                low, high = axes.transData.transform(seg[0]), axes.transData.transform(seg[1])
                horizontal = abs(high[1] - low[1]) < abs(high[0] - low[0])
                if not _touches(box, low, high):
                    continue
                x, y = label.get_position()
                if horizontal:
                    label.set_position((max(seg[0][0], seg[1][0]), y))
                    label.set_horizontalalignment("left")
                    label.set_text(f"  {label.get_text().lstrip()}")
                else:
                    label.set_position((x, max(seg[0][1], seg[1][1])))
                    label.set_verticalalignment("bottom")
                box = label.get_window_extent(renderer).expanded(1.05, 1.2)


def _whiskers(axes: Axes) -> list[FloatArray]:
    """The line segments (data coordinates) of every error bar drawn on ``axes``."""
    segments: list[FloatArray] = []
    for container in axes.containers:  # ``bar(xerr=…)`` adds its ErrorbarContainer here too
        if isinstance(container, ErrorbarContainer):
            for collection in container.lines[2]:
                segments += [np.asarray(s, dtype=np.float64) for s in collection.get_segments()]
    return segments


def _touches(box: Any, low: FloatArray, high: FloatArray) -> bool:
    """Whether the segment from ``low`` to ``high`` (display space) crosses ``box``."""
    x0, x1 = sorted((float(low[0]), float(high[0])))
    y0, y1 = sorted((float(low[1]), float(high[1])))
    return bool(x0 <= box.x1 and x1 >= box.x0 and y0 <= box.y1 and y1 >= box.y0)


def band(frame: pl.DataFrame, x: str, value: str = "value") -> pl.DataFrame:
    """Per ``x``: the mean of ``value`` over replications and its 95% t-CI (``lo``, ``hi``)."""
    grouped = (
        frame.group_by(x)
        .agg(
            pl.col(value).mean().alias("mean"),
            pl.col(value).std().fill_null(0.0).alias("std"),
            pl.col(value).count().alias("n"),
        )
        .sort(x)
    )
    half = t_half_width(grouped["std"].to_numpy(), grouped["n"].to_numpy())
    half = np.nan_to_num(half, nan=0.0)
    mean = grouped["mean"].to_numpy()
    return grouped.with_columns(lo=pl.Series(mean - half), hi=pl.Series(mean + half))


def draw_band(axes: Axes, x: object, rows: pl.DataFrame, color: str, label: str, ci: str) -> None:
    """A mean line with its shaded 95% CI band."""
    axes.plot(x, rows["mean"].to_numpy(), color=color, linewidth=1.6, label=label)  # type: ignore[arg-type]
    axes.fill_between(
        x,  # type: ignore[arg-type]
        rows["lo"].to_numpy(),
        rows["hi"].to_numpy(),
        color=color,
        alpha=0.22,
        linewidth=0,
        label=f"{label} — {ci}",
    )


@dataclass(frozen=True)
class Scale:
    """How a KPI's SI values are shown on an axis: multiply by ``factor``, label ``unit``."""

    factor: float
    unit: str


def scale_for(unit: str | None, values: list[float], lang: str) -> Scale:
    """A readable scale for values of ``unit``: seconds → the largest fitting unit, % …"""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    if unit == "s":
        largest = max(finite, default=1.0)
        for size, _, word in i18n.SHOWN_DURATIONS:
            if largest >= size:
                return Scale(1.0 / size, word[lang])
        return Scale(1e6, i18n.SHOWN_DURATIONS[-1].word[lang])
    if unit == "fraction":
        return Scale(100.0, "%")
    if unit == "1/s":
        return Scale(1.0, "/s")
    if unit == "workday":
        return Scale(1.0, i18n.unit_label("workday", lang))
    return Scale(1.0, i18n.unit_label(unit or "count", lang))


def kpi_unit(name: str) -> str | None:
    kpi = REGISTRY.get(kpi_names.base_of(name))
    return kpi.unit if kpi is not None else None


def summary_rows(summary: pl.DataFrame | None, prefix: str) -> pl.DataFrame:
    """Summary rows whose KPI starts with ``prefix`` (empty frame when there are none)."""
    if summary is None:
        return pl.DataFrame()
    return summary.filter(pl.col("kpi").str.starts_with(prefix) & pl.col("mean").is_not_nan())


def error_bars(rows: pl.DataFrame, factor: float = 1.0) -> tuple[FloatArray, FloatArray]:
    """Means and the (2, n) distances to the CI ends, for ``errorbar`` (0 where no CI)."""
    mean = rows["mean"].to_numpy() * factor
    low = rows["ci_low"].to_numpy() * factor
    high = rows["ci_high"].to_numpy() * factor
    low = np.where(np.isnan(low), mean, low)
    high = np.where(np.isnan(high), mean, high)
    return mean, np.vstack([np.maximum(mean - low, 0), np.maximum(high - mean, 0)])


def finite_number(value: object) -> float | None:
    """``value`` as a float when it is a finite number (not a bool), else None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None

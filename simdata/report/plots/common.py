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
from matplotlib.figure import Figure

from simdata import kpi_names
from simdata.analysis.kpis import REGISTRY
from simdata.analysis.stats import t_half_width
from simdata.arrays import FloatArray
from simdata.report import i18n
from simdata.report.fonts import font_families

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
                figure.savefig(buffer, format="png")
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        return Plot(
            key=key,
            title=self.t(f"title.{key}", **fields),
            caption=self.t(f"caption.{key}", **fields),
            data_uri=f"data:image/png;base64,{encoded}",
        )


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

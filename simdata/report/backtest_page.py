"""The report of a ``simdata backtest`` directory: a verdict per observed KPI with the test
stated, observed against simulated over time (the predictive band, the replications' mean,
the observations as points) and the per-period table. The page is the common report page
(``report.html.j2``) with these as its headline table, figure and extra table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from simdata.report import i18n
from simdata.report.numbers import plain_number
from simdata.report.plots.common import PALETTE, Canvas, Plot, scale_for
from simdata.report.source import Results

#: The most KPIs the figure draws (the table lists every one).
FIGURE_KPIS = 8
_SERIES = ("registrations.count", "resolutions.count", "cases.count")


def kpi_text(name: str, lang: str) -> str:
    """A KPI or backtest series as planners read it, in ``lang``."""
    if name in _SERIES:
        return i18n.text(f"series.{name}", lang)
    return i18n.kpi_label(name, lang)


def _value(value: float | None, unit: str, lang: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return i18n.format_value(value, unit or "count", lang)


def _p(value: object) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _verdict_table(summary: dict[str, Any], lang: str) -> dict[str, Any]:
    rows = []
    for record in summary.get("kpis") or []:
        percentile = record.get("mean_percentile")
        rows.append(
            [
                kpi_text(str(record["kpi"]), lang),
                i18n.text(f"bt.verdict.{record['verdict']}", lang),
                str(record.get("periods")),
                str(record.get("outside")),
                "—" if percentile is None else plain_number(float(percentile), lang, digits=2),
                _p(record.get("p_holm")),
            ]
        )
    keys = ("col.kpi", "bt.col.verdict", "bt.col.periods", "bt.col.outside")
    header = [i18n.text(k, lang) for k in (*keys, "bt.col.percentile", "bt.col.p")]
    interval = summary.get("interval") or {}
    method = str(interval.get("method") or "normal").split(" ")[0]
    method_key = "order statistics" if method == "order" else "normal"
    note = i18n.text(
        "bt.verdicts.note",
        lang,
        test=summary.get("test", ""),
        replications=summary.get("replications", "—"),
        method=i18n.text(f"bt.method.{method_key}", lang),
    )
    return {"title": i18n.text("bt.verdicts", lang), "header": header, "rows": rows, "note": note}


def _period_table(table: pl.DataFrame, lang: str) -> dict[str, Any]:
    rows = []
    for row in table.iter_rows(named=True):
        unit = str(row["unit"])
        interval = f"[{_value(row['pi_low'], unit, lang)}, {_value(row['pi_high'], unit, lang)}]"
        percentile = row["percentile"]
        shown = "—" if percentile is None or math.isnan(percentile) else f"{percentile:.0f}"
        rows.append(
            [
                kpi_text(str(row["kpi"]), lang),
                str(row["period"]),
                _value(row["observed"], unit, lang),
                _value(row["sim_mean"], unit, lang),
                interval,
                shown + (" ⚠" if row["outside"] else ""),
            ]
        )
    keys = ("col.kpi", "bt.col.period", "bt.col.observed", "bt.col.simulated")
    header = [i18n.text(k, lang) for k in (*keys, "bt.col.interval", "bt.col.percentile_one")]
    note = i18n.text("bt.periods.note", lang)
    return {"title": i18n.text("bt.periods", lang), "header": header, "rows": rows, "note": note}


def _figure(table: pl.DataFrame, canvas: Canvas) -> Plot:
    kpis = table["kpi"].unique(maintain_order=True).to_list()[:FIGURE_KPIS]
    columns = 2 if len(kpis) > 1 else 1
    count = math.ceil(len(kpis) / columns)
    with canvas.figure(10.0 if columns == 2 else 7.5, 2.8 * count + 0.6) as figure:
        grid = figure.subplots(count, columns, squeeze=False)
        for index, kpi in enumerate(kpis):
            axes = grid[index // columns][index % columns]
            rows = table.filter(pl.col("kpi") == kpi).sort("start")
            unit = str(rows["unit"][0])
            observed = rows["observed"].to_numpy().astype(float)
            scale = scale_for(unit, list(observed), canvas.lang)
            x = rows["start"].to_list()
            low, high, mean = (
                rows[c].to_numpy().astype(float) * scale.factor
                for c in ("pi_low", "pi_high", "sim_mean")
            )
            axes.fill_between(
                x, low, high, color=PALETTE[0], alpha=0.2, label=canvas.t("bt.legend.band")
            )
            axes.plot(x, mean, color=PALETTE[0], linewidth=1.4, label=canvas.t("bt.legend.mean"))
            outside = rows["outside"].to_numpy()
            colors = np.where(outside, PALETTE[3], "#222222")
            axes.scatter(
                x, observed * scale.factor, c=colors, s=16, zorder=3,
                label=canvas.t("bt.legend.observed"),
            )  # fmt: skip
            axes.set_title(kpi_text(kpi, canvas.lang), fontsize=9)
            axes.set_ylabel(scale.unit, fontsize=8)
            axes.tick_params(axis="x", labelrotation=30, labelsize=7)
            if index == 0:
                axes.legend(loc="best")
        for index in range(len(kpis), count * columns):
            grid[index // columns][index % columns].set_visible(False)
        return canvas.plot("backtest", figure)


def backtest_content(results: Results, canvas: Canvas) -> dict[str, Any]:
    """The page's headline table (a verdict per KPI), its figure and per-period table."""
    table = results.table("backtest")
    summary = results.json("verdicts.json") or {}
    lang = canvas.lang
    headline = [_verdict_table(summary, lang)]
    if table is None:
        return {"plots": [], "headline_tables": headline, "extra_tables": []}
    return {
        "plots": [_figure(table, canvas)],
        "headline_tables": headline,
        "extra_tables": [_period_table(table, lang)],
    }

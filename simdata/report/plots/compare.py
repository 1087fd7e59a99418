"""A comparison's forest plot: each variant's paired difference from the base, with its CI."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from simdata.report.i18n import kpi_label
from simdata.report.plots.common import (
    PALETTE,
    Canvas,
    Plot,
    kpi_unit,
    scale_for,
)
from simdata.report.source import Results

#: The most KPIs a forest plot shows (targets first, then the clearest differences).
FOREST_KPIS = 12


def forest_kpis(compare: pl.DataFrame, targets: set[str]) -> list[str]:
    """The KPIs a forest plot shows: those with targets, then the clearest differences."""
    clarity = (
        compare.with_columns(
            score=(
                pl.col("diff_mean").abs() / (pl.col("diff_ci_high") - pl.col("diff_ci_low")).abs()
            )
            .fill_nan(0.0)
            .fill_null(0.0)
        )
        .group_by("kpi", maintain_order=True)
        .agg(pl.col("score").max())
    )
    ranked = clarity.with_columns(has_target=pl.col("kpi").is_in(list(targets))).sort(
        ["has_target", "score"], descending=True
    )
    return ranked["kpi"].head(FOREST_KPIS).to_list()


def compare_plots(results: Results, canvas: Canvas, targets: set[str]) -> list[Plot]:
    compare = results.table("compare")
    needed = {"variant", "kpi", "diff_mean", "diff_ci_low", "diff_ci_high"}
    if compare is None or not needed <= set(compare.columns):
        return []
    kpis = forest_kpis(compare, targets)
    variants = compare["variant"].unique(maintain_order=True).to_list()
    columns = 2 if len(kpis) > 1 else 1
    rows_count = math.ceil(len(kpis) / columns)
    height = max(2.6, rows_count * (0.35 * len(variants) + 1.1) + 0.8)
    with canvas.figure(10.0 if columns == 2 else 7.0, height) as figure:
        grid = figure.subplots(rows_count, columns, squeeze=False)
        for index, kpi in enumerate(kpis):
            axes = grid[index // columns][index % columns]
            rows = pl.DataFrame({"variant": variants}).join(
                compare.filter(pl.col("kpi") == kpi), on="variant", how="left"
            )
            mean = rows["diff_mean"].to_numpy().astype(float)
            scale = scale_for(kpi_unit(kpi), [abs(v) for v in mean], canvas.lang)
            low = rows["diff_ci_low"].to_numpy().astype(float) * scale.factor
            high = rows["diff_ci_high"].to_numpy().astype(float) * scale.factor
            mean = mean * scale.factor
            y = np.arange(len(variants))
            clear = (low > 0) | (high < 0)
            colors = [PALETTE[3] if c else PALETTE[7] for c in clear]
            for position, m, lo, hi, color in zip(y, mean, low, high, colors, strict=True):
                axes.errorbar(
                    [m],
                    [position],
                    xerr=[[max(m - lo, 0)], [max(hi - m, 0)]],
                    fmt="o",
                    color=color,
                    capsize=3,
                )
            axes.axvline(0, color="#333333", linewidth=1)
            axes.set_yticks(y, variants)
            axes.set_ylim(-0.6, len(variants) - 0.4)
            axes.invert_yaxis()
            axes.set_title(kpi_label(kpi, canvas.lang), fontsize=8)
            axes.set_xlabel(f"{canvas.t('difference')} ({scale.unit})", fontsize=8)
        for index in range(len(kpis), rows_count * columns):
            grid[index // columns][index % columns].set_visible(False)
        figure.suptitle(canvas.t("title.forest"))
        return [canvas.plot("forest", figure)]

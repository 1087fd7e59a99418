"""The optimisation's figure: each evaluated plan's cost against each target's margin.

One panel per constraint: x is the plan's cost, y how far its estimate lies on the right
side of the target (the CI as an error bar), so the cheapest point above the dashed zero
line whose status is feasible is the answer, and the plans left of it show what the
targets cost. The tolerance band (±ε) is shaded: a plan inside it is a tie.
"""

from __future__ import annotations

import math
from typing import Any

from simdata.report.optimize_data import OptimizeData
from simdata.report.plots.common import Canvas, Plot, kpi_unit, scale_for

#: Marker, colour and z-order of each status (the caption names them).
STYLES: dict[str, dict[str, Any]] = {
    "feasible": {"marker": "o", "color": "#2a8a4a"},
    "tie": {"marker": "D", "color": "#1f5f99"},
    "infeasible": {"marker": "X", "color": "#b3261e"},
    "undecided": {"marker": "^", "color": "#d9a400"},
    "invalid": {"marker": "s", "color": "#7a7a7a"},
    "dominated": {"marker": "v", "color": "#7a7a7a"},
}


def frontier_plot(data: OptimizeData, canvas: Canvas) -> Plot:
    """Cost (x) against margin (y), one panel per constraint, points marked by status."""
    count = len(data.constraints)
    with canvas.figure(width=8.0, height=3.2 * count) as figure:
        axes_list = figure.subplots(count, 1, squeeze=False)[:, 0]
        for axes, constraint in zip(axes_list, data.constraints, strict=True):
            margins = [constraint.margin(row.get(constraint.kpi)) for row in data.rows]
            scale = scale_for(kpi_unit(constraint.kpi), margins, canvas.lang)
            axes.axhline(0.0, color="#5b6673", linestyle="--", linewidth=1.0)
            if constraint.epsilon:
                eps = constraint.epsilon * scale.factor
                axes.axhspan(-eps, eps, color="#1f5f99", alpha=0.12, linewidth=0)
            for row, margin in zip(data.rows, margins, strict=True):
                if math.isnan(margin):
                    continue
                style = STYLES.get(str(row.get("status")), STYLES["undecided"])
                ends = [
                    constraint.margin(row.get(f"{constraint.kpi} {end}"))
                    for end in ("ci_low", "ci_high")
                ]
                low, high = min(ends), max(ends)
                y = margin * scale.factor
                yerr = (
                    [[max(y - low * scale.factor, 0.0)], [max(high * scale.factor - y, 0.0)]]
                    if math.isfinite(low) and math.isfinite(high)
                    else None
                )
                cost = float(row["cost"])
                axes.errorbar(
                    [cost], [y], yerr=yerr, fmt=style["marker"], color=style["color"],
                    markersize=7, capsize=3, linewidth=1.0,
                )  # fmt: skip
                if row.get("chosen"):
                    axes.plot([cost], [y], "o", markersize=16, markerfacecolor="none",
                              markeredgecolor="#1d2733", markeredgewidth=1.5)  # fmt: skip
            axes.set_title(constraint.label(canvas.lang))
            axes.set_ylabel(canvas.t("opt.axis.margin", unit=scale.unit))
        axes_list[-1].set_xlabel(canvas.t("opt.axis.cost"))
        return canvas.plot("optimize_frontier", figure)

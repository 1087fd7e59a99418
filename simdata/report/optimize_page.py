"""The report of a ``simdata optimize`` directory: the chosen plan and its guarantee, the
targets at it, what one step cheaper would break, every evaluated plan and the frontier
figure (cost against each target's margin). The page is the common report page
(``report.html.j2``) with these as its headline and extra tables and its figure.
"""

from __future__ import annotations

from typing import Any

from simdata.report.optimize_data import read_optimize
from simdata.report.optimize_tables import cheaper_table, chosen_table, plans_table, targets_table
from simdata.report.plots.common import Canvas, Plot
from simdata.report.plots.optimize import frontier_plot
from simdata.report.source import Results


def optimize_content(results: Results, canvas: Canvas) -> dict[str, Any]:
    """The page's headline tables (the plan and its guarantee, the targets at it), extra
    tables (one step cheaper, every plan) and the frontier figure."""
    data = read_optimize(results)
    lang = canvas.lang
    headline = [chosen_table(data, lang)]
    if data.chosen is not None:
        headline.append(targets_table(data, lang))
    extra = [plans_table(data, lang)]
    if data.chosen is not None:
        extra.insert(0, cheaper_table(data, lang))
    plots: list[Plot] = []
    if data.rows and data.constraints:
        plots.append(frontier_plot(data, canvas))
    return {"plots": plots, "headline_tables": headline, "extra_tables": extra}

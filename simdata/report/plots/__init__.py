"""The report's figures, one module per kind of results directory.

``common`` (the canvas, palette, bands, scales), ``resolution`` (a node's latency and
utilisation), ``identifiers`` (an identifier economy's run), ``public_data`` (a
public-data run), ``capacity``, ``sweep`` and ``compare`` (the loops around runs).
"""

from simdata.report.plots.capacity import capacity_plots, capacity_sla
from simdata.report.plots.compare import compare_plots
from simdata.report.plots.identifiers import identifier_plots
from simdata.report.plots.public_data import public_data_plots
from simdata.report.plots.resolution import node_plots
from simdata.report.plots.sweep import sweep_kpis, sweep_plots

__all__ = [
    "capacity_plots",
    "capacity_sla",
    "compare_plots",
    "identifier_plots",
    "node_plots",
    "public_data_plots",
    "sweep_kpis",
    "sweep_plots",
]

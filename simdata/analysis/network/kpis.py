"""The network's KPIs: every resolution KPI, per node (``resolution.wait_mean@node=fuzhou``).

A network node is judged by the single node's definitions
(:mod:`simdata.analysis.resolution.kpis`), computed from its statistics
(:class:`~simdata.model.network.tally.NodeFigures`): the **queue** KPIs (wait, sojourn,
queue, utilisation, throughput, rejections) from the node's own queue, for every node with
servers; the **path** KPIs (end-to-end latency, SLA share, failed share, cache-hit share,
arrivals) from the resolutions whose identifiers a secondary node owns — what that node's
enterprises' users see. Each is registered as a variant of the single-node KPI broken
down by ``node``, read from the component's statistics rather than from frame rows.
"""

from __future__ import annotations

import math

from simdata import kpi_names
from simdata.analysis.kpis import Kpi, register_variant
from simdata.analysis.network.names import DIMENSION, PATH_KPIS, PROVINCE, QUEUE_KPIS
from simdata.analysis.resolution.kpis import DEFINITIONS
from simdata.arrays import IntArray
from simdata.engine import histogram
from simdata.model.frames import NETWORK_NODES
from simdata.model.network.tally import NodeFigures
from simdata.model.resolution.statistics import NodeStatistics
from simdata.model.world import Simulated

#: The KPIs summed over a province's secondary nodes (``@province=NAME``).
PROVINCE_KPIS = ("resolution.arrivals_count",)


def path_kpis() -> tuple[str, ...]:
    """The end-to-end KPIs of the resolutions a secondary node owns."""
    return PATH_KPIS


#: The busiest whole clock hour's utilisation of every queue node.
PEAK = (("window", "peak_hour"),)


def _register() -> None:
    names = {d.kpi.name for d in DEFINITIONS}
    if names != {*QUEUE_KPIS, *PATH_KPIS}:
        raise ValueError(f"network KPIs: queue + path lists must be {sorted(names)}")
    utilisation = next(d.kpi for d in DEFINITIONS if d.kpi.name == "resolution.utilisation")
    register_variant(
        Kpi(utilisation.name, utilisation.unit, utilisation.better, "", "", NETWORK_NODES,
            utilisation.expr, (DIMENSION,), from_statistics=True, suffix=PEAK)
    )  # fmt: skip
    for definition in DEFINITIONS:
        base = definition.kpi
        if base.name in PROVINCE_KPIS:
            register_variant(
                Kpi(base.name, base.unit, base.better, "", "", NETWORK_NODES, base.expr,
                    (PROVINCE,), from_statistics=True)
            )  # fmt: skip
        register_variant(
            Kpi(
                base.name,
                base.unit,
                base.better,
                "",
                "",
                NETWORK_NODES,
                base.expr,
                (DIMENSION,),
                quantile=base.quantile,
                sample=base.sample,
                from_statistics=True,
            )
        )


def network_kpis(simulated: Simulated) -> dict[str, float]:
    """Every node's KPI values, named ``<kpi>@node=<name>``, and the provinces' totals
    (``<kpi>@province=<name>``)."""
    by_name = {d.kpi.name: d.from_statistics for d in DEFINITIONS}
    figures = simulated.network_figures
    if not figures:
        return {}
    table = simulated.frames[NETWORK_NODES.name]
    values = province_kpis(figures, dict(zip(table["node"], table["province"], strict=True)))
    for node, found in figures.items():
        if math.isfinite(found.peak_utilisation):
            name = kpi_names.format("resolution.utilisation", [(DIMENSION, node), *PEAK])
            values[name] = found.peak_utilisation
        for names, statistics in ((QUEUE_KPIS, found.queue), (path_kpis(), found.path)):
            if statistics is None:
                continue
            for name in names:
                values[kpi_names.format(name, [(DIMENSION, node)])] = _value(
                    by_name[name](statistics)
                )
    return values


def province_kpis(figures: dict[str, NodeFigures], provinces: dict[str, str]) -> dict[str, float]:
    """Resolutions of the identifiers each province's secondary nodes own, summed
    (``provinces``: node name → province, empty when not given)."""
    totals: dict[str, float] = {}
    for node, found in figures.items():
        province = provinces.get(node, "")
        if found.path is not None and province:
            totals[province] = totals.get(province, 0.0) + found.path.measured
    return {
        kpi_names.format(name, [(PROVINCE, province)]): total
        for province, total in sorted(totals.items())
        for name in PROVINCE_KPIS
    }


def _value(value: float) -> float:
    return float(value) if math.isfinite(value) or math.isnan(value) else math.nan


def network_histograms(figures: dict[str, NodeFigures]) -> dict[str, IntArray]:
    """The quantile KPIs' samples per node: ``resolution.sojourn@node=…`` (queue nodes)
    and ``resolution.latency@node=…`` (secondary nodes' resolutions)."""
    found: dict[str, IntArray] = {}
    for node, figures_of in figures.items():
        queue, path = figures_of.queue, figures_of.path
        if queue is not None and histogram.count(queue.sojourn):
            found[kpi_names.format("resolution.sojourn", [(DIMENSION, node)])] = queue.sojourn
        if path is not None:
            found[kpi_names.format("resolution.latency", [(DIMENSION, node)])] = path.latency
    return found


def queue_statistics_of(figures: dict[str, NodeFigures]) -> dict[str, NodeStatistics]:
    """The nodes with a queue and their queue statistics (capacity reads these)."""
    return {node: f.queue for node, f in figures.items() if f.queue is not None}


_register()

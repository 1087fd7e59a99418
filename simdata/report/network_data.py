"""What the network section of a run's report reads, and the node map's data.

Read from the run directory only: ``network_nodes.parquet`` (each node's arrivals per
replication), ``summary.parquet`` (the per-node KPIs ``…@node=NAME`` and the provincial
totals ``…@province=NAME`` with their targets and verdicts) and the scenario's
``network.sla``. The map's data — which nodes get a box, how wide, in which colour
category — is computed here, apart from the drawing, so a test can check it without
reading pixels.

**Sizes.** A layer (recursive → top-level → secondary → enterprise) is one row of boxes;
a box's width is its node's share of the requests arriving at that layer (mean over
replications), so the boxes of a row add up to the row. A layer with more than
:data:`TOP_N` nodes shows its busiest ``TOP_N - 1`` and one box for the rest (their
arrivals summed, their worst category as its colour), and the caption says so.

**Colours.** A secondary node under an end-to-end SLA (``network.sla``, ``pNN<=T``) is
coloured by its SLA margin: ``sla_share − q`` (the share of its resolutions within ``T``
minus the share the SLA asks), in four bands split at 0 and ± half the tail the SLA
allows (± 0.5 points for p99). Any other node with servers is coloured by its utilisation
(four bands); a node without servers (a cache, a latency-only hop) is grey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from simdata.analysis.summary import SummaryRow, summary_rows
from simdata.report.source import Results
from simdata.scenario.resolution import Sla, parse_sla

#: Layers in the order a resolution visits them (scenario.network.node.LAYERS).
LAYERS = ("recursive", "top_level", "secondary", "enterprise")
#: Most boxes in one row of the map (the busiest TOP_N − 1 and one for the rest).
TOP_N = 12
#: Most nodes whose latency CDF is drawn one by one (the rest pooled in one line).
TOP_CDF = 6
#: Utilisation bands (upper edges) and their categories, from light to saturated.
UTILISATION_EDGES = (0.5, 0.7, 0.85)
UTILISATION_CATEGORIES = ("util.low", "util.mid", "util.high", "util.saturated")
#: SLA margin categories, from comfortable to missed by far.
SLA_CATEGORIES = ("sla.ample", "sla.thin", "sla.short", "sla.missed")
NO_QUEUE = "none"
#: Worst first, for the colour of an "others" box.
SEVERITY = (*reversed(SLA_CATEGORIES), *reversed(UTILISATION_CATEGORIES), NO_QUEUE)


@dataclass(frozen=True)
class NodeFigures:
    """One node as the section shows it (means over replications, SI; None = not measured)."""

    name: str
    kind: str
    province: str | None
    servers: int
    arrivals: float
    utilisation: float | None
    sla_share: float | None
    latency_p99: float | None


@dataclass(frozen=True)
class MapBox:
    """One box of the node map: a node (or the rest of a layer), its width and colour."""

    layer: str
    label: str
    arrivals: float
    #: Fraction of its row (the layer's arrivals) the box takes.
    width: float
    category: str
    #: The value behind the colour: utilisation, or the SLA margin (share points), or None.
    value: float | None
    #: Nodes the box stands for (1, or the rest of the layer).
    nodes: int = 1


def sla_of(results: Results) -> Sla | None:
    """The network's end-to-end SLA as the scenario states it (None when absent or bad)."""
    text = (results.raw_scenario.get("network") or {}).get("sla")
    if not isinstance(text, str):
        return None
    try:
        return parse_sla(text)
    except ValueError:
        return None


def _summary_means(results: Results) -> dict[str, float]:
    summary = results.table("summary")
    if summary is None:
        return {}
    found = {}
    for kpi, mean in summary.select("kpi", "mean").iter_rows():
        if mean is not None and math.isfinite(mean):
            found[str(kpi)] = float(mean)
    return found


def read_nodes(results: Results) -> list[NodeFigures]:
    """Every node of ``network_nodes.parquet``, in file order, with its KPIs' means."""
    table = results.table("network_nodes")
    if table is None:
        return []
    means = _summary_means(results)
    per_node = (
        table.group_by("node", maintain_order=True)
        .agg(
            pl.col("kind").first(),
            pl.col("province").first(),
            pl.col("servers").first(),
            pl.col("arrivals").cast(pl.Float64).mean(),
        )
        .iter_rows(named=True)
    )
    return [
        NodeFigures(
            name=str(row["node"]),
            kind=str(row["kind"]),
            province=row["province"],
            servers=int(row["servers"] or 0),
            arrivals=float(row["arrivals"] or 0.0),
            utilisation=means.get(f"resolution.utilisation@node={row['node']}"),
            sla_share=means.get(f"resolution.sla_share@node={row['node']}"),
            latency_p99=means.get(f"resolution.latency_p99@node={row['node']}"),
        )
        for row in per_node
    ]


def category(node: NodeFigures, sla: Sla | None) -> tuple[str, float | None]:
    """The node's colour category and the value behind it (see the module docstring)."""
    if node.kind == "secondary" and sla is not None and node.sla_share is not None:
        margin = node.sla_share - sla.quantile
        half = (1.0 - sla.quantile) / 2.0
        index = 0 if margin >= half else 1 if margin >= 0 else 2 if margin > -half else 3
        return SLA_CATEGORIES[index], margin
    if node.servers > 0 and node.utilisation is not None:
        index = sum(node.utilisation >= edge for edge in UTILISATION_EDGES)
        return UTILISATION_CATEGORIES[index], node.utilisation
    return NO_QUEUE, None


def map_boxes(nodes: list[NodeFigures], sla: Sla | None, top: int = TOP_N) -> list[MapBox]:
    """The map's boxes, layer by layer, busiest first (see the module docstring)."""
    boxes: list[MapBox] = []
    for layer in LAYERS:
        members = sorted((n for n in nodes if n.kind == layer), key=lambda n: (-n.arrivals, n.name))
        boxes += _layer_boxes(layer, members, sla, top)
    return boxes


def _layer_boxes(layer: str, members: list[NodeFigures], sla: Sla | None, top: int) -> list[MapBox]:
    """One layer's boxes: its nodes (busiest first), or the busiest ``top - 1`` and the rest."""
    if not members:
        return []
    total = sum(n.arrivals for n in members)

    def width(arrivals: float, count: int) -> float:
        return arrivals / total if total > 0 else count / len(members)

    shown, rest = (members, []) if len(members) <= top else (members[: top - 1], members[top - 1 :])
    boxes = []
    for node in shown:
        found, value = category(node, sla)
        boxes.append(MapBox(layer, node.name, node.arrivals, width(node.arrivals, 1), found, value))
    if rest:
        arrivals = sum(n.arrivals for n in rest)
        worst = min((category(n, sla)[0] for n in rest), key=SEVERITY.index)
        boxes.append(
            MapBox(layer, "", arrivals, width(arrivals, len(rest)), worst, None, len(rest))
        )
    return boxes


def busiest_secondary(nodes: list[NodeFigures], top: int = TOP_CDF) -> tuple[list[str], list[str]]:
    """``(busiest, rest)``: the secondary nodes whose CDFs are drawn, and the others."""
    ordered = [
        n.name
        for n in sorted(
            (n for n in nodes if n.kind == "secondary"), key=lambda n: (-n.arrivals, n.name)
        )
    ]
    return ordered[:top], ordered[top:]


def provincial_rows(results: Results) -> list[SummaryRow]:
    """The summary's provincial totals (``…@province=NAME``), targeted ones first."""
    summary = results.table("summary")
    rows = (
        [r for r in summary_rows(summary) if r.breakdown("province")] if summary is not None else []
    )
    return sorted(rows, key=lambda r: (not r.target, r.breakdown("province") or "", r.kpi))


def targeted_node_rows(results: Results) -> list[SummaryRow]:
    """The summary's per-node rows that carry a target, in the summary's order."""
    summary = results.table("summary")
    if summary is None:
        return []
    return [r for r in summary_rows(summary) if r.breakdown("node") and r.target]

"""The network section of a run's report (a run directory with ``network_nodes.parquet``):
the node map, the busiest secondary nodes' latency CDFs, the provincial totals against
their targets, the targeted nodes and the busiest nodes' figures.

Everything is read from the run directory (:mod:`simdata.report.network_data`); the
section is rendered by ``templates/network.html.j2`` inside the common page.
"""

from __future__ import annotations

from typing import Any

from simdata.analysis.summary import SummaryRow
from simdata.report import i18n
from simdata.report.network_data import (
    TOP_CDF,
    TOP_N,
    NodeFigures,
    busiest_secondary,
    map_boxes,
    provincial_rows,
    read_nodes,
    sla_of,
    targeted_node_rows,
)
from simdata.report.numbers import plain_number
from simdata.report.plots.common import Canvas, Plot
from simdata.report.plots.network import cdf_plot, map_plot, pooled_histograms
from simdata.report.source import Results
from simdata.scenario.resolution import Sla

#: Rows of the busiest-nodes table.
TOP_TABLE = 15
#: A table cell: its text, whether it is a number (right-aligned), its verdict badge.
Cell = dict[str, str]


def _cell(text: str, kind: str = "") -> Cell:
    return {"text": text, "kind": kind, "badge": ""}


def _verdict_cell(row: SummaryRow, lang: str) -> Cell:
    verdict = row.verdict or ""
    label = i18n.verdict_label(verdict, lang)
    if verdict and row.note:
        label += f" — {i18n.text('note.tail', lang)}"
    return {"text": label, "kind": "", "badge": verdict}


def _kpi_cells(row: SummaryRow, lang: str) -> list[Cell]:
    """KPI (without its breakdown), mean, CI, target, verdict."""
    unit = row.unit
    low, high = row.ci_low, row.ci_high
    ci = (
        "—"
        if low is None or high is None
        else f"[{i18n.format_value(low, unit, lang)}, {i18n.format_value(high, unit, lang)}]"
    )
    return [
        _cell(i18n.kpi_label(row.name.base, lang)),
        _cell(i18n.format_value(row.mean, unit, lang), "num"),
        _cell(ci, "num"),
        _cell(row.target or "—"),
        _verdict_cell(row, lang),
    ]


def _kpi_header(first: str, lang: str) -> list[str]:
    keys = ("col.kpi", "col.mean", "col.ci", "col.target", "col.verdict")
    return [i18n.text(first, lang), *(i18n.text(k, lang) for k in keys)]


def province_table(results: Results, lang: str) -> dict[str, Any]:
    """The provincial totals (targeted first) with their targets and the summary's verdicts."""
    rows = [
        [_cell(row.breakdown("province") or ""), *_kpi_cells(row, lang)]
        for row in provincial_rows(results)
    ]
    table: dict[str, Any] = {
        "id": "network-provinces",
        "title": i18n.text("net.provinces", lang),
        "header": _kpi_header("net.col.province", lang),
        "rows": rows,
    }
    if not rows:
        table["note"] = i18n.text("net.provinces.none", lang)
    return table


def node_target_table(results: Results, lang: str) -> dict[str, Any] | None:
    """The per-node rows that carry a target (None when no node has one)."""
    rows = [
        [_cell(row.breakdown("node") or ""), *_kpi_cells(row, lang)]
        for row in targeted_node_rows(results)
    ]
    if not rows:
        return None
    return {
        "id": "network-targets",
        "title": i18n.text("net.targeted", lang),
        "header": _kpi_header("net.col.node", lang),
        "rows": rows,
    }


def busiest_table(nodes: list[NodeFigures], lang: str) -> dict[str, Any]:
    """The most utilised nodes (the first to saturate when traffic grows), then the busiest
    by arrivals among nodes without servers, with their p99 and share within the SLA."""
    ordered = sorted(
        nodes,
        key=lambda n: (-(n.utilisation if n.utilisation is not None else -1.0), -n.arrivals),
    )[:TOP_TABLE]
    keys = ("node", "kind", "province", "servers", "arrivals", "utilisation", "p99", "sla_share")
    rows = [
        [
            _cell(node.name),
            _cell(i18n.text(f"net.layer.{node.kind}", lang)),
            _cell(node.province or "—"),
            _cell(str(node.servers) if node.servers else "—", "num"),
            _cell(plain_number(node.arrivals, lang), "num"),
            _cell(i18n.format_value(node.utilisation, "fraction", lang), "num"),
            _cell(i18n.format_value(node.latency_p99, "s", lang), "num"),
            _cell(i18n.format_value(node.sla_share, "fraction", lang), "num"),
        ]
        for node in ordered
    ]
    return {
        "id": "network-nodes",
        "title": i18n.text("net.nodes", lang),
        "header": [i18n.text(f"net.col.{key}", lang) for key in keys],
        "rows": rows,
        "note": i18n.text("net.nodes.note", lang, shown=len(ordered), count=len(nodes)),
    }


def network_plots(
    results: Results, nodes: list[NodeFigures], sla: Sla | None, canvas: Canvas
) -> list[Plot]:
    """The node map and, where histograms were kept, the busiest nodes' latency CDFs."""
    boxes = map_boxes(nodes, sla)
    crowded = any(box.nodes > 1 for box in boxes)
    rest = canvas.t("net.rest", top=TOP_N, shown=TOP_N - 1) if crowded else ""
    idle = [n.name for n in nodes if n.arrivals <= 0]
    if idle and len(idle) < len(nodes):
        rest += canvas.t("net.idle", names=", ".join(idle[:10]) + (" …" if len(idle) > 10 else ""))
    plots = [map_plot(boxes, sla, canvas, rest)]
    busiest, others = busiest_secondary(nodes, TOP_CDF)
    keys = {name: f"resolution.latency@node={name}" for name in [*busiest, *others]}
    pooled = pooled_histograms(results.table("histograms"), list(keys.values()))
    shown = {name: pooled[keys[name]] for name in busiest if keys[name] in pooled}
    if shown:
        rest_hists = [pooled[keys[name]] for name in others if keys[name] in pooled]
        merged = sum(rest_hists[1:], rest_hists[0].copy()) if rest_hists else None
        note = canvas.t("net.cdf.rest", count=len(rest_hists)) if rest_hists else ""
        plots.append(cdf_plot(shown, merged, len(rest_hists), sla, canvas, note))
    return plots


def network_content(results: Results, canvas: Canvas) -> dict[str, Any] | None:
    """The section's intro, figures and tables, or None for a directory without a network."""
    if results.kind != "run" or not results.has("network_nodes.parquet"):
        return None
    nodes = read_nodes(results)
    if not nodes:
        return None
    lang = canvas.lang
    sla = sla_of(results)
    layers = []
    for layer in ("recursive", "top_level", "secondary", "enterprise"):
        count = sum(node.kind == layer for node in nodes)
        if count:
            name = i18n.text(f"net.layer.{layer}", lang)
            layers.append(i18n.text("net.layer.count", lang, count=count, layer=name))
    entering = sum(n.arrivals for n in nodes if n.kind == _first_layer(nodes))
    intro = i18n.text(
        "net.intro",
        lang,
        nodes=len(nodes),
        layers=("、" if lang == "zh" else ", ").join(layers),
        arrivals=plain_number(entering, lang),
        replications=results.manifest.get("replications") or "?",
    )
    tables = [province_table(results, lang)]
    targeted = node_target_table(results, lang)
    if targeted is not None:
        tables.append(targeted)
    tables.append(busiest_table(nodes, lang))
    return {
        "title": i18n.text("net.section", lang),
        "intro": intro,
        "plots": network_plots(results, nodes, sla, canvas),
        "tables": tables,
    }


def _first_layer(nodes: list[NodeFigures]) -> str:
    kinds = {node.kind for node in nodes}
    return next(layer for layer in ("recursive", "top_level", "secondary") if layer in kinds)

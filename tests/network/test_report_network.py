"""The network section of a run's report (issue 19): the node map's data (sizes, colour
categories, the rest of a crowded layer), and the page of a small network run read in a
real headless Chromium in both languages (skip rules as tests/report/test_browser.py):
no console error or request, the section with its map and CDF figures drawn, the
provincial table with its target and the summary's verdict, the targeted node's row."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli
from simdata.engine import histogram
from simdata.report import build_report, i18n
from simdata.report.network_data import (
    NO_QUEUE,
    NodeFigures,
    busiest_secondary,
    category,
    map_boxes,
    read_nodes,
    sla_of,
)
from simdata.report.network_page import network_content
from simdata.report.plots.common import Canvas
from simdata.report.plots.network import pooled_histograms
from simdata.report.source import Results
from simdata.scenario.resolution import parse_sla
from tests.report.test_browser import (
    CJK,
    EXPONENT,
    _requested_urls,
    browser,  # noqa: F401  (the Chromium fixture)
)

pytestmark = pytest.mark.unit

P99 = parse_sla("p99<=100ms")


def node(
    name: str,
    kind: str = "secondary",
    arrivals: float = 100.0,
    servers: int = 1,
    utilisation: float | None = 0.3,
    sla_share: float | None = None,
) -> NodeFigures:
    return NodeFigures(name, kind, "福建", servers, arrivals, utilisation, sla_share, None)


def test_box_widths_are_each_nodes_share_of_its_layer() -> None:
    nodes = [
        node("rec", "recursive", 1000.0, servers=0, utilisation=None),
        node("top", "top_level", 200.0),
        node("a", arrivals=150.0),
        node("b", arrivals=50.0),
    ]
    boxes = {box.label: box for box in map_boxes(nodes, None)}
    assert boxes["rec"].width == 1.0
    assert boxes["top"].width == 1.0
    assert boxes["a"].width == pytest.approx(0.75)
    assert boxes["b"].width == pytest.approx(0.25)
    assert [b.layer for b in map_boxes(nodes, None)] == [
        "recursive",
        "top_level",
        "secondary",
        "secondary",
    ]
    idle = map_boxes([node("x", arrivals=0.0), node("y", arrivals=0.0)], None)
    assert [b.width for b in idle] == [0.5, 0.5]  # no traffic: equal widths, not NaN


def test_colour_categories() -> None:
    """Utilisation bands for queue nodes, SLA margin bands (± half the p99's 1 % tail) for
    secondary nodes under an SLA, grey for a node without servers."""
    bands = {0.2: "util.low", 0.6: "util.mid", 0.8: "util.high", 0.9: "util.saturated"}
    for utilisation, expected in bands.items():
        assert category(node("t", "top_level", utilisation=utilisation), P99)[0] == expected
    margins = {0.996: "sla.ample", 0.992: "sla.thin", 0.988: "sla.short", 0.982: "sla.missed"}
    for share, expected in margins.items():
        found, value = category(node("s", sla_share=share, utilisation=0.99), P99)
        assert found == expected
        assert value == pytest.approx(share - 0.99)
    assert category(node("s", sla_share=0.95, utilisation=0.6), None)[0] == "util.mid"
    assert category(node("r", "recursive", servers=0, utilisation=None), P99) == (NO_QUEUE, None)


def test_a_crowded_layer_shows_its_busiest_and_sums_the_rest() -> None:
    """20 secondary nodes, top 12: the 11 busiest, one box for 9 others with their summed
    arrivals, coloured by the worst of them; the CDFs take the 6 busiest."""
    nodes = [node(f"sn-{i:02d}", arrivals=1000.0 - i, sla_share=0.999) for i in range(20)]
    nodes[15] = node("sn-15", arrivals=985.0, sla_share=0.97)  # missed, among the rest
    boxes = map_boxes(nodes, P99, top=12)
    assert [b.label for b in boxes[:11]] == [f"sn-{i:02d}" for i in range(11)]
    rest = boxes[11]
    assert (rest.label, rest.nodes) == ("", 9)
    assert rest.arrivals == pytest.approx(sum(1000.0 - i for i in range(11, 20)))
    assert rest.category == "sla.missed"
    assert math.fsum(b.width for b in boxes) == pytest.approx(1.0)
    assert {b.category for b in boxes[:11]} == {"sla.ample"}
    busiest, others = busiest_secondary(nodes)
    assert busiest == [f"sn-{i:02d}" for i in range(6)]
    assert len(others) == 14


def test_pooled_histograms_add_the_replications() -> None:
    one, two = histogram.of(np.array([0.01, 0.02])), histogram.of(np.array([0.03]))
    rows = []
    for replication, counts in enumerate((one, two)):
        for bucket in np.flatnonzero(counts):
            rows.append(
                ("resolution.latency@node=a", replication, int(bucket), int(counts[bucket]))
            )
    table = pl.DataFrame(rows, schema=["sample", "replication", "bucket", "count"], orient="row")
    pooled = pooled_histograms(table, ["resolution.latency@node=a", "absent"])
    assert list(pooled) == ["resolution.latency@node=a"]
    assert np.array_equal(pooled["resolution.latency@node=a"], one + two)


def test_a_run_without_a_network_has_no_section(tmp_path: Path) -> None:
    results = Results(path=tmp_path, manifest={"kind": "run"})
    assert network_content(results, Canvas("en", None)) is None


SCENARIO = """\
name: small-net
run: {horizon: 120 s, warmup: 10 s, replications: 2, seed: 5}
network:
  traffic: {rate: 100/s}
  sla: p99<=60ms
  nodes:
    - {name: rec, kind: recursive, province: 福建, hit_ratio: 50%,
       link: {dist: constant, value: 2 ms}}
    - {name: top, kind: top_level, province: 上海, servers: 1,
       service_time: {dist: exponential, mean: 1 ms}, link: {dist: constant, value: 10 ms}}
    - {name: fuzhou, kind: secondary, province: 福建, share: 60%, servers: 1,
       service_time: {dist: exponential, mean: 3 ms},
       enterprise_node: {dist: uniform, low: 5 ms, high: 20 ms}}
    - {name: xiamen, kind: secondary, province: 福建, share: 40%, servers: 1,
       enterprise_node: {dist: constant, value: 80 ms}}
targets:
  - {kpi: resolution.arrivals_count@province=福建, ">=": 1000}
  - {kpi: resolution.latency_p99@node=xiamen, "<=": 60 ms}
"""


@pytest.fixture(scope="module")
def network_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small network run: one cache, one top-level node, two secondary nodes (xiamen's
    enterprise node takes 80 ms: its p99 is over the 60 ms target)."""
    root = tmp_path_factory.mktemp("network-report")
    scenario = root / "net.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = root / "run"
    outcome = CliRunner().invoke(cli, ["run", str(scenario), "--out", str(out), "--workers", "1"])
    assert outcome.exit_code == 0, outcome.output
    return out


@pytest.mark.slow
def test_the_map_of_a_run_reads_its_nodes(network_run: Path) -> None:
    """From the run directory: widths are the nodes' mean arrivals' shares of their layer;
    xiamen (80 ms enterprise node, p99 ≤ 60 ms) misses its SLA by far, fuzhou meets it."""
    results = Results(path=network_run, manifest={"kind": "run"})
    nodes = {n.name: n for n in read_nodes(results)}
    table = pl.read_parquet(network_run / "network_nodes.parquet")
    for name, figures in nodes.items():
        mean = table.filter(pl.col("node") == name)["arrivals"].mean()
        assert figures.arrivals == pytest.approx(mean)
    boxes = {b.label: b for b in map_boxes(list(nodes.values()), sla_of(results))}
    secondary = nodes["fuzhou"].arrivals + nodes["xiamen"].arrivals
    assert boxes["fuzhou"].width == pytest.approx(nodes["fuzhou"].arrivals / secondary)
    assert boxes["xiamen"].category == "sla.missed"
    assert boxes["fuzhou"].category in ("sla.ample", "sla.thin")
    assert boxes["top"].category.startswith("util.")
    assert boxes["rec"].category == NO_QUEUE


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_section_in_a_real_browser(
    browser: Any,  # noqa: F811
    network_run: Path,
    lang: str,
) -> None:
    """The page loads offline with no error or request; the network section has its map
    and CDF drawn, the province's total against its target with the summary's verdict."""
    path = build_report(network_run, lang).path
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(path.resolve().as_uri())
    state = browser.execute_script(
        "const s = document.getElementById('network');"
        "return {text: s ? s.innerText : '',"
        " figures: s ? Array.from(s.querySelectorAll('figure')).map(f => f.id) : [],"
        " images: s ? Array.from(s.querySelectorAll('img'))"
        "   .map(i => [i.complete, i.naturalWidth]) : [],"
        " province: (document.getElementById('network-provinces') || {}).innerText || '',"
        " targets: (document.getElementById('network-targets') || {}).innerText || '',"
        " headings: Array.from(s.querySelectorAll('h2, h3')).map(e => e.innerText)}"
    )
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert [u for u in _requested_urls(browser) if not u.startswith(("file:", "data:"))] == []
    assert state["figures"] == ["fig-network_map", "fig-network_cdf"]
    assert len(state["images"]) == 2
    assert all(complete and width > 0 for complete, width in state["images"])
    assert EXPONENT.findall(state["text"]) == []
    summary = {
        row["kpi"]: row for row in pl.read_parquet(network_run / "summary.parquet").to_dicts()
    }
    total = summary["resolution.arrivals_count@province=福建"]
    line = next(r for r in state["province"].splitlines() if "福建" in r and ">= 1000" in r)
    assert i18n.format_value(total["mean"], "count", lang) in line
    assert i18n.verdict_label(total["verdict"], lang) in line
    assert total["verdict"] == "pass"
    p99 = summary["resolution.latency_p99@node=xiamen"]
    assert p99["target"] == "<= 60 ms"
    node_line = next(r for r in state["targets"].splitlines() if "xiamen" in r)
    assert i18n.verdict_label(p99["verdict"], lang) in node_line
    assert "<= 60 ms" in node_line
    assert i18n.format_value(p99["mean"], "s", lang) in node_line
    if lang == "zh":
        assert all(CJK.search(h) for h in state["headings"] if h), state["headings"]
        assert "递归节点" in state["text"]

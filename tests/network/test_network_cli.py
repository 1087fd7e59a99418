"""``simdata run`` on a network scenario: per-node KPIs, provincial totals, the node table.

The path a planner takes: a network scenario file, ``simdata run --out``, then the run
directory read back — ``summary.parquet`` with ``…@node=NAME`` and ``…@province=NAME``
rows and their verdicts, ``network_nodes.parquet`` with one row per node and replication.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from simdata.cli import cli

pytestmark = pytest.mark.cli

SCENARIO = """\
name: net
run: {horizon: 300 s, warmup: 20 s, replications: 3, seed: 11}
network:
  traffic: {rate: 200/s}
  sla: p99<=60ms
  timeout: 80 ms
  nodes:
    - {name: rec-n, kind: recursive, share: 70%, hit_ratio: 60%, top_level: north,
       link: {dist: constant, value: 2 ms}}
    - {name: rec-s, kind: recursive, share: 30%, hit_ratio: 60%, top_level: south}
    - {name: north, kind: top_level, servers: 1, service_time: {dist: exponential, mean: 1 ms},
       link: {dist: constant, value: 10 ms}}
    - {name: south, kind: top_level, servers: 1, service_time: {dist: exponential, mean: 1 ms}}
    - {name: fuzhou, kind: secondary, province: 福建, share: 50%, servers: 1,
       service_time: {dist: exponential, mean: 4 ms}, queue_limit: 5}
    - {name: xiamen, kind: secondary, province: 福建, share: 30%, servers: 2,
       enterprise_node: {dist: uniform, low: 10 ms, high: 50 ms}}
    - {name: guangzhou-sn, kind: secondary, province: 广东, share: 10%, servers: 1}
    - {name: slow, kind: secondary, province: 广东, share: 10%,
       enterprise_node: {dist: constant, value: 100 ms}}
targets:
  - {kpi: resolution.utilisation@node=north, "<=": 50%}
  - {kpi: resolution.arrivals_count@province=福建, ">=": 1000}
  - {kpi: resolution.rejected_share@node=fuzhou, "<=": 0.1%}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("network")
    scenario = root / "net.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    out = root / "run"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


def _summary(run_dir: Path) -> dict[str, dict[str, object]]:
    rows = pl.read_parquet(run_dir / "summary.parquet").iter_rows(named=True)
    return {row["kpi"]: row for row in rows}


def test_node_table_adds_up(run_dir: Path) -> None:
    nodes = pl.read_parquet(run_dir / "network_nodes.parquet")
    assert nodes["replication"].n_unique() == 3
    for (replication,), table in nodes.group_by("replication"):
        by = {row["node"]: row for row in table.iter_rows(named=True)}
        entered = by["rec-n"]["arrivals"] + by["rec-s"]["arrivals"]
        hits = by["rec-n"]["cache_hits"] + by["rec-s"]["cache_hits"]
        owned = sum(by[n]["owned"] for n in ("fuzhou", "xiamen", "guangzhou-sn", "slow"))
        assert owned == entered, replication  # every resolution is owned once
        # Misses reach a top-level node, then their secondary node (none is rejected before).
        assert by["north"]["arrivals"] + by["south"]["arrivals"] == entered - hits
        secondary = sum(by[n]["arrivals"] for n in ("fuzhou", "xiamen", "guangzhou-sn", "slow"))
        assert secondary == entered - hits
        assert 0.55 < hits / entered < 0.65  # hit ratio 60 %


def test_summary_has_node_and_province_kpis_with_verdicts(run_dir: Path) -> None:
    summary = _summary(run_dir)
    for node in ("north", "south", "fuzhou", "xiamen", "guangzhou-sn"):
        assert f"resolution.utilisation@node={node}" in summary
    for node in ("fuzhou", "xiamen", "guangzhou-sn"):
        assert f"resolution.latency_p99@node={node}" in summary
    assert "resolution.latency_p99@node=north" not in summary  # a top-level node owns none
    assert "resolution.utilisation@node=rec-n" not in summary  # a cache has no servers
    kpis = pl.read_parquet(run_dir / "kpis.parquet")
    value = {(row["replication"], row["kpi"]): row["value"] for row in kpis.iter_rows(named=True)}
    for replication in range(3):
        fujian = value[(replication, "resolution.arrivals_count@province=福建")]
        nodes = sum(
            value[(replication, f"resolution.arrivals_count@node={node}")]
            for node in ("fuzhou", "xiamen")
        )
        assert fujian == nodes
    assert summary["resolution.utilisation@node=north"]["verdict"] == "pass"
    # fuzhou: 1 server at ~ 0.2 × 200/s × 50 % × 4 ms = 8 % load, K = 5: few rejections,
    # yet some: the verdict is not "pass" by default.
    assert summary["resolution.rejected_share@node=fuzhou"]["n"] == 3


def test_timeouts_count_as_failed_at_the_owner(run_dir: Path) -> None:
    """Every miss owned by ``slow`` takes 100 ms at its enterprise node, beyond the 80 ms
    timeout: it fails; its cache hits (1 ms) do not. So failed + hit shares are exactly 1."""
    kpis = pl.read_parquet(run_dir / "kpis.parquet")
    value = {(row["replication"], row["kpi"]): row["value"] for row in kpis.iter_rows(named=True)}
    for replication in range(3):
        failed = value[(replication, "resolution.failed_share@node=slow")]
        hits = value[(replication, "resolution.cache_hit_share@node=slow")]
        assert 0.5 < hits < 0.7
        assert failed + hits == pytest.approx(1.0, abs=1e-12)
        # Failed resolutions count at the timeout; hits take 1 ms (+ 2 ms link via rec-n).
        mean = value[(replication, "resolution.latency_mean@node=slow")]
        assert failed * 0.080 + hits * 0.001 < mean < failed * 0.080 + hits * 0.003
